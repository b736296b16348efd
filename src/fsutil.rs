//! File-system helpers: atomic writes and the runner lock.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: temp file in the same directory, `sync_data`, rename,
/// mode 0o644 (not tempfile's 0o600). Creates the parent directory when missing.
///
/// # Errors
/// The io error; callers add the path as context.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let _ = (path, bytes);
    todo!("state helper")
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("another baton holds the lock `{}` ({holder})", path.display())]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// What the holder wrote: `pid <pid> on <host>`, or `unknown holder`.
        holder: String,
    },
    /// The lock file could not be opened.
    #[error("open lock file `{}`", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: io::Error,
    },
}

/// An exclusive advisory lock (`File::try_lock`), held until dropped. The file is never deleted;
/// the holder's `pid <pid> on <host>` is written into it after locking.
#[must_use = "the lock is released when dropped"]
#[derive(Debug)]
pub struct LockFile {
    _file: File,
    path: PathBuf,
}

impl LockFile {
    /// Takes the lock at `path` without waiting.
    ///
    /// # Errors
    /// [`LockError::Busy`] naming the holder, or [`LockError::Io`].
    pub fn try_acquire(path: &Path) -> Result<LockFile, LockError> {
        let _ = path;
        todo!("state helper")
    }

    /// The lock file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}
