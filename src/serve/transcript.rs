//! The running turn's transcript as the dashboard streams it: the tail of one growing log file
//! (opened only beneath `logs_dir`, see [`Place`]), read as it grows, kept as text (at most
//! [`KEEP_BYTES`]; a file that grew by more between two polls is read from its last
//! [`KEEP_BYTES`], so memory stays bounded), with positions that only move forward so each
//! browser gets exactly the text it has not seen.
//!
//! Positions count bytes of the decoded text since the file was first opened; they always fall
//! on character boundaries (a multi-byte character split across two reads is held back until
//! it is whole), so `text[from - base..]` is always valid.

use std::io::{Read as _, Seek as _, SeekFrom};

use crate::observe::Place;

/// How much of a transcript is kept and sent to a browser that connects (its tail).
pub(crate) const KEEP_BYTES: usize = 256 * 1024;

/// The kept tail of one transcript.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Transcript {
    /// The log file (as the event log named it); `None` before any agent started.
    pub(crate) log: Option<String>,
    /// The position of `text`'s first byte.
    pub(crate) base: u64,
    /// The kept text.
    pub(crate) text: String,
}

impl Transcript {
    /// The position after the last byte.
    #[must_use]
    pub(crate) fn end(&self) -> u64 {
        self.base + self.text.len() as u64
    }

    /// The text from position `from` to the end; `None` when `from` is no longer kept (or not
    /// a position of this transcript).
    #[must_use]
    pub(crate) fn since(&self, from: u64) -> Option<&str> {
        let offset = usize::try_from(from.checked_sub(self.base)?).ok()?;
        self.text.get(offset..)
    }

    fn push(&mut self, more: &str) {
        self.text.push_str(more);
        if self.text.len() > KEEP_BYTES {
            let mut cut = self.text.len() - KEEP_BYTES;
            while !self.text.is_char_boundary(cut) {
                cut += 1;
            }
            self.text.drain(..cut);
            self.base += cut as u64;
        }
    }
}

/// Follows one file: where it was read up to, and an incomplete character held back.
#[derive(Debug, Default)]
pub(crate) struct Tail {
    place: Option<Place>,
    offset: u64,
    held: Vec<u8>,
    /// What was read so far.
    pub(crate) transcript: Transcript,
}

impl Tail {
    /// Follows `log` (found at `place`) from now on: a new file starts from its last
    /// [`KEEP_BYTES`]; the same file goes on where it was. Returns whether the text changed.
    pub(crate) fn follow(&mut self, log: &str, place: &Place) -> bool {
        if self.place.as_ref() != Some(place) {
            *self = Tail {
                place: Some(place.clone()),
                transcript: Transcript {
                    log: Some(log.to_owned()),
                    ..Transcript::default()
                },
                ..Tail::default()
            };
            self.read_more();
            return true;
        }
        self.read_more()
    }

    /// Reads what the file gained; a file that shrank (rewritten) is read again from its start.
    fn read_more(&mut self) -> bool {
        let Some(place) = &self.place else {
            return false;
        };
        let Ok(mut file) = place.open() else {
            return false;
        };
        let len = file.metadata().map_or(0, |m| m.len());
        if len < self.offset {
            self.offset = 0;
            self.held.clear();
            let log = self.transcript.log.take();
            let base = self.transcript.end();
            self.transcript = Transcript {
                log,
                base,
                text: String::new(),
            };
        }
        if len - self.offset > KEEP_BYTES as u64 {
            // More than is kept came since the last read (or this is the first): only its tail
            // is read, and what a browser had goes (`reset`).
            self.offset = len - KEEP_BYTES as u64;
            self.held.clear();
            let log = self.transcript.log.take();
            let base = self.transcript.end() + 1;
            self.transcript = Transcript {
                log,
                base,
                text: String::new(),
            };
        }
        if len == self.offset || file.seek(SeekFrom::Start(self.offset)).is_err() {
            return false;
        }
        let mut bytes = std::mem::take(&mut self.held);
        let Ok(read) = file.take(len - self.offset).read_to_end(&mut bytes) else {
            return false;
        };
        self.offset += read as u64;
        let whole = whole_chars(&bytes);
        self.held = bytes.split_off(whole);
        if bytes.is_empty() {
            return false;
        }
        self.transcript.push(&String::from_utf8_lossy(&bytes));
        true
    }
}

/// The length of `bytes` without an incomplete UTF-8 character at its end.
fn whole_chars(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(4) {
        let b = bytes[len - back];
        if b & 0b1100_0000 != 0b1000_0000 {
            let need = match b {
                0xF0..=0xF7 => 4,
                0xE0..=0xEF => 3,
                0xC0..=0xDF => 2,
                _ => 1,
            };
            return if need > back { len - back } else { len };
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_growing_file_is_read_once_whole_characters_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.log");
        let place = |name: &str| Place::new(dir.path(), name);
        let path = &path;
        let mut file = std::fs::File::create(path).expect("create");
        let mut tail = Tail::default();
        assert!(tail.follow("t.log", &place("t.log")), "a new file");
        file.write_all("héllo ".as_bytes()).expect("write");
        let snow = "☃".as_bytes();
        file.write_all(&snow[..2]).expect("write");
        assert!(tail.follow("t.log", &place("t.log")));
        assert_eq!(tail.transcript.text, "héllo ");
        let seen = tail.transcript.end();
        file.write_all(&snow[2..]).expect("write");
        file.write_all(b" world").expect("write");
        assert!(tail.follow("t.log", &place("t.log")));
        assert!(!tail.follow("t.log", &place("t.log")), "nothing new");
        assert_eq!(tail.transcript.since(seen), Some("☃ world"));
        assert_eq!(tail.transcript.text, "héllo ☃ world");
        assert_eq!(tail.transcript.log.as_deref(), Some("t.log"));

        let other = dir.path().join("u.log");
        std::fs::write(&other, "next turn").expect("write");
        assert!(tail.follow("u.log", &place("u.log")));
        assert_eq!(tail.transcript.text, "next turn");
        assert_eq!(tail.transcript.base, 0);
        assert!(path.exists());
    }

    #[test]
    fn a_file_that_grew_past_the_kept_tail_is_read_from_its_tail_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let place = Place::new(dir.path(), "t.log");
        let path = dir.path().join("t.log");
        std::fs::write(&path, "start\n").expect("write");
        let mut tail = Tail::default();
        assert!(tail.follow("t.log", &place));
        let seen = tail.transcript.end();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        file.write_all(&vec![b'a'; 3 * KEEP_BYTES]).expect("write");
        file.write_all(b"end").expect("write");
        assert!(tail.follow("t.log", &place));
        assert_eq!(tail.transcript.text.len(), KEEP_BYTES);
        assert!(tail.transcript.text.ends_with("aend"));
        assert_eq!(
            tail.transcript.since(seen),
            None,
            "a browser gets the tail again"
        );
    }

    #[test]
    fn only_the_tail_is_kept() {
        let mut t = Transcript::default();
        t.push(&"a".repeat(KEEP_BYTES));
        t.push("ééé");
        assert_eq!(t.text.len(), KEEP_BYTES);
        assert!(t.text.ends_with("ééé"));
        assert_eq!(t.base, 6);
        assert_eq!(t.since(0), None, "no longer kept");
        assert_eq!(t.since(t.end()), Some(""));
        assert_eq!(whole_chars(&[b'a', 0xE2, 0x98]), 1);
        assert_eq!(whole_chars("☃".as_bytes()), 3);
        assert_eq!(
            whole_chars(&[0xFF]),
            1,
            "invalid bytes are passed on (lossily)"
        );
    }
}
