//! File-system helpers: atomic writes and the runner lock.
//!
//! An atomic write's temp file is named `.baton-tmp-<pid>-XXXXXX` ([`TEMP_PREFIX`]), in the
//! target's directory, so that one left by a killed Baton is recognisably Baton's and is removed
//! at the next start (`crate::leftovers`).

use std::fs::{self, File, OpenOptions, Permissions, TryLockError};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The name prefix of an atomic write's temp file; the writer's pid and six random characters
/// follow (`.baton-tmp-4242-a1B2c3`).
pub(crate) const TEMP_PREFIX: &str = ".baton-tmp-";

/// What `meta` describes when it is not a regular file (`"FIFO"`, `"directory"`, `"socket"`,
/// `"character device"`, `"block device"`, `"special file"`); `None` for a regular file.
/// Opening a FIFO would block a reader or writer forever, so files Baton owns are checked.
pub(crate) fn special_kind(meta: &fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt as _;
    let kind = meta.file_type();
    Some(if kind.is_file() {
        return None;
    } else if kind.is_fifo() {
        "FIFO"
    } else if kind.is_dir() {
        "directory"
    } else if kind.is_socket() {
        "socket"
    } else if kind.is_char_device() {
        "character device"
    } else if kind.is_block_device() {
        "block device"
    } else {
        "special file"
    })
}

/// Opens `path` with `options`, only when it is a regular file, and never blocking on a FIFO
/// (`O_NONBLOCK`, which changes nothing for a regular file): an agent can leave anything in the
/// files Baton reads or appends to (the journal, the event log, a turn log), and opening a
/// FIFO waits until its other end is opened — a wedged run or reader.
///
/// # Errors
/// The open's error (`NotFound` for a missing file); `InvalidInput` saying what it is
/// (`not a regular file (it is a FIFO)`) for anything else.
pub(crate) fn open_regular(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let refuse = |kind| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file (it is a {kind})"),
        )
    };
    // Checked first as well: a FIFO opened for writing with no reader fails with a vaguer
    // error (ENXIO).
    if let Some(kind) = fs::metadata(path).ok().as_ref().and_then(special_kind) {
        return Err(refuse(kind));
    }
    let file = options.custom_flags(nix::libc::O_NONBLOCK).open(path)?;
    match special_kind(&file.metadata()?) {
        Some(kind) => Err(refuse(kind)),
        None => Ok(file),
    }
}

/// [`open_regular`] for reading.
///
/// # Errors
/// As [`open_regular`].
pub(crate) fn open_regular_read(path: &Path) -> io::Result<File> {
    open_regular(path, OpenOptions::new().read(true))
}

/// The bytes of `path`, read only when it is a regular file (see [`open_regular`]).
///
/// # Errors
/// As [`open_regular`], and read errors.
pub(crate) fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut open_regular_read(path)?, &mut bytes)?;
    Ok(bytes)
}

/// Writes `bytes` to `path` atomically: temp file `.baton-tmp-<pid>-XXXXXX` in the same
/// directory, `sync_data`, rename, mode 0o644 (not tempfile's 0o600). Creates the parent
/// directory when missing. The directory is fsynced afterwards, best effort.
///
/// # Errors
/// The io error; callers add the path as context.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let parent = parent_dir(path);
    fs::create_dir_all(parent)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .tempfile_in(parent)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_data()?;
    tmp.as_file()
        .set_permissions(Permissions::from_mode(0o644))?;
    tmp.persist(path).map_err(|err| err.error)?;
    if let Ok(dir) = File::open(parent) {
        // Best effort: makes the rename durable; some file systems refuse to fsync a directory.
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

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
    use std::os::unix::fs::MetadataExt;

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
    fn write_atomic_creates_parents_replaces_content_and_sets_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b/state.json");
        write_atomic(&path, b"one\n").expect("first write");
        write_atomic(&path, b"two\n").expect("second write");
        assert_eq!(fs::read(&path).expect("read"), b"two\n");
        let mode = fs::metadata(&path).expect("metadata").mode() & 0o777;
        assert_eq!(mode, 0o644);
        let names: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("read_dir")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["state.json"], "no temp file is left behind");
    }

    /// The temp file is seen through inotify, which queues its creation even though the file
    /// is renamed away before the write returns.
    #[test]
    fn write_atomic_names_its_temp_file_as_batons() {
        use notify::{EventKind, RecursiveMode, Watcher as _};
        let dir = tempfile::tempdir().expect("tempdir");
        let (tx, rx) = std::sync::mpsc::channel();
        let mut watcher = notify::recommended_watcher(tx).expect("watcher");
        watcher
            .watch(dir.path(), RecursiveMode::NonRecursive)
            .expect("watch");
        write_atomic(&dir.path().join("state.json"), b"{}\n").expect("write");
        let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let created = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let event = rx
                .recv_timeout(left)
                .expect("an event")
                .expect("no watch error");
            if matches!(event.kind, EventKind::Create(_)) {
                break event.paths;
            }
        };
        let name = created[0]
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with(&prefix), "{name}");
        assert_eq!(name.len(), prefix.len() + 6, "{name}");
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
