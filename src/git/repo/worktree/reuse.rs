//! A worktree kept for the next task of the same slot (a pool worker's): put on the next
//! task's branch by a checkout that writes only the files that differ and removes what is not
//! tracked, instead of a whole new checkout per task — whose cost grows with the repository
//! (hundreds of files created and deleted a task) — and left on no branch between tasks, so
//! that a landed task's branch can be deleted.

use git2::ErrorCode;
use git2::build::CheckoutBuilder;

use super::super::git_err;
use super::Worktree;
use crate::git::{GitError, Repo};

impl Repo {
    /// Worktree `name` on a new branch `branch` at commit `start`: the worktree kept from the
    /// slot's last task when there is a sound one (checked out forcibly, untracked and ignored
    /// files removed: the same files as a new worktree), else a new one ([`Repo::add_worktree`],
    /// which first removes whatever is left at that name).
    ///
    /// # Errors
    /// [`GitError`], e.g. when `branch` exists.
    pub(crate) fn reuse_worktree(
        &self,
        name: &str,
        branch: &str,
        start: &str,
    ) -> Result<Worktree, GitError> {
        match self.put_on_branch(name, branch, start) {
            Ok(Some(tree)) => return Ok(tree),
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, worktree = name, "made anew"),
        }
        // A branch made before the checkout failed is made again with the new worktree.
        if let Err(e) = self.delete_branch(branch)
            && !matches!(&e, GitError::Git2 { source, .. } if source.code() == ErrorCode::NotFound)
        {
            tracing::debug!(error = %e, "a half-made branch stays");
        }
        self.add_worktree(name, branch, start)
    }

    /// [`Repo::reuse_worktree`] on a kept worktree: `None` when there is none, or it is not a
    /// sound worktree of this repository.
    fn put_on_branch(
        &self,
        name: &str,
        branch: &str,
        start: &str,
    ) -> Result<Option<Worktree>, GitError> {
        let kept = match self.inner.find_worktree(name) {
            Ok(kept) => kept,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git_err(format!("open worktree `{name}`"))(e)),
        };
        let path = self.worktrees_dir().join(name);
        if kept.validate().is_err() || kept.path() != path {
            return Ok(None);
        }
        let what = || format!("put worktree `{name}` on `{branch}`");
        let tree = git2::Repository::open_from_worktree(&kept).map_err(git_err(what()))?;
        let made = self.branch_at(branch, start, &what())?;
        let refname = made.get().name().unwrap_or_default().to_owned();
        tree.set_head(&refname).map_err(git_err(what()))?;
        let mut checkout = CheckoutBuilder::new();
        checkout.force().remove_untracked(true).remove_ignored(true);
        tree.checkout_head(Some(&mut checkout))
            .map_err(git_err(what()))?;
        Ok(Some(Worktree {
            worker: name.to_owned(),
            path,
            branch: Some(branch.to_owned()),
        }))
    }

    /// Leaves worktree `name` on no branch, at the commit it is on, when it is still on
    /// `branch` (short name), so that `branch` can be deleted while the worktree is kept for
    /// the slot's next task. Nothing when there is no such worktree, or when it has moved on to
    /// another branch (the slot's next task, whose work must stay on its own branch).
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn detach_worktree(&self, name: &str, branch: &str) -> Result<(), GitError> {
        let kept = match self.inner.find_worktree(name) {
            Ok(kept) => kept,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(()),
            Err(e) => return Err(git_err(format!("open worktree `{name}`"))(e)),
        };
        let what = || format!("detach worktree `{name}`");
        let tree = git2::Repository::open_from_worktree(&kept).map_err(git_err(what()))?;
        let head = tree.head().map_err(git_err(what()))?;
        if head.shorthand().ok() != Some(branch) || !head.is_branch() {
            return Ok(());
        }
        let commit = head.peel_to_commit().map_err(git_err(what()))?;
        tree.set_head_detached(commit.id()).map_err(git_err(what()))
    }
}
