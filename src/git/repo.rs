//! A git2 repository handle with the few operations a turn needs.

use std::path::{Path, PathBuf};

use git2::{Commit, ErrorCode, Signature, Status, StatusOptions};

/// Author and committer name when git config has none.
const FALLBACK_NAME: &str = "baton";
/// Author and committer email when git config has none.
const FALLBACK_EMAIL: &str = "baton@localhost";

/// One dirty path in the work tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DirtyPath {
    /// Path relative to the work tree root, `/`-separated.
    pub path: String,
    /// Tracked in HEAD or the index (false for new files).
    pub tracked: bool,
    /// Ignored by `.gitignore` (only ignored files, never whole ignored directories, are listed).
    pub ignored: bool,
    /// Deleted in the work tree.
    pub deleted: bool,
    /// Size in bytes on disk (0 when deleted).
    pub size: u64,
    /// Last modification time on disk (`None` when deleted or unknown).
    pub modified: Option<std::time::SystemTime>,
    /// What it is when git cannot commit it (`"FIFO"`, `"socket"`, a device): only regular
    /// files, symlinks and directories (gitlinks) can be; `None` for those.
    pub special: Option<&'static str>,
}

/// Change counts between two commits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DiffStats {
    /// Files changed.
    pub files_changed: u64,
    /// Lines inserted.
    pub insertions: u64,
    /// Lines deleted.
    pub deletions: u64,
}

/// A git operation failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GitError {
    /// libgit2 reported an error.
    #[error("git: {what}")]
    Git2 {
        /// The operation, naming its object (path, ref).
        what: String,
        /// The libgit2 error.
        #[source]
        source: git2::Error,
    },
    /// A fast-forward or replay would overwrite local files; nothing was changed.
    #[error(transparent)]
    WouldOverwrite(#[from] WouldOverwrite),
    /// Reading a work-tree file failed.
    #[error("git: read `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
}

/// The repository holding the workspace.
pub(crate) struct Repo {
    inner: git2::Repository,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("path", &self.inner.path())
            .finish()
    }
}

