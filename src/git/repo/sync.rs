//! Local (git2) operations of the handoff: fast-forward to the remote-tracking ref, read a file
//! at a ref, guards, backups, and replaying local commits onto the remote.

use std::path::Path;
use std::time::SystemTime;

use git2::{ErrorClass, ErrorCode, Oid, RepositoryState, ResetType};

use super::git_err;
use crate::git::{GitError, Repo};

mod checkout;
pub(crate) mod land;
#[cfg(test)]
mod land_tests;
mod replay;
#[cfg(test)]
mod tests;

/// What [`Repo::fast_forward`] found or did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FastForward {
    /// HEAD already equals the remote-tracking ref (or the ref does not exist).
    UpToDate,
    /// HEAD moved forward to the remote-tracking ref; the work tree was updated.
    Advanced,
    /// Local has commits the remote lacks, and nothing new came (a push is due).
    Ahead(usize),
    /// Both sides have commits the other lacks.
    Diverged {
        /// Local commits not on the remote.
        ahead: usize,
        /// Remote commits not local.
        behind: usize,
    },
}

/// A fast-forward that would overwrite local files (untracked or modified).
#[derive(Debug, thiserror::Error)]
#[error("updating to {target} would overwrite local files: {}", paths.join(", "))]
pub(crate) struct WouldOverwrite {
    /// The ref we tried to move to.
    pub target: String,
    /// The paths in the way (may be empty when libgit2 does not name them).
    pub paths: Vec<String>,
}

/// An operation in progress in the clone (a guard fails on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InProgress {
    /// `git rebase` (fix: `git rebase --continue` or `git rebase --abort`).
    Rebase,
    /// `git merge` (fix: `git merge --abort`).
    Merge,
    /// `git cherry-pick` (fix: `git cherry-pick --abort`).
    CherryPick,
    /// `git revert` (fix: `git revert --abort`).
    Revert,
    /// `git am` / bisect / other (fix: finish or abort it).
    Other,
}

impl InProgress {
    /// The command that gets the clone out of it, e.g. `git rebase --abort`.
    #[must_use]
    pub(crate) fn fix(self) -> &'static str {
        match self {
            InProgress::Rebase => "git rebase --abort",
            InProgress::Merge => "git merge --abort",
            InProgress::CherryPick => "git cherry-pick --abort",
            InProgress::Revert => "git revert --abort",
            InProgress::Other => "git am --abort (or git bisect reset)",
        }
    }
}

impl Repo {
    /// The operation in progress (rebase, merge, …), if any, from libgit2's repository state.
    /// `git am` and `git bisect` count as [`InProgress::Other`].
    #[must_use]
    pub(crate) fn in_progress(&self) -> Option<InProgress> {
        match self.inner.state() {
            RepositoryState::Clean => None,
            RepositoryState::Merge => Some(InProgress::Merge),
            RepositoryState::Revert | RepositoryState::RevertSequence => Some(InProgress::Revert),
            RepositoryState::CherryPick | RepositoryState::CherryPickSequence => {
                Some(InProgress::CherryPick)
            }
            RepositoryState::Rebase
            | RepositoryState::RebaseInteractive
            | RepositoryState::RebaseMerge
            | RepositoryState::ApplyMailboxOrRebase => Some(InProgress::Rebase),
            RepositoryState::Bisect | RepositoryState::ApplyMailbox => Some(InProgress::Other),
        }
    }

