//! Reading the whole journal, oldest first, across its segments, one line at a time.

use std::io::{self, BufRead as _, BufReader};
use std::path::Path;

use crate::fsutil::open_regular_read;

use super::{Journal, JournalEntry, JournalError};

impl Journal {
    /// Calls `each` with every entry, oldest first (archives in order, then the current
    /// segment); lines that do not parse are skipped. Memory stays at one line.
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub(crate) fn for_each(&self, mut each: impl FnMut(JournalEntry)) -> Result<(), JournalError> {
        for segment in self.archives()?.iter().chain([&self.path]) {
            read_segment(segment, &mut each)?;
        }
        Ok(())
    }

    /// Calls `each` with every line that parses, oldest first, as [`Journal::for_each`] does,
    /// with the line's bytes (without its newline) beside its entry: what tells a line from
    /// another one with the same fields (see `crate::travel`).
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub(crate) fn for_each_line(
        &self,
        mut each: impl FnMut(&[u8], JournalEntry),
    ) -> Result<(), JournalError> {
        for segment in self.archives()?.iter().chain([&self.path]) {
            read_lines(segment, &mut each)?;
        }
        Ok(())
    }

    /// Calls `each` with every entry of this journal's current segment only (for a journal
    /// made on an archived segment's path: that segment).
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub(crate) fn for_each_in_segment(
        &self,
        mut each: impl FnMut(JournalEntry),
    ) -> Result<(), JournalError> {
        read_segment(&self.path, &mut each)
    }
}

/// The entries of one segment's bytes (as read from a commit), oldest first; lines that do not
/// parse are skipped.
#[must_use]
pub(crate) fn parse_segment(bytes: &[u8]) -> Vec<JournalEntry> {
    segment_lines(bytes).map(|(_, entry)| entry).collect()
}

/// The lines of one segment's bytes that parse, oldest first, each as its bytes (without the
/// newline) and its entry.
pub(crate) fn segment_lines(bytes: &[u8]) -> impl Iterator<Item = (&[u8], JournalEntry)> {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| Some((line, serde_json::from_slice(line).ok()?)))
}

/// Calls `each` with every entry of the segment at `path` (none when it is missing); lines that
/// do not parse are skipped.
pub(super) fn read_segment(
    path: &Path,
    each: &mut impl FnMut(JournalEntry),
) -> Result<(), JournalError> {
    read_lines(path, &mut |_, entry| each(entry))
}

/// Calls `each` with the bytes (without the newline) and the entry of every line of the
/// segment at `path` that parses (none when it is missing).
fn read_lines(path: &Path, each: &mut impl FnMut(&[u8], JournalEntry)) -> Result<(), JournalError> {
    let io_err = |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = match open_regular_read(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(io_err(source)),
    };
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(io_err)? == 0 {
            return Ok(());
        }
        let bytes = line.strip_suffix(b"\n").unwrap_or(&line);
        if let Ok(entry) = serde_json::from_slice(bytes) {
            each(bytes, entry);
        }
    }
}