impl Repo {
    /// Opens the repository containing `path`; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// [`GitError`] when a repository exists but cannot be opened.
    pub(crate) fn discover(path: &Path) -> Result<Option<Repo>, GitError> {
        match git2::Repository::discover(path) {
            Ok(inner) => Ok(Some(Repo { inner })),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(format!("open repository at `{}`", path.display()))(
                e,
            )),
        }
    }

    /// A second handle on this repository, for another thread (a handle is not shared
    /// between threads; git's files are, as between two git processes).
    ///
    /// # Errors
    /// [`GitError`] when the repository can no longer be opened.
    pub(crate) fn reopen(&self) -> Result<Repo, GitError> {
        git2::Repository::open(self.inner.path())
            .map(|inner| Repo { inner })
            .map_err(git_err(format!(
                "open repository at `{}`",
                self.inner.path().display()
            )))
    }

    /// The work tree root.
    #[must_use]
    pub(crate) fn workdir(&self) -> &Path {
        self.inner.workdir().unwrap_or_else(|| self.inner.path())
    }

    /// The `.git` directory.
    #[must_use]
    pub(crate) fn git_dir(&self) -> &Path {
        self.inner.path()
    }

    /// Full SHA of HEAD; `None` on an unborn branch.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn head_id(&self) -> Result<Option<String>, GitError> {
        Ok(self.head_commit()?.map(|c| c.id().to_string()))
    }

    /// The current branch's short name (also on an unborn branch); `None` when HEAD is detached.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn branch(&self) -> Result<Option<String>, GitError> {
        let head = self
            .inner
            .find_reference("HEAD")
            .map_err(git_err("read HEAD"))?;
        let target = head
            .symbolic_target()
            .map_err(git_err("read HEAD target"))?;
        Ok(target.map(|t| t.strip_prefix("refs/heads/").unwrap_or(t).to_owned()))
    }

    /// Dirty paths: new (untracked, and ignored files not inside ignored directories),
    /// modified, deleted. Sorted by path. Ignored directories are never walked, so a large
    /// ignored `target/` costs nothing; submodules are left out.
    ///
    /// # Errors
    /// [`GitError`] when the status cannot be read; [`GitError::Io`] when a listed file's
    /// metadata cannot be read.
    pub(crate) fn dirty_paths(&self) -> Result<Vec<DirtyPath>, GitError> {
        let mut opts = StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(true)
            .recurse_ignored_dirs(false)
            .exclude_submodules(true)
            .renames_head_to_index(false)
            .renames_index_to_workdir(false);
        let statuses = self
            .inner
            .statuses(Some(&mut opts))
            .map_err(git_err("read work tree status"))?;
        let mut out = Vec::new();
        for entry in statuses.iter() {
            let path = String::from_utf8_lossy(entry.path_bytes()).into_owned();
            if path.ends_with('/') {
                continue; // an ignored (or nested-repo) directory: never walked
            }
            out.push(self.dirty_path(path, entry.status())?);
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn dirty_path(&self, path: String, status: Status) -> Result<DirtyPath, GitError> {
        let full = self.workdir().join(&path);
        let (deleted, size, modified, special) = match std::fs::symlink_metadata(&full) {
            Ok(meta) => (
                false,
                meta.len(),
                meta.modified().ok(),
                uncommittable(&meta),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (true, 0, None, None),
            Err(source) => return Err(GitError::Io { path: full, source }),
        };
        let ignored = status.contains(Status::IGNORED);
        let tracked = !ignored && status != Status::WT_NEW;
        Ok(DirtyPath {
            path,
            tracked,
            ignored,
            deleted,
            size,
            modified,
            special,
        })
    }

    /// Commits exactly `paths` on HEAD with `message` (author/committer from git config, else
    /// `baton <baton@localhost>`): the new tree is HEAD's tree with those paths updated from the
    /// work tree (added, force-added when ignored, or removed when deleted), and nothing else.
    /// The index, read again from disk first when it changed there, gets the same entries;
    /// other staged changes stay staged and uncommitted. Returns the new commit's full SHA. An empty `paths` makes a commit with HEAD's
    /// tree.
    ///
    /// Why this shape: libgit2 keeps the index it loaded, and an agent's own
    /// `git commit` changes the one on disk; a commit built from the cached copy undid the
    /// agent's commits. Building from HEAD's tree and touching only `paths` cannot lose them.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn commit_paths(&self, paths: &[String], message: &str) -> Result<String, GitError> {
        retry_object_writes(|| self.commit_paths_once(paths, message))
    }

    fn commit_paths_once(&self, paths: &[String], message: &str) -> Result<String, GitError> {
        let mut index = self.inner.index().map_err(git_err("open index"))?;
        // Read again only when the file changed (libgit2 compares its checksum trailer): a
        // 50,000-file index costs milliseconds to parse and verify, and nothing but an agent's
        // own git changes it between Baton's status walk and its commits.
        index.read(false).map_err(git_err("read the index"))?;
        let mut update = match self.stage(&mut index, paths) {
            Ok(update) => update,
            Err(e) => {
                // Entries staged before the failure must not be written by a later commit.
                let _ = index.read(true);
                return Err(e);
            }
        };
        index.write().map_err(git_err("write index"))?;
        let parent = self.head_commit()?;
        let base = match &parent {
            Some(commit) => commit.tree().map_err(git_err("read HEAD's tree"))?,
            None => {
                let empty = self
                    .inner
                    .treebuilder(None)
                    .and_then(|b| b.write())
                    .map_err(git_err("write the empty tree"))?;
                self.inner
                    .find_tree(empty)
                    .map_err(git_err("read the empty tree"))?
            }
        };
        let tree_id = update
            .create_updated(&self.inner, &base)
            .map_err(git_err("write the commit's tree"))?;
        let tree = self
            .inner
            .find_tree(tree_id)
            .map_err(git_err("read new tree"))?;
        let sig = self.signature()?;
        let parents: Vec<&Commit<'_>> = parent.iter().collect();
        let id = self
            .inner
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .map_err(git_err("commit on HEAD"))?;
        Ok(id.to_string())
    }

    /// Stages `paths` from the work tree into `index` (added, or removed when deleted) and
    /// returns the same changes as a tree update.
    fn stage(
        &self,
        index: &mut git2::Index,
        paths: &[String],
    ) -> Result<git2::build::TreeUpdateBuilder, GitError> {
        let mut update = git2::build::TreeUpdateBuilder::new();
        for path in paths {
            let rel = Path::new(path);
            let meta = self.workdir().join(rel).symlink_metadata();
            if let Some(kind) = meta.as_ref().ok().and_then(uncommittable) {
                // libgit2 would open it to hash it: a FIFO blocks that for ever.
                return Err(GitError::Io {
                    path: self.workdir().join(rel),
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("git can only commit regular files and symlinks (it is a {kind})"),
                    ),
                });
            }
            if meta.is_ok() {
                index
                    .add_path(rel)
                    .map_err(git_err(format!("stage `{path}`")))?;
                let entry = index.get_path(rel, 0).ok_or_else(|| missing_entry(path))?;
                update.upsert(path, entry.id, file_mode(entry.mode));
            } else {
                index
                    .remove_path(rel)
                    .map_err(git_err(format!("stage removal of `{path}`")))?;
                update.remove(path);
            }
        }
        Ok(update)
    }

    /// HEAD's commit; `None` on an unborn branch.
    fn head_commit(&self) -> Result<Option<Commit<'_>>, GitError> {
        let head = match self.inner.head() {
            Ok(head) => head,
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                return Ok(None);
            }
            Err(e) => return Err(git_err("read HEAD")(e)),
        };
        head.peel_to_commit()
            .map(Some)
            .map_err(git_err("resolve HEAD to a commit"))
    }

    fn signature(&self) -> Result<Signature<'static>, GitError> {
        match self.inner.signature() {
            Ok(sig) => Ok(sig),
            Err(_) => Signature::now(FALLBACK_NAME, FALLBACK_EMAIL)
                .map_err(git_err("build fallback signature")),
        }
    }
}

