//! Local (git2) operations of the handoff: fast-forward to the remote-tracking ref, read a file
//! at a ref, guards, backups, and replaying local commits onto the remote.

use crate::git::{GitError, Repo};

/// What [`Repo::fast_forward`] found or did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FastForward {
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
pub struct WouldOverwrite {
    /// The ref we tried to move to.
    pub target: String,
    /// The paths in the way (may be empty when libgit2 does not name them).
    pub paths: Vec<String>,
}

/// An operation in progress in the clone (a guard fails on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InProgress {
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
    pub fn fix(self) -> &'static str {
        match self {
            InProgress::Rebase => "git rebase --abort",
            InProgress::Merge => "git merge --abort",
            InProgress::CherryPick => "git cherry-pick --abort",
            InProgress::Revert => "git revert --abort",
            InProgress::Other => "git am --abort",
        }
    }
}

impl Repo {
    /// The operation in progress (rebase, merge, …), if any.
    #[must_use]
    pub fn in_progress(&self) -> Option<InProgress> {
        todo!("remote helper")
    }

    /// Full SHA of `refs/remotes/<remote>/<branch>`, if it exists.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn tracking_id(&self, remote: &str, branch: &str) -> Result<Option<String>, GitError> {
        let _ = (remote, branch);
        todo!("remote helper")
    }

    /// Moves the current branch (and work tree, with a safe checkout) forward to
    /// `refs/remotes/<remote>/<branch>` when that is a fast-forward.
    ///
    /// # Errors
    /// `WouldOverwrite` (inside [`anyhow::Error`]) when local files are in the way; [`GitError`].
    pub fn fast_forward(&self, remote: &str, branch: &str) -> anyhow::Result<FastForward> {
        let _ = (remote, branch);
        todo!("remote helper")
    }

    /// The bytes of `path` (relative to the work tree root) in the commit `rev` points at
    /// (a ref name or SHA); `None` when the file or the rev does not exist.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn read_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let _ = (rev, path);
        todo!("remote helper")
    }

    /// Points `refs/baton/backup/<UTC YYYYmmddTHHMMSSZ>` (suffix `-2`, … when taken) at HEAD and
    /// returns the ref name.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn backup_head(&self) -> Result<String, GitError> {
        todo!("remote helper")
    }

    /// Replays the local commits that `refs/remotes/<remote>/<branch>` lacks (oldest first,
    /// author and message kept) on top of it, moves the current branch there and updates the
    /// work tree. Returns how many commits were replayed.
    ///
    /// # Errors
    /// [`GitError`] on a conflict (nothing is changed then) or any libgit2 failure.
    pub fn replay_onto_tracking(&self, remote: &str, branch: &str) -> Result<usize, GitError> {
        let _ = (remote, branch);
        todo!("remote helper")
    }

    /// Resets the current branch, index and work tree to `rev` (hard). Used after a backup.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn reset_hard(&self, rev: &str) -> Result<(), GitError> {
        let _ = rev;
        todo!("remote helper")
    }
}
