//! Exclusive advisory locks on files (the runner lock, the command lock): the holder's
//! `pid <pid> on <host>` is written into the file, so a refusal can name it.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::parent_dir;

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LockError {
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

impl LockError {
    /// The holder's pid, when the lock file names one (`pid <pid> on <host>`).
    #[must_use]
    pub(crate) fn holder_pid(&self) -> Option<i32> {
        match self {
            LockError::Busy { holder, .. } => holder
                .strip_prefix("pid ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok(),
            LockError::Io { .. } => None,
        }
    }
}

/// An exclusive advisory lock (`File::try_lock`), held until dropped. The file is never deleted;
/// the holder's `pid <pid> on <host>` is written into it after locking.
///
/// The lock belongs to the open file description (flock semantics): a second
/// [`LockFile::try_acquire`] of the same path is refused even within the same process.
#[must_use = "the lock is released when dropped"]
#[derive(Debug)]
pub(crate) struct LockFile {
    _file: File,
}

impl LockFile {
    /// Takes the lock at `path` without waiting, creating the file and its parent directory.
    ///
    /// # Errors
    /// [`LockError::Busy`] naming the holder, or [`LockError::Io`].
    pub(crate) fn try_acquire(path: &Path) -> Result<LockFile, LockError> {
        let io_err = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        fs::create_dir_all(parent_dir(path)).map_err(io_err)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    path: path.to_path_buf(),
                    holder: read_holder(path),
                });
            }
            Err(TryLockError::Error(source)) => return Err(io_err(source)),
        }
        write_holder(&mut file).map_err(io_err)?;
        Ok(LockFile { _file: file })
    }
}

/// What the current holder wrote into the lock file, or `unknown holder`.
fn read_holder(path: &Path) -> String {
    fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown holder".to_owned())
}

/// The pid a lock file at `path` names when its holder ran on this machine (what
/// [`LockFile::try_acquire`] wrote: `pid <pid> on <host>`); the file outlives its holder, so the
/// process may be gone, or the pid reused: ask whether it holds the file open.
pub(crate) fn holder_pid(path: &Path) -> Option<i32> {
    let text = String::from_utf8(super::read_regular(path).ok()?).ok()?;
    let (pid, host) = text.trim().strip_prefix("pid ")?.split_once(" on ")?;
    (host == crate::process::hostname()).then(|| pid.parse().ok())?
}

/// Replaces the lock file's contents with `pid <pid> on <host>`.
fn write_holder(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    let holder = format!(
        "pid {} on {}\n",
        std::process::id(),
        crate::process::hostname()
    );
    file.write_all(holder.as_bytes())?;
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls `attempt` until it succeeds, for up to ~5 s. A concurrently running test may fork
    /// a child (for `flock`) that briefly shares our descriptors until it execs; the lock of a
    /// dropped file is only released once that copy is gone too.
    fn eventually<T, E: std::fmt::Debug>(mut attempt: impl FnMut() -> Result<T, E>) -> T {
        for _ in 0..500 {
            if let Ok(value) = attempt() {
                return value;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        attempt().expect("still failing after retries")
    }

    #[test]
    fn second_acquire_is_busy_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sync/.baton.lock");
        let first = LockFile::try_acquire(&path).expect("first acquire");
        let expected = format!(
            "pid {} on {}",
            std::process::id(),
            crate::process::hostname()
        );
        match LockFile::try_acquire(&path) {
            Err(LockError::Busy { holder, .. }) => assert_eq!(holder, expected),
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(first);
        let again = eventually(|| LockFile::try_acquire(&path));
        drop(again);
        assert!(path.exists(), "the lock file is never deleted");
    }

    #[test]
    fn lock_held_by_another_thread_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lock");
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder_path = path.clone();
        let holder = std::thread::spawn(move || {
            let lock = LockFile::try_acquire(&holder_path).expect("thread acquire");
            held_tx.send(()).expect("send");
            let _ = release_rx.recv();
            drop(lock);
        });
        held_rx.recv().expect("holder took the lock");
        let file = File::open(&path).expect("open");
        assert!(matches!(file.try_lock(), Err(TryLockError::WouldBlock)));
        assert!(matches!(
            LockFile::try_acquire(&path),
            Err(LockError::Busy { .. })
        ));
        release_tx.send(()).expect("release");
        holder.join().expect("join");
        eventually(|| file.try_lock());
    }

    #[test]
    fn lock_is_seen_by_another_process() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lock");
        let lock = LockFile::try_acquire(&path).expect("acquire");
        let probe = || {
            std::process::Command::new("flock")
                .arg("-n")
                .arg(&path)
                .arg("true")
                .status()
        };
        let Ok(busy) = probe() else {
            eprintln!("flock(1) not installed; cross-process check skipped");
            return;
        };
        assert!(!busy.success(), "flock -n must fail while we hold the lock");
        drop(lock);
        eventually(|| match probe() {
            Ok(status) if status.success() => Ok(()),
            other => Err(other),
        });
    }

    #[test]
    fn busy_with_empty_file_reports_unknown_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lock");
        let file = File::create(&path).expect("create");
        file.try_lock().expect("raw lock");
        match LockFile::try_acquire(&path) {
            Err(LockError::Busy { holder, .. }) => assert_eq!(holder, "unknown holder"),
            other => panic!("expected Busy, got {other:?}"),
        }
    }
}