/// What `meta` is when git cannot commit it (FIFO, socket, device); `None` for a regular
/// file, a symlink or a directory.
fn uncommittable(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_symlink() || kind.is_dir() {
        return None;
    }
    crate::fsutil::special_kind(meta)
}

/// The tree entry mode of an index entry mode (`0o100755` executable, `0o120000` symlink,
/// `0o160000` submodule, else a regular file).
fn file_mode(mode: u32) -> git2::FileMode {
    match mode {
        0o100_755 => git2::FileMode::BlobExecutable,
        0o120_000 => git2::FileMode::Link,
        0o160_000 => git2::FileMode::Commit,
        _ => git2::FileMode::Blob,
    }
}

/// A path that `add_path` staged but the index does not list.
fn missing_entry(path: &str) -> GitError {
    GitError::Git2 {
        what: format!("stage `{path}`"),
        source: git2::Error::from_str("the index has no entry for it after staging"),
    }
}

/// Maps a libgit2 error to [`GitError::Git2`] naming the operation `what`.
/// Runs `write` (which writes objects and then, at most, moves a ref at its very end) again,
/// up to a few times, when an object write failed because its fan-out directory
/// (`.git/objects/5b/`) vanished between libgit2 making it and renaming the object into it: the
/// background `git gc` (see [`crate::git::maintenance`]) packs loose objects and removes the
/// emptied directories while a turn commits. Git's own object writes retry the same way.
pub(super) fn retry_object_writes<T>(
    mut write: impl FnMut() -> Result<T, GitError>,
) -> Result<T, GitError> {
    const ATTEMPTS: u32 = 5;
    let mut attempt = 1;
    loop {
        match write() {
            Err(GitError::Git2 { source, .. }) if attempt < ATTEMPTS && vanished_dir(&source) => {
                tracing::debug!(error = %source, attempt, "object directory vanished; writing again");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Whether `error` is an object write that found its directory gone (`ENOENT` renaming the
/// temporary file into `objects/xx/`).
fn vanished_dir(error: &git2::Error) -> bool {
    error.class() == git2::ErrorClass::Os
        && error.message().contains("rename")
        && error.message().contains("No such file or directory")
}

fn git_err(what: impl Into<String>) -> impl FnOnce(git2::Error) -> GitError {
    let what = what.into();
    move |source| GitError::Git2 { what, source }
}

mod claims;
mod diffstat;
mod fence;
mod history;
mod range;
mod sync;
mod travel;
#[cfg(test)]
mod travel_tests;
mod worktree;
pub(crate) use fence::FileChange;
pub(crate) use history::Divergence;
pub(crate) use sync::land::{MergeSpec, Merged};
pub(crate) use sync::{FastForward, WouldOverwrite};
pub(crate) use travel::valid_branch_name;
pub(crate) use worktree::worktree_name;

#[cfg(test)]
mod tests;
