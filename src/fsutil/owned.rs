//! Writing Baton's own files (the journal, the event log, turn logs) without ever following a
//! symlink below the directory they belong to.
//!
//! An agent can plant a symlink where Baton writes (`logs/events.jsonl` → `~/.bashrc`, or
//! `logs/main` → `/tmp/elsewhere`): following it would append Baton's lines to a file outside
//! the workspace. So the path below a trusted `base` (a directory the user chose: the
//! workspace's `sync/`, the parent of `logs_dir`) is walked one component at a time, each opened
//! relative to the directory opened before it with `O_NOFOLLOW`: nothing written reaches
//! outside `base` through a symlink, even one planted between two steps. A symlink found on the
//! way is removed — the link, never what it points to — and Baton's own directory or file is
//! made in its place; the caller says so ([`Replaced`]). A FIFO, socket or device is refused,
//! as [`super::open_regular`] does.

use std::ffi::OsStr;
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat, readlinkat, renameat};
use nix::sys::stat::{Mode, SFlag, fstatat, mkdirat};
use nix::unistd::{UnlinkatFlags, unlinkat};

/// How many times a step retries when what it found changes under it (a symlink removed and
/// planted again): past that, the path is refused.
const ATTEMPTS: usize = 3;

/// How a file is opened by [`open_beneath`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Appending (created when missing).
    Append,
    /// Reading and appending (created when missing).
    ReadAppend,
    /// Writing from empty (created, or truncated).
    Create,
}

/// A symlink Baton removed to put its own file or directory in its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Replaced {
    /// Where the symlink was.
    pub(crate) path: PathBuf,
    /// What it pointed to, when readable.
    pub(crate) target: Option<PathBuf>,
    /// Whether a directory took its place (else a file).
    pub(crate) dir: bool,
}

impl fmt::Display for Replaced {
    /// `` `logs/events.jsonl` was a symlink (to `/home/me/.bashrc`): replaced by a file; Baton
    /// never writes through a symlink ``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` was a symlink", self.path.display())?;
        if let Some(target) = &self.target {
            write!(f, " (to `{}`)", target.display())?;
        }
        let what = if self.dir { "a directory" } else { "a file" };
        write!(
            f,
            ": replaced by {what}; Baton never writes through a symlink"
        )
    }
}

/// A file opened by [`open_beneath`], and the symlinks replaced on the way.
#[derive(Debug)]
pub(crate) struct Owned {
    /// The open file.
    pub(crate) file: File,
    /// The symlinks removed to reach it (the caller warns about each).
    pub(crate) replaced: Vec<Replaced>,
}

/// A directory made real by [`dir_beneath`]: its descriptor (for `*at` calls that must not
/// follow a symlink planted later) and the symlinks replaced on the way.
#[derive(Debug)]
pub(crate) struct OwnedDir {
    fd: OwnedFd,
    path: PathBuf,
    /// The symlinks removed to reach it (the caller warns about each).
    pub(crate) replaced: Vec<Replaced>,
}

impl OwnedDir {
    /// Opens the entry `name` of this directory as [`open_beneath`] opens its final component.
    ///
    /// # Errors
    /// As [`open_beneath`].
    pub(crate) fn open(&mut self, name: &OsStr, access: Access) -> io::Result<File> {
        open_entry(&self.fd, name, access, &self.path, &mut self.replaced)
    }

