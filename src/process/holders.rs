//! Which live processes hold a file open, read from `/proc/<pid>/fd` (Linux).
//!
//! A file no live process holds open cannot be in use by a writer, so a lock or temp file in
//! that state is a leftover. Processes whose descriptors this one may not read (another user's,
//! when not root) are not seen; as root, every process is.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use crate::process::procfs;

/// A live process holding a file open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Holder {
    /// Its process id.
    pub(crate) pid: i32,
    /// Its command line (at most [`COMMAND_CHARS`] characters), or its name.
    pub(crate) command: String,
}

/// The longest command line shown for a holder.
const COMMAND_CHARS: usize = 80;

/// The processes holding each of `files` open (an entry only for files that are held). A file
/// is matched by device and inode, so a path seen through a symlink or a bind mount counts.
pub(crate) fn holders(files: &[PathBuf]) -> HashMap<PathBuf, Vec<Holder>> {
    let wanted: Vec<(&PathBuf, String, (u64, u64))> = files
        .iter()
        .filter_map(|path| {
            let meta = fs::metadata(path).ok()?;
            let name = path.file_name()?.to_string_lossy().into_owned();
            Some((path, name, (meta.dev(), meta.ino())))
        })
        .collect();
    let mut held: HashMap<PathBuf, Vec<Holder>> = HashMap::new();
    if wanted.is_empty() {
        return held;
    }
    for pid in procfs::pids() {
        let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue; // gone, or not ours to inspect
        };
        for fd in fds.flatten() {
            let Some(path) = open_file(&fd.path(), &wanted) else {
                continue;
            };
            let list = held.entry(path.clone()).or_default();
            if !list.iter().any(|h| h.pid == pid) {
                list.push(Holder {
                    pid,
                    command: command_of(pid),
                });
            }
        }
    }
    held
}

/// Whether process `pid` holds `file` open (one process's descriptors, not all of `/proc`).
pub(crate) fn holds(pid: i32, file: &Path) -> bool {
    let Ok(meta) = fs::metadata(file) else {
        return false;
    };
    let Some(name) = file.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return false;
    };
    let path = file.to_path_buf();
    let wanted = [(&path, name, (meta.dev(), meta.ino()))];
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| open_file(&fd.path(), &wanted).is_some())
}

/// Which of `wanted` the descriptor link `fd` points at: the link's file name is compared first
/// (cheap, no file system access), then device and inode.
fn open_file<'a>(
    fd: &Path,
    wanted: &'a [(&'a PathBuf, String, (u64, u64))],
) -> Option<&'a PathBuf> {
    let target = fs::read_link(fd).ok()?;
    let name = target.file_name()?.to_string_lossy();
    let candidates: Vec<_> = wanted.iter().filter(|(_, n, _)| *n == name).collect();
    if candidates.is_empty() {
        return None;
    }
    let meta = fs::metadata(fd).ok()?;
    let id = (meta.dev(), meta.ino());
    candidates
        .into_iter()
        .find(|(_, _, file)| *file == id)
        .map(|(path, _, _)| *path)
}

/// `pid`'s command line, spaces between arguments, shortened; its name when that is empty.
fn command_of(pid: i32) -> String {
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let mut text = String::from_utf8_lossy(&cmdline)
        .split('\0')
        .filter(|arg| !arg.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        text = fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap_or_default()
            .trim()
            .to_owned();
    }
    if text.chars().count() > COMMAND_CHARS {
        text = text.chars().take(COMMAND_CHARS - 1).collect::<String>() + "…";
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_open_in_this_process_is_held_and_a_closed_one_is_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let open = dir.path().join("index.lock");
        let closed = dir.path().join("HEAD.lock");
        fs::write(&closed, "").expect("write");
        let file = fs::File::create(&open).expect("create");
        let held = holders(&[open.clone(), closed.clone()]);
        let me = i32::try_from(std::process::id()).expect("pid");
        let list = held.get(&open).expect("held by this test");
        assert!(list.iter().any(|h| h.pid == me), "{list:?}");
        assert!(!list[0].command.is_empty());
        assert!(!held.contains_key(&closed), "{held:?}");
        drop(file);
        assert!(
            holders(&[open])
                .values()
                .all(|l| l.iter().all(|h| h.pid != me))
        );
    }

    #[test]
    fn one_process_holds_a_file_while_it_is_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baton.lock");
        let me = i32::try_from(std::process::id()).expect("pid");
        let file = fs::File::create(&path).expect("create");
        assert!(holds(me, &path));
        drop(file);
        assert!(!holds(me, &path));
        assert!(!holds(me, &dir.path().join("missing.lock")));
    }

    #[test]
    fn a_missing_file_has_no_holder() {
        assert!(holders(&[PathBuf::from("/nonexistent/x.lock")]).is_empty());
    }
}
