//! File-system helpers: atomic writes, opening only regular files, writing Baton's own files
//! without following symlinks ([`owned`], [`tree`]), and locks ([`lock`]).
//!
//! An atomic write's temp file is named `.baton-tmp-<pid>-XXXXXX` ([`TEMP_PREFIX`]), in the
//! target's directory, so that one left by a killed Baton is recognisably Baton's and is removed
//! at the next start (`crate::leftovers`).

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

mod lock;
mod owned;
mod tree;

pub(crate) use lock::{LockError, LockFile, holder_pid};
pub(crate) use owned::{Access, Replaced, dir_beneath, is_symlink, open_owned};
pub(crate) use tree::{dir_in_tree, open_in_tree, write_atomic_in_tree};

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

/// How much of an atomic write survives a power loss (a crash of Baton alone never tears one:
/// the rename is atomic and the page cache survives the process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Durability {
    /// On disk when the call returns: the data is synced before the rename, the directory after
    /// it (two syncs).
    Durable,
    /// Never torn (the data is synced before the rename, one sync), but the rename itself may be
    /// lost with the power, leaving the previous version: for a file whose previous version is
    /// as good a start, and that a durable write made next covers.
    Untorn,
    /// Not synced at all: for a file that only matters during this boot.
    Volatile,
}

/// Writes `bytes` to `path` atomically and durably: temp file `.baton-tmp-<pid>-XXXXXX` in the
/// same directory, `sync_data`, rename, mode 0o644 (not tempfile's 0o600). Creates the parent
/// directory when missing. The directory is fsynced afterwards, best effort.
///
/// # Errors
/// The io error; callers add the path as context.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_as(path, bytes, Durability::Durable)
}

/// [`write_atomic`] with the syncs of `durability` only.
///
/// # Errors
/// The io error; callers add the path as context.
pub(crate) fn write_atomic_as(path: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    let parent = parent_dir(path);
    fs::create_dir_all(parent)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .tempfile_in(parent)?;
    tmp.write_all(bytes)?;
    if durability != Durability::Volatile {
        tmp.as_file().sync_data()?;
    }
    tmp.as_file()
        .set_permissions(Permissions::from_mode(0o644))?;
    tmp.persist(path).map_err(|err| err.error)?;
    if durability == Durability::Durable
        && let Ok(dir) = File::open(parent)
    {
        // Best effort: makes the rename durable; some file systems refuse to fsync a directory.
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

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
}
