//! What Baton wrote to the journal, captured before an agent runs, and putting it back.
//!
//! Budgets and `stats` count from the journal, so an agent that truncates it, rewrites a line or
//! deletes an archived segment would reset them (the count restarts). Baton owns the journal as
//! it owns the state: before an agent starts, the turn takes a [`Seal`] — the current segment's
//! bytes (one segment: about [`super::SEGMENT_BYTES`]) and each archived segment's identity
//! (inode, size and change time: any write, truncation, rename or replacement changes one of
//! them, and no program can set a change time back) — and at the stamp, before its line is
//! appended, [`Journal::restore`] puts back whatever differs: the current segment from the seal,
//! an archived segment from a copy the caller names (its blob at the claim's commit). An
//! archived segment that appeared meanwhile is removed.
//!
//! A turn record keeps the seal's [`SealMark`] (identities and lengths, not the bytes), so that
//! a start after a crash can tell what changed and restore it from the claim's commit.

use std::io;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::append::archive_dir_name;
use super::{Journal, JournalError};
use crate::fsutil;

/// The identity of one journal file: what changes whenever its content or its directory entry
/// does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileMark {
    /// Size in bytes.
    pub(crate) len: u64,
    /// Inode number.
    pub(crate) ino: u64,
    /// Change time: seconds and nanoseconds.
    pub(crate) ctime: (i64, i64),
}

/// An archived segment's name (`000003.jsonl`) and identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ArchiveMark {
    /// The file name in the archive directory.
    pub(crate) name: String,
    /// Its identity when sealed.
    pub(crate) mark: FileMark,
}

/// What a turn record keeps of a [`Seal`]: the identities, not the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SealMark {
    /// The current segment's identity; `None` when there was none.
    pub(crate) current: Option<FileMark>,
    /// The archived segments, oldest first.
    pub(crate) archives: Vec<ArchiveMark>,
}

/// The journal as Baton left it before an agent ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seal {
    /// The identities.
    pub(crate) mark: SealMark,
    /// The current segment's bytes; `None` when there was none.
    current: Option<Vec<u8>>,
}

/// Where [`Journal::restore`] gets the bytes of a segment the seal has no copy of: called with
/// its path relative to the journal's directory (`journal/000003.jsonl`).
pub(crate) type Copies<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

