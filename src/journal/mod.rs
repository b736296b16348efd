//! The turn journal: one JSON line per finished turn, in segments.
//!
//! The current segment is the configured file (`sync/journal.jsonl`); when it would grow past
//! [`SEGMENT_BYTES`], it is first renamed into the archive directory next to it
//! (`sync/journal/000001.jsonl`, `000002.jsonl`, …) and a new current segment begins. Each
//! stamp commit therefore hashes and stores at most one segment, whatever the history's
//! length, and a single-file journal of an earlier version becomes the first archive at its
//! next append (a rename: git stores no new blob). Readers go backwards from the current
//! segment through the archives.

mod append;
pub(crate) use append::line_of;
mod cache;
mod entry;
mod read;
mod seal;
pub(crate) mod show;
mod summary;
mod tail;

pub(crate) use cache::SummaryCache;
pub(crate) use entry::{Completion, JournalEntry, Landing, Outcome, TaskRun, Usage};
pub(crate) use read::{parse_segment, segment_lines};
pub(crate) use seal::{Seal, SealMark};
pub(crate) use summary::{Summary, Totals};

use std::io;
use std::path::PathBuf;

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JournalError {
    /// An io error on a journal segment (a full disk included: nothing of the line stays).
    #[error("journal `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
    /// A journal path that is not a regular file (a FIFO would block Baton forever).
    #[error("journal `{}` is not a regular file (it is a {kind})", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is (`FIFO`, `directory`, …).
        kind: &'static str,
    },
}

/// Size in bytes past which the current segment is archived before the next append
/// (about a hundred turns).
pub(crate) const SEGMENT_BYTES: u64 = 64 * 1024;

/// The number of an archived segment's file name (`000012.jsonl` → 12); `None` for any other
/// name.
#[must_use]
pub(crate) fn archive_number(name: &str) -> Option<u64> {
    name.strip_suffix(".jsonl")?.parse().ok()
}

/// The file name of archived segment `n` (`12` → `000012.jsonl`).
#[must_use]
pub(crate) fn archive_name(n: u64) -> String {
    format!("{n:06}.jsonl")
}

/// Whether appending `line` (bytes) to a current segment of `len` bytes archives the segment
/// first: it is not empty and the line would take it past [`SEGMENT_BYTES`].
#[must_use]
pub(crate) fn archives_before(len: u64, line: u64) -> bool {
    len > 0 && len + line > SEGMENT_BYTES
}

/// A line appended to a journal kept in a commit's tree (a pool landing writes it in its
/// merge, not through files), by the same rule as [`Journal::append`]: the current segment
/// afterwards, and the segment archived first, if any, as `(its number, its bytes)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TreeAppend {
    /// The current segment with the line appended (alone, after an archive).
    pub(crate) current: Vec<u8>,
    /// The old current segment, archived as number `.0` (`<archive dir>/<archive_name>`).
    pub(crate) archived: Option<(u64, Vec<u8>)>,
}

/// Appends `line` to `current`, archiving `current` first as the archive after `last` (the
/// highest archive number in the tree, `None` when there is none) when [`archives_before`].
#[must_use]
pub(crate) fn append_in_tree(current: Vec<u8>, line: &[u8], last: Option<u64>) -> TreeAppend {
    let (len, add) = (current.len() as u64, line.len() as u64);
    if archives_before(len, add) {
        return TreeAppend {
            current: line.to_vec(),
            archived: Some((last.map_or(1, |n| n + 1), current)),
        };
    }
    let mut current = current;
    current.extend_from_slice(line);
    TreeAppend {
        current,
        archived: None,
    }
}

/// The journal: its current segment's path and the archive directory beside it.
#[derive(Clone, Debug)]
pub(crate) struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal whose current segment is `path` (absolute).
    #[must_use]
    pub(crate) fn new(path: PathBuf) -> Self {
        Journal { path }
    }

    /// The current segment's path.
    #[must_use]
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The archive directory: the current segment's path without its extension
    /// (`sync/journal.jsonl` → `sync/journal/`).
    #[must_use]
    pub(crate) fn archive_dir(&self) -> PathBuf {
        self.path.with_extension("")
    }

    /// The archived segments, oldest first (`NNNNNN.jsonl` in [`Journal::archive_dir`]).
    ///
    /// # Errors
    /// [`JournalError::Io`] when the directory exists but cannot be read.
    pub(crate) fn archives(&self) -> Result<Vec<PathBuf>, JournalError> {
        let dir = self.archive_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(JournalError::Io { path: dir, source }),
        };
        let mut numbered: Vec<(u64, PathBuf)> = entries
            .flatten()
            .filter_map(|entry| Some((archive_number(entry.file_name().to_str()?)?, entry.path())))
            .collect();
        numbered.sort();
        Ok(numbered.into_iter().map(|(_, path)| path).collect())
    }

    /// The newest archived segment, if any: the only one a stamp may have just created.
    ///
    /// # Errors
    /// As [`Journal::archives`].
    pub(crate) fn newest_archive(&self) -> Result<Option<PathBuf>, JournalError> {
        Ok(self.archives()?.pop())
    }

    fn io_error(&self, source: io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests;
