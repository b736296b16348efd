//! Following a file another process appends to (the event log, a turn's transcript): each
//! read returns the complete lines written since the last one; a line still being written waits
//! for its newline. A file that shrank (replaced or truncated) is read again from its start.

use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use crate::fsutil::open_regular_read;

/// The most read in one call, so that a huge backlog cannot stall a refresh.
const MAX_READ: u64 = 1024 * 1024;

/// A file being followed from an offset.
#[derive(Debug)]
pub(crate) struct Follow {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
    /// The first line read is the tail of a line before the offset: dropped.
    skip_first: bool,
}

impl Follow {
    /// Follows `path` from its start.
    pub(crate) fn new(path: PathBuf) -> Follow {
        Follow {
            path,
            offset: 0,
            partial: Vec::new(),
            skip_first: false,
        }
    }

    /// Follows `path` from its last `bytes` bytes (the first, partial line of them dropped),
    /// or from its start when it is shorter; for joining a long file late.
    pub(crate) fn from_tail(path: PathBuf, bytes: u64) -> Follow {
        let len = std::fs::metadata(&path).map_or(0, |m| m.len());
        let mut follow = Follow::new(path);
        if len > bytes {
            follow.offset = len - bytes;
            follow.skip_first = !follow.starts_a_line();
        }
        follow
    }

    /// Whether the byte before the offset ends a line (so the next line read is whole).
    fn starts_a_line(&self) -> bool {
        use std::os::unix::fs::FileExt as _;
        let mut before = [0u8; 1];
        let Some(at) = self.offset.checked_sub(1) else {
            return true;
        };
        open_regular_read(&self.path)
            .and_then(|f| f.read_exact_at(&mut before, at))
            .is_ok_and(|()| before[0] == b'\n')
    }

    /// The file followed.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The complete lines appended since the last call (without their newline); none while the
    /// file does not exist.
    ///
    /// # Errors
    /// io errors other than a missing file.
    pub(crate) fn read_lines(&mut self) -> io::Result<Vec<Vec<u8>>> {
        let mut file = match open_regular_read(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        if len < self.offset {
            self.offset = 0;
            self.partial.clear();
            self.skip_first = false;
        }
        if len == self.offset {
            return Ok(Vec::new());
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        let read = file.take(MAX_READ).read_to_end(&mut buf)?;
        self.offset += read as u64;
        let mut lines = Vec::new();
        let mut rest = buf.as_slice();
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(&rest[..end]);
            if !std::mem::take(&mut self.skip_first) {
                lines.push(line);
            }
            rest = &rest[end + 1..];
        }
        self.partial.extend_from_slice(rest);
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn append(path: &Path, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        file.write_all(text.as_bytes()).expect("write");
    }

    #[test]
    fn lines_come_once_complete_and_a_truncated_file_starts_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.log");
        let mut follow = Follow::new(path.clone());
        assert!(follow.read_lines().expect("missing").is_empty());
        append(&path, "one\ntw");
        assert_eq!(follow.read_lines().expect("read"), [b"one".to_vec()]);
        append(&path, "o\nthree\n");
        assert_eq!(
            follow.read_lines().expect("read"),
            [b"two".to_vec(), b"three".to_vec()]
        );
        assert!(follow.read_lines().expect("read").is_empty());
        std::fs::write(&path, "new\n").expect("truncate");
        assert_eq!(follow.read_lines().expect("read"), [b"new".to_vec()]);
    }

    #[test]
    fn joining_late_drops_the_partial_first_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.log");
        append(&path, "aaaa\nbbbb\ncccc\n");
        let mut follow = Follow::from_tail(path.clone(), 7);
        assert_eq!(follow.read_lines().expect("read"), [b"cccc".to_vec()]);
        let mut at_a_line = Follow::from_tail(path.clone(), 10);
        assert_eq!(
            at_a_line.read_lines().expect("read"),
            [b"bbbb".to_vec(), b"cccc".to_vec()],
            "a tail that starts at a line keeps it"
        );
        let mut whole = Follow::from_tail(path, 1000);
        assert_eq!(whole.read_lines().expect("read").len(), 3);
    }
}