impl Journal {
    /// Seals the journal as it is now.
    ///
    /// # Errors
    /// [`JournalError::NotAFile`] for a current segment that is a FIFO, directory, …;
    /// [`JournalError::Io`].
    pub(crate) fn seal(&self) -> Result<Seal, JournalError> {
        let current = match fsutil::read_regular(&self.path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                let meta = std::fs::metadata(&self.path).map_err(|s| self.io_error(s))?;
                return Err(JournalError::NotAFile {
                    path: self.path.clone(),
                    kind: fsutil::special_kind(&meta).unwrap_or("special file"),
                });
            }
            Err(source) => return Err(self.io_error(source)),
        };
        let current_mark = match current {
            Some(_) => file_mark(&self.path).map_err(|source| self.io_error(source))?,
            None => None,
        };
        let mut archives = Vec::new();
        for path in self.archives()? {
            let name = file_name(&path);
            if let Some(mark) = file_mark(&path).map_err(|source| self.io_error(source))? {
                archives.push(ArchiveMark { name, mark });
            }
        }
        Ok(Seal {
            mark: SealMark {
                current: current_mark,
                archives,
            },
            current,
        })
    }

    /// Puts the journal back as `seal` found it, with `copies` for archived segments, and
    /// returns what was put back (`journal.jsonl shortened`, `journal/000002.jsonl deleted`,
    /// …; empty when nothing changed). See the module docs.
    ///
    /// # Errors
    /// [`JournalError::Io`] when a file cannot be written or removed.
    pub(crate) fn restore(
        &self,
        seal: &Seal,
        copies: Copies<'_>,
    ) -> Result<Vec<String>, JournalError> {
        let mut restored = Vec::new();
        let (_, name) = self.split_path();
        let name = name.to_string_lossy().into_owned();
        if let Some(change) = self.current_change(seal) {
            match &seal.current {
                Some(bytes) => fsutil::write_atomic(&self.path, bytes),
                None => remove(&self.path),
            }
            .map_err(|source| self.io_error(source))?;
            restored.push(format!("{name} {change}"));
        }
        self.restore_archives(&seal.mark, copies, &mut restored)?;
        Ok(restored)
    }

    /// Puts back what changed since `mark` was taken, after a crash: the current segment and
    /// archived segments from `copies` (called with `journal.jsonl` for the current one), each
    /// only when the copy has the sealed length. Returns what was put back, and what changed
    /// but could not be (`… (no copy)`).
    ///
    /// # Errors
    /// As [`Journal::restore`].
    pub(crate) fn restore_mark(
        &self,
        mark: &SealMark,
        copies: Copies<'_>,
    ) -> Result<Vec<String>, JournalError> {
        let mut restored = Vec::new();
        let (_, name) = self.split_path();
        let name = name.to_string_lossy().into_owned();
        let now = file_mark(&self.path).map_err(|source| self.io_error(source))?;
        if now != mark.current {
            let change = describe(mark.current.as_ref(), now.as_ref(), &self.path);
            match &mark.current {
                Some(sealed) => match copies(&name).filter(|b| b.len() as u64 == sealed.len) {
                    Some(bytes) => {
                        fsutil::write_atomic(&self.path, &bytes)
                            .map_err(|source| self.io_error(source))?;
                        restored.push(format!("{name} {change}"));
                    }
                    None => restored.push(format!("{name} {change} (no copy)")),
                },
                None => {
                    remove(&self.path).map_err(|source| self.io_error(source))?;
                    restored.push(format!("{name} {change}"));
                }
            }
        }
        self.restore_archives(mark, copies, &mut restored)?;
        Ok(restored)
    }

    /// How the current segment differs from `seal`, if it does.
    fn current_change(&self, seal: &Seal) -> Option<&'static str> {
        // Its identity unchanged, nothing wrote to it: no need to read it.
        if seal.mark.current.is_some() && file_mark(&self.path).ok().flatten() == seal.mark.current
        {
            return None;
        }
        if fsutil::is_symlink(&self.path) {
            return Some("replaced by a symlink");
        }
        let now = match fsutil::read_regular(&self.path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(_) => return Some(special(&self.path)),
        };
        match (&seal.current, &now) {
            (a, b) if a == b => None,
            (Some(_), None) => Some("deleted"),
            (None, Some(_)) => Some("made"),
            (Some(sealed), Some(now)) if sealed.starts_with(now) => Some("shortened"),
            (Some(sealed), Some(now)) if now.starts_with(sealed) => Some("lengthened"),
            _ => Some("rewritten"),
        }
    }

    /// Puts back the archived segments of `mark` that changed (from `copies`) and removes
    /// those that appeared; the archive directory is made real first when it became a symlink.
    fn restore_archives(
        &self,
        mark: &SealMark,
        copies: Copies<'_>,
        restored: &mut Vec<String>,
    ) -> Result<(), JournalError> {
        let dir = self.archive_dir();
        let io_err = |source| JournalError::Io {
            path: dir.clone(),
            source,
        };
        let (base, name) = self.split_path();
        let dir_name = archive_dir_name(name).to_string_lossy().into_owned();
        let linked = fsutil::is_symlink(&dir);
        let present: Vec<String> = if linked {
            Vec::new()
        } else {
            self.archives()?.iter().map(|p| file_name(p)).collect()
        };
        let changed: Vec<&ArchiveMark> = mark
            .archives
            .iter()
            .filter(|a| {
                linked || file_mark(&dir.join(&a.name)).ok().flatten().as_ref() != Some(&a.mark)
            })
            .collect();
        let extra: Vec<&String> = present
            .iter()
            .filter(|n| !mark.archives.iter().any(|a| &a.name == *n))
            .collect();
        if changed.is_empty() && extra.is_empty() && !linked {
            return Ok(());
        }
        let archive = fsutil::dir_beneath(base, Path::new(&dir_name)).map_err(io_err)?;
        if linked {
            restored.push(format!("{dir_name}/ replaced by a symlink"));
        }
        for name in extra {
            archive.remove(name.as_ref()).map_err(io_err)?;
            restored.push(format!("{dir_name}/{name} made"));
        }
        for sealed in changed {
            let path = dir.join(&sealed.name);
            let now = file_mark(&path).ok().flatten();
            let change = describe(Some(&sealed.mark), now.as_ref(), &path);
            let rel = format!("{dir_name}/{}", sealed.name);
            match copies(&rel).filter(|b| b.len() as u64 == sealed.mark.len) {
                Some(bytes) => {
                    fsutil::write_atomic(&path, &bytes).map_err(io_err)?;
                    restored.push(format!("{rel} {change}"));
                }
                None => restored.push(format!("{rel} {change} (no copy)")),
            }
        }
        archive.sync().map_err(io_err)?;
        Ok(())
    }
}

/// How a file with identity `sealed` became `now`.
fn describe(sealed: Option<&FileMark>, now: Option<&FileMark>, path: &Path) -> &'static str {
    match (sealed, now) {
        (Some(_), None) if fsutil::is_symlink(path) => "replaced by a symlink",
        (Some(_), None) if path.exists() => special(path),
        (Some(_), None) => "deleted",
        (None, _) => "made",
        (Some(a), Some(b)) if b.len < a.len => "shortened",
        (Some(a), Some(b)) if b.len > a.len => "lengthened",
        _ => "rewritten",
    }
}

/// The identity of the regular file at `path` (not followed); `None` when missing, a symlink
/// or anything but a regular file.
fn file_mark(path: &Path) -> io::Result<Option<FileMark>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_file() => Ok(Some(FileMark {
            len: meta.len(),
            ino: meta.ino(),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `made a FIFO`-style words for what stands at `path` when it is not a regular file.
fn special(path: &Path) -> &'static str {
    match std::fs::symlink_metadata(path)
        .ok()
        .as_ref()
        .and_then(fsutil::special_kind)
    {
        Some("FIFO") => "replaced by a FIFO",
        Some("directory") => "replaced by a directory",
        Some("socket") => "replaced by a socket",
        Some(_) => "replaced by a device",
        None => "rewritten",
    }
}

/// Removes `path` (a file or a symlink, never followed); a missing one is fine.
fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
