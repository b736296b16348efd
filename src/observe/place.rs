//! Where a followed file is, and how it may be opened: only beneath `logs_dir`, with no symlink
//! followed on the way. An agent can write any line to the event log and plant symlinks in the
//! workspace (the event log itself, a turn log), so neither a forged transcript name nor a
//! planted link may make `baton serve` or `baton watch` read, and show, any other file Baton
//! can read.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

use nix::fcntl::{OFlag, openat};
use nix::sys::stat::Mode;

use crate::fsutil::special_kind;

/// A file to follow: `rel` beneath the directory `dir` (canonicalised when opened), no symlink
/// followed on the way from `dir` down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    /// The directory (`logs_dir`).
    dir: PathBuf,
    /// The path below it: plain names only (no `..`, no root).
    rel: PathBuf,
}

impl Place {
    /// The file `name` (a plain name, such as `events.jsonl`) in `dir`.
    pub(crate) fn new(dir: &Path, name: &str) -> Place {
        Place {
            dir: dir.to_path_buf(),
            rel: PathBuf::from(name),
        }
    }

    /// `path` (absolute, or relative to `root`) as a place beneath `dir`; `None` when it lies
    /// elsewhere, or climbs out with `..`. `dir` is compared as given and canonicalised, so a
    /// path logged through either spelling is recognised.
    pub(crate) fn beneath(dir: &Path, root: &Path, path: &Path) -> Option<Place> {
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            root.join(path)
        };
        let canonical = std::fs::canonicalize(dir).ok();
        let rest = path
            .strip_prefix(dir)
            .ok()
            .or_else(|| path.strip_prefix(canonical.as_deref()?).ok())?;
        let mut rel = PathBuf::new();
        for part in rest.components() {
            match part {
                Component::Normal(name) => rel.push(name),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        (!rel.as_os_str().is_empty()).then(|| Place {
            dir: dir.to_path_buf(),
            rel,
        })
    }

    /// The file's path, for people and for comparing places.
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.join(&self.rel)
    }

    /// Opens the file for reading, only when it is a regular file (never blocking on a FIFO).
    ///
    /// # Errors
    /// The open's error (`NotFound` for a missing file); `InvalidInput` for anything but a
    /// regular file, and for a symlink on the way.
    pub(crate) fn open(&self) -> io::Result<File> {
        open_beneath(&self.dir, &self.rel)
    }
}

/// Opens `rel` beneath `dir`: `dir` is canonicalised, then each name is opened relative to the
/// directory before it with `O_NOFOLLOW`, so no symlink on the way is followed — whatever an
/// agent swaps in between the check and the open.
fn open_beneath(dir: &Path, rel: &Path) -> io::Result<File> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
    let names: Vec<&OsStr> = rel
        .components()
        .filter_map(|part| match part {
            Component::Normal(name) => Some(Ok(name)),
            Component::CurDir => None,
            _ => Some(Err(())),
        })
        .collect::<Result<_, ()>>()
        .map_err(|()| invalid(format!("`{}` leaves its directory", rel.display())))?;
    let Some((last, dirs)) = names.split_last() else {
        return Err(invalid("an empty path".to_owned()));
    };
    let canonical = std::fs::canonicalize(dir)?;
    let base = OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
    let mut at: OwnedFd = nix::fcntl::open(
        &canonical,
        OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_DIRECTORY,
        Mode::empty(),
    )?;
    let symlink = |e: nix::errno::Errno| match e {
        nix::errno::Errno::ELOOP | nix::errno::Errno::ENOTDIR => invalid(format!(
            "a symbolic link (or a non-directory) in place of `{}` or on its way below `{}`: \
             not followed",
            rel.display(),
            canonical.display()
        )),
        e => io::Error::from(e),
    };
    for name in dirs {
        at = openat(&at, *name, base | OFlag::O_DIRECTORY, Mode::empty()).map_err(symlink)?;
    }
    let file =
        File::from(openat(&at, *last, base | OFlag::O_NONBLOCK, Mode::empty()).map_err(symlink)?);
    match special_kind(&file.metadata()?) {
        Some(kind) => Err(invalid(format!("not a regular file (it is a {kind})"))),
        None => Ok(file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_beneath_the_directory_are_places() {
        let dir = Path::new("/ws/logs");
        let root = Path::new("/ws");
        let rel = |s: &str| Place {
            dir: dir.to_path_buf(),
            rel: PathBuf::from(s),
        };
        assert_eq!(
            Place::beneath(dir, root, Path::new("/ws/logs/main/ralph/iter-1.log")),
            Some(rel("main/ralph/iter-1.log"))
        );
        assert_eq!(
            Place::beneath(dir, root, Path::new("logs/./x.log")),
            Some(rel("x.log")),
            "relative to the root"
        );
        for outside in [
            "/etc/passwd",
            "/ws/logs/../secret",
            "/ws/logs",
            "../logs/x",
            "/ws/x",
        ] {
            assert_eq!(
                Place::beneath(dir, root, Path::new(outside)),
                None,
                "{outside}"
            );
        }
    }

    #[test]
    fn a_symlink_on_the_way_is_not_followed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let logs = tmp.path().join("logs");
        std::fs::create_dir_all(logs.join("main")).expect("mkdir");
        std::fs::write(logs.join("main/t.log"), "mine\n").expect("write");
        std::fs::write(tmp.path().join("secret"), "secret\n").expect("write");
        std::os::unix::fs::symlink(tmp.path().join("secret"), logs.join("main/link.log"))
            .expect("symlink");
        std::os::unix::fs::symlink(tmp.path(), logs.join("up")).expect("symlink");
        let place = |rel: &str| Place {
            dir: logs.clone(),
            rel: PathBuf::from(rel),
        };
        let text = |p: Place| std::fs::read_to_string(p.path()).ok().zip(p.open().ok());
        assert!(text(place("main/t.log")).is_some());
        for refused in ["main/link.log", "up/secret", "main"] {
            let err = place(refused).open().expect_err(refused);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{refused}: {err}");
        }
        assert_eq!(
            place("main/none.log").open().expect_err("missing").kind(),
            io::ErrorKind::NotFound
        );
    }
}
