//! The running turn's transcript as the dashboard streams it: the tail of one growing log file,
//! read as it grows, kept as text (at most [`KEEP_BYTES`]), with positions that only move
//! forward so each browser gets exactly the text it has not seen.
//!
//! Positions count bytes of the decoded text since the file was first opened; they always fall
//! on character boundaries (a multi-byte character split across two reads is held back until
//! it is whole), so `text[from - base..]` is always valid.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use crate::fsutil::open_regular_read;

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
    path: Option<PathBuf>,
    offset: u64,
    held: Vec<u8>,
    /// What was read so far.
    pub(crate) transcript: Transcript,
}

impl Tail {
    /// Follows `log` (resolved to `path`) from now on: a new file starts from its last
    /// [`KEEP_BYTES`]; the same file goes on where it was. Returns whether the text changed.
    pub(crate) fn follow(&mut self, log: &str, path: &Path) -> bool {
        if self.path.as_deref() != Some(path) {
            *self = Tail {
                path: Some(path.to_path_buf()),
                transcript: Transcript {
                    log: Some(log.to_owned()),
                    ..Transcript::default()
                },
                ..Tail::default()
            };
            let len = std::fs::metadata(path).map_or(0, |m| m.len());
            self.offset = len.saturating_sub(KEEP_BYTES as u64);
            self.read_more();
            return true;
        }
        self.read_more()
    }

    /// Reads what the file gained; a file that shrank (rewritten) is read again from its start.
    fn read_more(&mut self) -> bool {
        let Some(path) = &self.path else {
            return false;
        };
        let Ok(mut file) = open_regular_read(path) else {
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
        let mut file = std::fs::File::create(&path).expect("create");
        let mut tail = Tail::default();
        assert!(tail.follow("t.log", &path), "a new file");
        file.write_all("héllo ".as_bytes()).expect("write");
        let snow = "☃".as_bytes();
        file.write_all(&snow[..2]).expect("write");
        assert!(tail.follow("t.log", &path));
        assert_eq!(tail.transcript.text, "héllo ");
        let seen = tail.transcript.end();
        file.write_all(&snow[2..]).expect("write");
        file.write_all(b" world").expect("write");
        assert!(tail.follow("t.log", &path));
        assert!(!tail.follow("t.log", &path), "nothing new");
        assert_eq!(tail.transcript.since(seen), Some("☃ world"));
        assert_eq!(tail.transcript.text, "héllo ☃ world");
        assert_eq!(tail.transcript.log.as_deref(), Some("t.log"));

        let other = dir.path().join("u.log");
        std::fs::write(&other, "next turn").expect("write");
        assert!(tail.follow("u.log", &other));
        assert_eq!(tail.transcript.text, "next turn");
        assert_eq!(tail.transcript.base, 0);
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