    /// Removes the entry `name` of this directory (a file or a symlink, never followed); a
    /// missing one is fine.
    ///
    /// # Errors
    /// The io error (a directory there: `EISDIR`).
    pub(crate) fn remove(&self, name: &OsStr) -> io::Result<()> {
        match unlinkat(&self.fd, name, UnlinkatFlags::NoRemoveDir) {
            Ok(()) | Err(Errno::ENOENT) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Renames this directory's entry `from` to `to` in `target`; neither directory is reached
    /// through a symlink.
    ///
    /// # Errors
    /// The io error.
    pub(crate) fn rename_to(&self, from: &OsStr, target: &OwnedDir, to: &OsStr) -> io::Result<()> {
        renameat(&self.fd, from, &target.fd, to).map_err(io::Error::from)
    }

    /// Makes the directory's entries durable (`fsync` of the directory).
    ///
    /// # Errors
    /// The io error.
    pub(crate) fn sync(&self) -> io::Result<()> {
        File::from(self.fd.try_clone()?).sync_all()
    }
}

/// Opens `base/rel` with `access`: the directories of `rel` are created when missing and must
/// be real directories, the file must be a regular file. A symlink at any component of `rel`
/// is replaced (see the module docs); `base` itself is trusted as it is. A `rel` that is not
/// a plain relative path (`..`, absolute) is refused.
///
/// # Errors
/// The io error; `InvalidInput` for a FIFO, socket or device (`not a regular file (it is a
/// FIFO)`) or a component that is a file where a directory is needed.
pub(crate) fn open_beneath(base: &Path, rel: &Path, access: Access) -> io::Result<Owned> {
    let (dirs, name) = split(rel)?;
    let mut dir = dir_beneath(base, dirs)?;
    let file = dir.open(name, access)?;
    Ok(Owned {
        file,
        replaced: dir.replaced,
    })
}

/// [`open_beneath`] of `path` guarding its final component only (its directory is trusted).
///
/// # Errors
/// As [`open_beneath`]; `InvalidInput` for a path without a file name.
pub(crate) fn open_owned(path: &Path, access: Access) -> io::Result<Owned> {
    let name = path
        .file_name()
        .ok_or_else(|| invalid(format!("`{}` names no file", path.display())))?;
    open_beneath(super::parent_dir(path), Path::new(name), access)
}

/// Makes `base/rel` a tree of real directories (created when missing; a symlink among them is
/// replaced by an empty directory) and opens the last one. `base` is created when missing and
/// trusted as it is.
///
/// # Errors
/// As [`open_beneath`].
pub(crate) fn dir_beneath(base: &Path, rel: &Path) -> io::Result<OwnedDir> {
    std::fs::create_dir_all(base)?;
    let flags = OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC;
    let mut fd = nix::fcntl::open(base, flags, Mode::empty())?;
    let mut path = base.to_path_buf();
    let mut replaced = Vec::new();
    for component in rel.components() {
        let Component::Normal(name) = component else {
            return Err(invalid(format!(
                "`{}` is not a plain path below `{}`",
                rel.display(),
                base.display()
            )));
        };
        path.push(name);
        fd = open_subdir(&fd, name, &path, &mut replaced)?;
    }
    Ok(OwnedDir { fd, path, replaced })
}

/// `rel` as its directories and its file name.
fn split(rel: &Path) -> io::Result<(&Path, &OsStr)> {
    let name = rel
        .file_name()
        .ok_or_else(|| invalid(format!("`{}` names no file", rel.display())))?;
    Ok((rel.parent().unwrap_or(Path::new("")), name))
}

/// Opens (creating when missing) the directory `name` in `parent`, never through a symlink.
fn open_subdir(
    parent: &OwnedFd,
    name: &OsStr,
    shown: &Path,
    replaced: &mut Vec<Replaced>,
) -> io::Result<OwnedFd> {
    let flags = OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_RDONLY | OFlag::O_CLOEXEC;
    for _ in 0..ATTEMPTS {
        match openat(parent, name, flags, Mode::empty()) {
            Ok(fd) => return Ok(fd),
            Err(Errno::ENOENT) => match mkdirat(parent, name, Mode::from_bits_truncate(0o755)) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(e) => return Err(e.into()),
            },
            // O_NOFOLLOW on a symlink: ELOOP; O_DIRECTORY on anything else: ENOTDIR.
            Err(Errno::ELOOP | Errno::ENOTDIR) => {
                replace_symlink(parent, name, shown, true, replaced)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(changing(shown))
}

/// Opens the regular file `name` in `dir` with `access`, never through a symlink and never
/// blocking on a FIFO.
fn open_entry(
    dir: &OwnedFd,
    name: &OsStr,
    access: Access,
    dir_path: &Path,
    replaced: &mut Vec<Replaced>,
) -> io::Result<File> {
    let shown = dir_path.join(name);
    let mut flags = OFlag::O_CREAT | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
    flags |= match access {
        Access::Append => OFlag::O_WRONLY | OFlag::O_APPEND,
        Access::ReadAppend => OFlag::O_RDWR | OFlag::O_APPEND,
        Access::Create => OFlag::O_WRONLY | OFlag::O_TRUNC,
    };
    for _ in 0..ATTEMPTS {
        // Looked at first: opening a FIFO for writing fails with a vague ENXIO, or, read and
        // write, succeeds — and is then written into.
        match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) if kind_of(st.st_mode) == SFlag::S_IFLNK => {
                replace_symlink(dir, name, &shown, false, replaced)?;
                continue;
            }
            Ok(st) if kind_of(st.st_mode) != SFlag::S_IFREG => {
                return Err(refuse(&shown, st.st_mode));
            }
            Ok(_) | Err(Errno::ENOENT) => {}
            Err(e) => return Err(e.into()),
        }
        match openat(dir, name, flags, Mode::from_bits_truncate(0o644)) {
            Ok(fd) => {
                let file = File::from(fd);
                let meta = file.metadata()?;
                if let Some(kind) = super::special_kind(&meta) {
                    return Err(invalid(format!(
                        "`{}` is not a regular file (it is a {kind})",
                        shown.display()
                    )));
                }
                return Ok(file);
            }
            // A symlink planted since the look: look again.
            Err(Errno::ELOOP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(changing(&shown))
}

/// Removes the symlink `name` in `dir` (the link only) and records it; anything else there is
/// refused.
fn replace_symlink(
    dir: &OwnedFd,
    name: &OsStr,
    shown: &Path,
    as_dir: bool,
    replaced: &mut Vec<Replaced>,
) -> io::Result<()> {
    let st = match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(Errno::ENOENT) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if kind_of(st.st_mode) != SFlag::S_IFLNK {
        return Err(refuse(shown, st.st_mode));
    }
    let target = readlinkat(dir, name).ok().map(PathBuf::from);
    match unlinkat(dir, name, UnlinkatFlags::NoRemoveDir) {
        Ok(()) | Err(Errno::ENOENT) => {}
        Err(e) => return Err(e.into()),
    }
    replaced.push(Replaced {
        path: shown.to_path_buf(),
        target,
        dir: as_dir,
    });
    Ok(())
}

fn kind_of(mode: nix::libc::mode_t) -> SFlag {
    SFlag::from_bits_truncate(mode & SFlag::S_IFMT.bits())
}

/// The refusal of `path`, whose mode says it is not what Baton writes there.
fn refuse(path: &Path, mode: nix::libc::mode_t) -> io::Error {
    let kind = match kind_of(mode) {
        SFlag::S_IFIFO => "FIFO",
        SFlag::S_IFDIR => "directory",
        SFlag::S_IFSOCK => "socket",
        SFlag::S_IFCHR => "character device",
        SFlag::S_IFBLK => "block device",
        SFlag::S_IFREG => "regular file",
        _ => "special file",
    };
    invalid(format!("`{}` is a {kind}", path.display()))
}

fn changing(path: &Path) -> io::Error {
    io::Error::other(format!(
        "`{}` keeps changing under Baton (a symlink planted again as it is replaced)",
        path.display()
    ))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Whether `path` is itself a symlink (not followed); false when missing or unreadable.
pub(crate) fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests;
