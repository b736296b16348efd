//! Following a file another process appends to (the event log, a turn's transcript): each
//! read returns the complete lines written since the last one; a line still being written waits
//! for its newline. A file that shrank or was replaced (truncated, renamed over) is read again
//! from its start.
//!
//! Memory stays bounded whatever the file holds — an agent can write anything to the event log:
//! one read takes at most [`MAX_READ`] bytes, and a line longer than [`MAX_LINE`] is not kept:
//! it comes out as [`Line::TooLong`] with its length once its newline arrives, its bytes read
//! once and dropped (a 200 MB line costs neither 200 MB nor a re-read at every poll).

use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::os::unix::fs::MetadataExt as _;
use std::path::PathBuf;

use super::place::Place;

/// The most read in one call, so that a huge backlog cannot stall a refresh.
pub(crate) const MAX_READ: u64 = 1024 * 1024;

/// The longest line kept (bytes, without its newline). An event line holds at most a turn's
/// share of transcript text (256 KiB, JSON-escaped: up to six bytes a byte), so every line
/// Baton writes fits.
pub(crate) const MAX_LINE: usize = 4 * 1024 * 1024;

/// One line read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A whole line, without its newline.
    Whole(Vec<u8>),
    /// A line longer than [`MAX_LINE`], skipped: its length in bytes.
    TooLong(u64),
}

/// A file being followed from an offset.
#[derive(Debug)]
pub(crate) struct Follow {
    place: Place,
    offset: u64,
    /// The file (device, inode) read last; another one is read from its start.
    file: Option<(u64, u64)>,
    partial: Vec<u8>,
    /// Bytes of the current line dropped because it grew past [`MAX_LINE`] (0: none).
    dropped: u64,
    /// The first line read is the tail of a line before the offset: dropped.
    skip_first: bool,
    /// Whether the last read stopped before the end of the file.
    behind: bool,
    /// +1 each time the file is read again from its start.
    restarts: u64,
}

impl Follow {
    /// Follows `place` from its start.
    pub(crate) fn new(place: Place) -> Follow {
        Follow {
            place,
            offset: 0,
            file: None,
            partial: Vec::new(),
            dropped: 0,
            skip_first: false,
            behind: false,
            restarts: 0,
        }
    }

    /// Follows `place` from its last `bytes` bytes (the first, partial line of them dropped),
    /// or from its start when it is shorter; for joining a long file late.
    pub(crate) fn from_tail(place: Place, bytes: u64) -> Follow {
        let mut follow = Follow::new(place);
        let Ok(file) = follow.place.open() else {
            return follow;
        };
        let Ok(meta) = file.metadata() else {
            return follow;
        };
        follow.file = Some((meta.dev(), meta.ino()));
        if meta.len() > bytes {
            follow.offset = meta.len() - bytes;
            follow.skip_first = !starts_a_line(&file, follow.offset);
        }
        follow
    }

    /// The file followed.
    pub(crate) fn path(&self) -> PathBuf {
        self.place.path()
    }

    /// Whether the last read stopped before the end of the file (call again to catch up).
    pub(crate) fn behind(&self) -> bool {
        self.behind
    }

    /// How many times the file was read again from its start (it shrank, or another file took
    /// its name): what was read of it before is void.
    pub(crate) fn restarts(&self) -> u64 {
        self.restarts
    }