    /// Full SHA of `refs/remotes/<remote>/<branch>`, if it exists.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn tracking_id(
        &self,
        remote: &str,
        branch: &str,
    ) -> Result<Option<String>, GitError> {
        Ok(self
            .ref_id(&tracking_ref(remote, branch))?
            .map(|id| id.to_string()))
    }

    /// The bytes of `path` (relative to the work tree root, `/`-separated) in the commit `rev`
    /// points at (a ref name or SHA); `None` when the rev, or a file at `path`, does not exist.
    ///
    /// # Errors
    /// [`GitError`] when `rev` is malformed or does not name a commit, or objects cannot be read.
    pub(crate) fn read_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let object = self.object_at(rev, path, || format!("read `{path}` at `{rev}`"))?;
        Ok(object
            .as_ref()
            .and_then(git2::Object::as_blob)
            .map(|blob| blob.content().to_vec()))
    }

    /// The names of the files in directory `dir` (relative to the work tree root,
    /// `/`-separated) in the commit `rev` points at, in tree order; empty when the rev or the
    /// directory does not exist.
    ///
    /// # Errors
    /// [`GitError`] when `rev` is malformed or does not name a commit, or objects cannot be read.
    pub(crate) fn list_at(&self, rev: &str, dir: &str) -> Result<Vec<String>, GitError> {
        let object = self.object_at(rev, dir, || format!("list `{dir}` at `{rev}`"))?;
        let Some(tree) = object.as_ref().and_then(git2::Object::as_tree) else {
            return Ok(Vec::new());
        };
        Ok(tree
            .iter()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .filter_map(|e| e.name().ok().map(str::to_owned))
            .collect())
    }

    /// The files directly in directory `dir` (relative to the work tree root, `/`-separated)
    /// in the commit `rev` points at, in tree order: each name with its bytes. Empty when the
    /// rev or the directory does not exist. One tree lookup for them all, where
    /// [`Repo::read_at`] per name looks the path up again each time.
    ///
    /// # Errors
    /// [`GitError`] when `rev` is malformed or does not name a commit, or objects cannot be read.
    pub(crate) fn files_at(
        &self,
        rev: &str,
        dir: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        let what = || format!("read the files of `{dir}` at `{rev}`");
        let object = self.object_at(rev, dir, what)?;
        let Some(tree) = object.as_ref().and_then(git2::Object::as_tree) else {
            return Ok(Vec::new());
        };
        let mut files = Vec::new();
        for entry in tree.iter() {
            if entry.kind() != Some(git2::ObjectType::Blob) {
                continue;
            }
            let Ok(name) = entry.name() else { continue };
            let blob = self.inner.find_blob(entry.id()).map_err(git_err(what()))?;
            files.push((name.to_owned(), blob.content().to_vec()));
        }
        Ok(files)
    }

    /// The object at `path` in the commit `rev` points at; `None` when either does not exist.
    fn object_at(
        &self,
        rev: &str,
        path: &str,
        what: impl Fn() -> String,
    ) -> Result<Option<git2::Object<'_>>, GitError> {
        let object = match self.inner.revparse_single(rev) {
            Ok(object) => object,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git_err(what())(e)),
        };
        let tree = object
            .peel_to_commit()
            .and_then(|commit| commit.tree())
            .map_err(git_err(what()))?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git_err(what())(e)),
        };
        entry
            .to_object(&self.inner)
            .map(Some)
            .map_err(git_err(what()))
    }

    /// Points `refs/baton/backup/<UTC YYYYmmddTHHMMSSZ>` (suffix `-2`, … when taken) at HEAD and
    /// returns the ref name.
    ///
    /// # Errors
    /// [`GitError`], also when HEAD has no commit.
    pub(crate) fn backup_head(&self) -> Result<String, GitError> {
        self.backup_head_at(SystemTime::now())
    }

    /// [`Repo::backup_head`] with the clock read by the caller.
    fn backup_head_at(&self, now: SystemTime) -> Result<String, GitError> {
        let what = "back up HEAD to refs/baton/backup/";
        let head = self.head_commit()?.ok_or_else(|| GitError::Git2 {
            what: what.to_owned(),
            source: git2::Error::new(
                ErrorCode::UnbornBranch,
                ErrorClass::Reference,
                "HEAD has no commit",
            ),
        })?;
        let stamp = humantime::format_rfc3339_seconds(now)
            .to_string()
            .replace(['-', ':'], "");
        let base = format!("refs/baton/backup/{stamp}");
        let mut n = 1;
        loop {
            let name = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            match self
                .inner
                .reference(&name, head.id(), false, "baton: backup")
            {
                Ok(_) => return Ok(name),
                Err(e) if e.code() == ErrorCode::Exists => n += 1,
                Err(e) => return Err(git_err(format!("create `{name}`"))(e)),
            }
        }
    }

    /// Resets the current branch, index and work tree to `rev` (hard; untracked files stay).
    /// Used after a backup.
    ///
    /// # Errors
    /// [`GitError`] when `rev` names no commit or the reset fails.
    pub(crate) fn reset_hard(&self, rev: &str) -> Result<(), GitError> {
        let what = || format!("reset --hard to `{rev}`");
        let commit = self
            .inner
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map_err(git_err(what()))?;
        self.inner
            .reset(commit.as_object(), ResetType::Hard, None)
            .map_err(git_err(what()))
    }

    /// The commit a ref resolves to; `None` when the ref does not exist.
    fn ref_id(&self, name: &str) -> Result<Option<Oid>, GitError> {
        let what = || format!("read `{name}`");
        match self.inner.find_reference(name) {
            Ok(r) => {
                let commit = r.peel_to_commit().map_err(git_err(what()))?;
                Ok(Some(commit.id()))
            }
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(what())(e)),
        }
    }
}

/// `refs/remotes/<remote>/<branch>`.
fn tracking_ref(remote: &str, branch: &str) -> String {
    format!("refs/remotes/{remote}/{branch}")
}
