//! Appending one line to the journal: all of it or nothing, into a bounded segment.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use super::{Journal, JournalEntry, JournalError};
use crate::fsutil::{self, Access, Replaced};

/// Bytes read per backward step when looking for the start of a torn line.
const STEP: u64 = 4 * 1024;

impl Journal {
    /// Appends `entry` as one line (creating the segment and its directory), then
    /// `sync_data`. Before writing, a torn last line (a crash or a full disk mid-write) is
    /// repaired — ended with a newline when it is a whole JSON value, cut off otherwise — and
    /// the current segment is archived when the line would take it past [`SEGMENT_BYTES`](super::SEGMENT_BYTES). A
    /// failed write (a full disk: a short write, then `ENOSPC`) is undone by truncating the
    /// segment back to its length before, so no partial line stays for the next line to be
    /// glued onto. Neither the segment nor the archive directory is written through a symlink:
    /// one found there is replaced, and returned for the caller to warn about.
    ///
    /// # Errors
    /// [`JournalError::NotAFile`] when the segment is a FIFO, directory, …; [`JournalError::Io`].
    pub(crate) fn append(&self, entry: &JournalEntry) -> Result<Vec<Replaced>, JournalError> {
        let line = line_of(entry);
        let mut replaced = Vec::new();
        let (mut file, mut len) = self.open_repaired(&mut replaced)?;
        if super::archives_before(len, line.len() as u64) {
            drop(file);
            self.archive_current(&mut replaced)?;
            (file, len) = self.open_repaired(&mut replaced)?;
        }
        let written = file.write_all(&line).and_then(|()| file.sync_data());
        if let Err(source) = written {
            if let Err(undo) = file.set_len(len).and_then(|()| file.sync_data()) {
                tracing::warn!(error = %undo, "cannot cut the partial journal line");
            }
            return Err(self.io_error(source));
        }
        Ok(replaced)
    }

    /// Opens the current segment for appending (creating it and its directory; a symlink there
    /// is replaced, into `replaced`) and repairs a torn last line; returns the file and its
    /// length after the repair.
    fn open_repaired(&self, replaced: &mut Vec<Replaced>) -> Result<(File, u64), JournalError> {
        self.require_regular(fs::symlink_metadata(&self.path))?;
        let owned = fsutil::open_owned(&self.path, Access::ReadAppend)
            .map_err(|source| self.io_error(source))?;
        replaced.extend(owned.replaced);
        let file = owned.file;
        let len = repair_torn_tail(&file).map_err(|source| self.io_error(source))?;
        Ok((file, len))
    }

    /// [`JournalError::NotAFile`] when `meta` is neither a regular file's nor a symlink's (a
    /// symlink is replaced when the file is opened); a missing file is fine.
    fn require_regular(&self, meta: io::Result<fs::Metadata>) -> Result<(), JournalError> {
        match meta {
            Ok(meta) if meta.file_type().is_symlink() => Ok(()),
            Ok(meta) => match fsutil::special_kind(&meta) {
                None => Ok(()),
                Some(kind) => Err(JournalError::NotAFile {
                    path: self.path.clone(),
                    kind,
                }),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(self.io_error(source)),
        }
    }

    /// Renames the current segment to the next number in the archive directory (a real
    /// directory: a symlink there is replaced, into `replaced`) and makes both directory
    /// entries durable. A crash between this and the append leaves no current segment: readers
    /// then start from the newest archive, and the stamp's replay appends.
    fn archive_current(&self, replaced: &mut Vec<Replaced>) -> Result<(), JournalError> {
        let dir = self.archive_dir();
        let io_err = |source| JournalError::Io {
            path: dir.clone(),
            source,
        };
        let (base, name) = self.split_path();
        let archive =
            fsutil::dir_beneath(base, Path::new(archive_dir_name(name))).map_err(io_err)?;
        replaced.extend(archive.replaced.iter().cloned());
        let next = self
            .archives()?
            .last()
            .and_then(|p| archive_number(p))
            .map_or(1, |n| n + 1);
        let target = super::archive_name(next);
        let parent = fsutil::dir_beneath(base, Path::new("")).map_err(io_err)?;
        parent
            .rename_to(name, &archive, target.as_ref())
            .map_err(|source| self.io_error(source))?;
        archive.sync().map_err(io_err)?;
        parent.sync().map_err(|source| self.io_error(source))?;
        tracing::debug!(archive = %dir.join(target).display(), "journal segment archived");
        Ok(())
    }

    /// The current segment's directory and file name.
    pub(super) fn split_path(&self) -> (&Path, &std::ffi::OsStr) {
        let base = self.path.parent().filter(|p| !p.as_os_str().is_empty());
        (
            base.unwrap_or(Path::new(".")),
            self.path.file_name().unwrap_or(self.path.as_os_str()),
        )
    }
}

/// The archive directory's name beside the current segment (`journal.jsonl` → `journal`).
pub(super) fn archive_dir_name(segment: &std::ffi::OsStr) -> &std::ffi::OsStr {
    Path::new(segment).file_stem().unwrap_or(segment)
}

/// The number of an archived segment (`000012.jsonl` → 12).
pub(super) fn archive_number(path: &Path) -> Option<u64> {
    path.file_name()?
        .to_str()?
        .strip_suffix(".jsonl")?
        .parse()
        .ok()
}

/// Ends a torn last line of `file`: a newline is added when the torn part is a whole JSON value
/// (a line written without its newline), otherwise the torn part is cut off (it can never
/// parse; the turn it belonged to is appended again from the turn record). Returns the length
/// after the repair.
fn repair_torn_tail(file: &File) -> io::Result<u64> {
    let len = file.metadata()?.len();
    let mut last = [0u8; 1];
    if len == 0 {
        return Ok(0);
    }
    file.read_exact_at(&mut last, len - 1)?;
    if last[0] == b'\n' {
        return Ok(len);
    }
    let start = line_start(file, len)?;
    let mut torn = vec![0; usize::try_from(len - start).unwrap_or(usize::MAX)];
    file.read_exact_at(&mut torn, start)?;
    if serde_json::from_slice::<serde_json::Value>(&torn).is_ok() {
        (&*file).write_all(b"\n")?;
        file.sync_data()?;
        return Ok(len + 1);
    }
    tracing::warn!(bytes = len - start, "cut a torn journal line");
    file.set_len(start)?;
    file.sync_data()?;
    Ok(start)
}

/// The offset just after the last newline before `end` (0 when there is none).
fn line_start(file: &File, end: u64) -> io::Result<u64> {
    let mut pos = end;
    while pos > 0 {
        let step = STEP.min(pos);
        pos -= step;
        let mut chunk = vec![0; usize::try_from(step).unwrap_or(0)];
        file.read_exact_at(&mut chunk, pos)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(pos + i as u64 + 1);
        }
    }
    Ok(0)
}

/// `entry` as one journal line: compact JSON and a newline (the format every segment holds).
#[must_use]
pub(crate) fn line_of(entry: &JournalEntry) -> Vec<u8> {
    let mut line = serde_json::to_vec(entry)
        .expect("invariant: a JournalEntry (plain fields) always serializes");
    line.push(b'\n');
    line
}
