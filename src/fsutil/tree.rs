//! Trees of Baton's own directories (`logs_dir` and what Baton makes under it, the run
//! directory): which part of a path is Baton's — the tree's root and below, never written
//! through a symlink (see [`super::owned`]) — and which is the user's (above the root).

use std::io;
use std::path::Path;

use super::owned::{Access, Owned, OwnedDir, Replaced, dir_beneath, open_beneath, open_owned};

/// [`open_beneath`] for `path` in the tree of Baton's own directories rooted at `tree`
/// (`logs_dir`: the root is Baton's too, its parent the user's). A `path` outside `tree` has
/// only its final component guarded.
///
/// # Errors
/// As [`open_beneath`].
pub(crate) fn open_in_tree(tree: &Path, path: &Path, access: Access) -> io::Result<Owned> {
    match tree_split(tree, path) {
        Some((base, rel)) => open_beneath(base, rel, access),
        None => open_owned(path, access),
    }
}

/// [`dir_beneath`] for the directory `dir` in the tree rooted at `tree` (see
/// [`open_in_tree`]); a `dir` outside `tree` is only created.
///
/// # Errors
/// As [`open_beneath`].
pub(crate) fn dir_in_tree(tree: &Path, dir: &Path) -> io::Result<OwnedDir> {
    match tree_split(tree, dir) {
        Some((base, rel)) => dir_beneath(base, rel),
        None => dir_beneath(dir, Path::new("")),
    }
}

/// [`super::write_atomic`] of `path` in the tree of Baton's own directories rooted at `tree`
/// (the run directory): its directory is made real first (see [`dir_in_tree`]; the rename
/// replaces a symlink at `path` itself). Returns the symlinks replaced.
///
/// # Errors
/// As [`open_beneath`] and [`super::write_atomic`].
pub(crate) fn write_atomic_in_tree(
    tree: &Path,
    path: &Path,
    bytes: &[u8],
) -> io::Result<Vec<Replaced>> {
    let dir = dir_in_tree(tree, super::parent_dir(path))?;
    super::write_atomic(path, bytes)?;
    Ok(dir.replaced)
}

/// `path` as the parent of `tree` (trusted) and the rest, when `path` is in `tree`.
fn tree_split<'a>(tree: &'a Path, path: &'a Path) -> Option<(&'a Path, &'a Path)> {
    tree.file_name()?;
    if !path.starts_with(tree) {
        return None;
    }
    match tree.parent() {
        Some(base) if !base.as_os_str().is_empty() => Some((base, path.strip_prefix(base).ok()?)),
        _ => Some((Path::new("."), path)),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn a_tree_guards_its_root_and_below_but_not_above() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("elsewhere");
        std::fs::create_dir_all(&outside).expect("mkdir");
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(&ws).expect("mkdir");
        symlink(&outside, ws.join("logs")).expect("symlink");
        let tree = ws.join("logs");
        let owned = open_in_tree(&tree, &tree.join("events.jsonl"), Access::Append).expect("open");
        assert_eq!(owned.replaced.len(), 1, "the root of the tree is Baton's");
        assert!(ws.join("logs/events.jsonl").is_file());
        assert!(std::fs::read_dir(&outside).expect("read").next().is_none());
        // A path outside the tree: only its file is guarded.
        let other = dir.path().join("other.log");
        open_in_tree(&tree, &other, Access::Create).expect("open");
        assert!(other.is_file());
        // A relative tree.
        assert_eq!(
            tree_split(Path::new("logs"), Path::new("logs/a/b.log")),
            Some((Path::new("."), Path::new("logs/a/b.log")))
        );
    }
}
