//! Appending one line to the journal: all of it or nothing, into a bounded segment.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{FileExt as _, OpenOptionsExt as _};
use std::path::Path;

use super::{Journal, JournalEntry, JournalError, SEGMENT_BYTES};
use crate::fsutil;

/// Bytes read per backward step when looking for the start of a torn line.
const STEP: u64 = 4 * 1024;

impl Journal {
    /// Appends `entry` as one line (creating the segment and its directory), then
    /// `sync_data`. Before writing, a torn last line (a crash or a full disk mid-write) is
    /// repaired — ended with a newline when it is a whole JSON value, cut off otherwise — and
    /// the current segment is archived when the line would take it past [`SEGMENT_BYTES`]. A
    /// failed write (a full disk: a short write, then `ENOSPC`) is undone by truncating the
    /// segment back to its length before, so no partial line stays for the next line to be
    /// glued onto.
    ///
    /// # Errors
    /// [`JournalError::NotAFile`] when the segment is a FIFO, directory, …; [`JournalError::Io`].
    pub(crate) fn append(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(entry)
            .expect("invariant: a JournalEntry (plain fields) always serializes");
        line.push(b'\n');
        let (mut file, mut len) = self.open_repaired()?;
        if len > 0 && len + line.len() as u64 > SEGMENT_BYTES {
            drop(file);
            self.archive_current()?;
            (file, len) = self.open_repaired()?;
        }
        let written = file.write_all(&line).and_then(|()| file.sync_data());
        if let Err(source) = written {
            if let Err(undo) = file.set_len(len).and_then(|()| file.sync_data()) {
                tracing::warn!(error = %undo, "cannot cut the partial journal line");
            }
            return Err(self.io_error(source));
        }
        Ok(())
    }

    /// Opens the current segment for appending (creating it and its directory) and repairs a
    /// torn last line; returns the file and its length after the repair.
    fn open_repaired(&self) -> Result<(File, u64), JournalError> {
        self.require_regular(fs::metadata(&self.path))?;
        if let Some(parent) = self.path.parent() {
            fs::create_dir_all(parent).map_err(|source| self.io_error(source))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .custom_flags(nix::libc::O_NONBLOCK)
            .open(&self.path)
            .map_err(|source| self.io_error(source))?;
        self.require_regular(file.metadata())?;
        let len = repair_torn_tail(&file).map_err(|source| self.io_error(source))?;
        Ok((file, len))
    }

    /// [`JournalError::NotAFile`] when `meta` is not a regular file's; a missing file is fine.
    fn require_regular(&self, meta: io::Result<fs::Metadata>) -> Result<(), JournalError> {
        match meta {
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

    /// Renames the current segment to the next number in the archive directory and makes both
    /// directory entries durable. A crash between this and the append leaves no current
    /// segment: readers then start from the newest archive, and the stamp's replay appends.
    fn archive_current(&self) -> Result<(), JournalError> {
        let dir = self.archive_dir();
        let io_err = |source| JournalError::Io {
            path: dir.clone(),
            source,
        };
        fs::create_dir_all(&dir).map_err(io_err)?;
        let next = self
            .archives()?
            .last()
            .and_then(|p| archive_number(p))
            .map_or(1, |n| n + 1);
        let target = dir.join(format!("{next:06}.jsonl"));
        fs::rename(&self.path, &target).map_err(|source| self.io_error(source))?;
        sync_dir(&dir).map_err(io_err)?;
        if let Some(parent) = self.path.parent() {
            sync_dir(parent).map_err(|source| self.io_error(source))?;
        }
        tracing::debug!(archive = %target.display(), "journal segment archived");
        Ok(())
    }
}

/// The number of an archived segment (`000012.jsonl` → 12).
pub(super) fn archive_number(path: &Path) -> Option<u64> {
    path.file_name()?
        .to_str()?
        .strip_suffix(".jsonl")?
        .parse()
        .ok()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
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
