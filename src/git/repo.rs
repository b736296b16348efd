//! A git2 repository handle with the few operations a turn needs.

use std::path::{Path, PathBuf};

/// One dirty path in the work tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirtyPath {
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
}

/// Change counts between two commits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffStats {
    /// Files changed.
    pub files_changed: u64,
    /// Lines inserted.
    pub insertions: u64,
    /// Lines deleted.
    pub deletions: u64,
}

/// A git operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// libgit2 reported an error.
    #[error("git: {what}")]
    Git2 {
        /// The operation, naming its object (path, ref).
        what: String,
        /// The libgit2 error.
        #[source]
        source: git2::Error,
    },
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
pub struct Repo {
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
    pub fn discover(path: &Path) -> Result<Option<Repo>, GitError> {
        let _ = path;
        todo!("git helper")
    }

    /// The work tree root.
    #[must_use]
    pub fn workdir(&self) -> &Path {
        self.inner.workdir().unwrap_or_else(|| self.inner.path())
    }

    /// The `.git` directory.
    #[must_use]
    pub fn git_dir(&self) -> &Path {
        self.inner.path()
    }

    /// Short (7 hex) SHA of HEAD; `None` on an unborn branch.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn head_short(&self) -> Result<Option<String>, GitError> {
        todo!("git helper")
    }

    /// Full SHA of HEAD; `None` on an unborn branch.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn head_id(&self) -> Result<Option<String>, GitError> {
        todo!("git helper")
    }

    /// The current branch's short name; `None` when HEAD is detached.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn branch(&self) -> Result<Option<String>, GitError> {
        todo!("git helper")
    }

    /// Dirty paths: new (untracked, and ignored files not inside ignored directories),
    /// modified, deleted. Sorted by path.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn dirty_paths(&self) -> Result<Vec<DirtyPath>, GitError> {
        todo!("git helper")
    }

    /// Stages exactly `paths` (adding, force-adding ignored files, or removing deleted ones) and
    /// commits them on HEAD with `message` (author/committer from git config, else
    /// `baton <baton@localhost>`). Returns the new short SHA.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn commit_paths(&self, paths: &[String], message: &str) -> Result<String, GitError> {
        let _ = (paths, message);
        todo!("git helper")
    }

    /// Change counts from `from` to `to` (full SHAs; `None` = the empty tree / unborn).
    ///
    /// # Errors
    /// [`GitError`].
    pub fn diff_stats(&self, from: Option<&str>, to: Option<&str>) -> Result<DiffStats, GitError> {
        let _ = (from, to);
        todo!("git helper")
    }
}