    /// The complete lines appended since the last call (at most [`MAX_READ`] bytes of them);
    /// none while the file does not exist.
    ///
    /// # Errors
    /// io errors other than a missing file (a FIFO, a symlink where none may be).
    pub(crate) fn read_lines(&mut self) -> io::Result<Vec<Line>> {
        self.behind = false;
        let mut file = match self.place.open() {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        let id = Some((meta.dev(), meta.ino()));
        let len = meta.len();
        if len < self.offset || (self.file.is_some() && id != self.file) {
            self.offset = 0;
            self.partial = Vec::new();
            self.dropped = 0;
            self.skip_first = false;
            self.restarts += 1;
        }
        self.file = id;
        if len == self.offset {
            return Ok(Vec::new());
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        let read = file.take(MAX_READ).read_to_end(&mut buf)?;
        self.offset += read as u64;
        self.behind = self.offset < len;
        let mut lines = Vec::new();
        let mut rest = buf.as_slice();
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let line = self.take_line(&rest[..end]);
            if !std::mem::take(&mut self.skip_first) {
                lines.push(line);
            }
            rest = &rest[end + 1..];
        }
        if self.dropped > 0 || self.partial.len() + rest.len() > MAX_LINE {
            self.dropped += (self.partial.len() + rest.len()) as u64;
            self.partial = Vec::new();
        } else {
            // Exactly: a line being written grows to the cap at most, not to twice it.
            self.partial.reserve_exact(rest.len());
            self.partial.extend_from_slice(rest);
        }
        Ok(lines)
    }

    /// The line that `end` (its last bytes, before the newline) completes.
    fn take_line(&mut self, end: &[u8]) -> Line {
        let kept = self.partial.len() + end.len();
        if self.dropped > 0 || kept > MAX_LINE {
            let len = std::mem::take(&mut self.dropped) + kept as u64;
            self.partial = Vec::new();
            return Line::TooLong(len);
        }
        let mut line = std::mem::take(&mut self.partial);
        line.extend_from_slice(end);
        Line::Whole(line)
    }
}

/// Whether the byte before `offset` in `file` ends a line (so the next line read is whole).
fn starts_a_line(file: &std::fs::File, offset: u64) -> bool {
    use std::os::unix::fs::FileExt as _;
    let mut before = [0u8; 1];
    let Some(at) = offset.checked_sub(1) else {
        return true;
    };
    file.read_exact_at(&mut before, at)
        .is_ok_and(|()| before[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::path::Path;

    use super::*;

    fn append(path: &Path, text: &[u8]) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        file.write_all(text).expect("write");
    }

    fn whole(text: &str) -> Line {
        Line::Whole(text.as_bytes().to_vec())
    }

    #[test]
    fn lines_come_once_complete_and_a_truncated_or_replaced_file_starts_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.log");
        let mut follow = Follow::new(Place::new(dir.path(), "t.log"));
        assert!(follow.read_lines().expect("missing").is_empty());
        append(&path, b"one\ntw");
        assert_eq!(follow.read_lines().expect("read"), [whole("one")]);
        append(&path, b"o\nthree\n");
        assert_eq!(
            follow.read_lines().expect("read"),
            [whole("two"), whole("three")]
        );
        assert!(follow.read_lines().expect("read").is_empty());
        std::fs::write(&path, "new\n").expect("truncate");
        assert_eq!(follow.read_lines().expect("read"), [whole("new")]);
        assert_eq!(follow.restarts(), 1);
        let other = dir.path().join("u.log");
        std::fs::write(&other, "a longer replacement\nsecond\n").expect("write");
        std::fs::rename(&other, &path).expect("rename over");
        assert_eq!(
            follow.read_lines().expect("read"),
            [whole("a longer replacement"), whole("second")],
            "another file under the same name is read from its start"
        );
        assert_eq!(follow.restarts(), 2);
    }

    #[test]
    fn joining_late_drops_the_partial_first_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.log");
        append(&path, b"aaaa\nbbbb\ncccc\n");
        let mut follow = Follow::from_tail(Place::new(dir.path(), "t.log"), 7);
        assert_eq!(follow.read_lines().expect("read"), [whole("cccc")]);
        let mut at_a_line = Follow::from_tail(Place::new(dir.path(), "t.log"), 10);
        assert_eq!(
            at_a_line.read_lines().expect("read"),
            [whole("bbbb"), whole("cccc")],
            "a tail that starts at a line keeps it"
        );
        let mut whole_file = Follow::from_tail(Place::new(dir.path(), "t.log"), 1000);
        assert_eq!(whole_file.read_lines().expect("read").len(), 3);
    }

    #[test]
    fn an_over_long_line_is_skipped_with_its_length_and_memory_stays_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.jsonl");
        let mut follow = Follow::new(Place::new(dir.path(), "events.jsonl"));
        append(&path, b"before\n");
        let chunk = vec![b'x'; MAX_READ as usize];
        let chunks = MAX_LINE / chunk.len() + 2;
        for _ in 0..chunks {
            append(&path, &chunk);
        }
        let mut lines = Vec::new();
        loop {
            lines.extend(follow.read_lines().expect("read"));
            assert!(
                follow.partial.capacity() <= MAX_LINE,
                "the line being read is not kept past the cap"
            );
            if !follow.behind() {
                break;
            }
        }
        assert_eq!(
            lines,
            [whole("before")],
            "the long line is still being written"
        );
        append(&path, b"tail\nafter\n");
        let lines = follow.read_lines().expect("read");
        let long = (chunks * chunk.len() + 4) as u64;
        assert_eq!(lines, [Line::TooLong(long), whole("after")]);
        assert!(follow.read_lines().expect("read").is_empty(), "read once");
    }
}
