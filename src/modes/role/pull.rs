//! Pulling the remote's turns into the clone, and refusing a remote branch that was rewritten
//! (force-pushed) under it or a clone that diverged while waiting: the commits are kept on a
//! backup ref and the run stops with the command that continues.

use crate::error::{Error, Result};
use crate::git::{FastForward, Repo};
use crate::modes::role::sync::{KeptOnBackup, RoleSync};
use crate::text::short_sha;

impl RoleSync {
    /// Fetches when the remote branch moved, then fast-forwards the clone to it. When the clone
    /// has commits the remote lacks, checks that the remote did not lose commits it had (see
    /// [`RoleSync::refuse_rewrite`]).
    ///
    /// # Errors
    /// A fetch failure; [`crate::git::GitError::WouldOverwrite`] (with a hint) when local files
    /// are in the way; a failure (exit 1) when the remote branch was rewritten.
    pub(crate) fn pull(&self, repo: &Repo, remote_head: Option<&str>) -> Result<FastForward> {
        let Some(head) = remote_head else {
            return Ok(FastForward::UpToDate);
        };
        if repo
            .tracking_id(self.remote.name(), &self.branch)?
            .as_deref()
            != Some(head)
        {
            self.remote.fetch(&self.branch)?;
        }
        let result = repo.fast_forward(self.remote.name(), &self.branch)?;
        if result == FastForward::Advanced {
            self.events.emit(&crate::events::Event::Fetched {
                remote: self.remote.name(),
                branch: &self.branch,
                sha: head,
            });
        }
        if matches!(result, FastForward::Ahead(_) | FastForward::Diverged { .. }) {
            self.refuse_rewrite(repo)?;
        }
        Ok(result)
    }

    /// `<remote>/<branch>`, as a person types it (`origin/main`).
    fn upstream(&self) -> String {
        format!("{}/{}", self.remote.name(), self.branch)
    }

    /// Refuses to go on when the remote branch was rewritten (force-pushed) after this clone
    /// had it: the remote lacks commits that this clone has and that were on the remote before
    /// (the remote-tracking ref's reflog says so). Pushing them again would undo the rewrite,
    /// and waiting would never see a turn; so HEAD is kept on a backup ref and the run stops
    /// with the command that continues from the remote.
    ///
    /// # Errors
    /// A failure (exit 1) naming the lost commit and the backup ref, with a hint.
    pub(crate) fn refuse_rewrite(&self, repo: &Repo) -> Result<()> {
        let Some(lost) = repo.rewritten_tip(&self.tracking_ref())? else {
            return Ok(());
        };
        let backup = repo.backup_head()?;
        let upstream = self.upstream();
        Err(KeptOnBackup::error(
            format!(
                "the remote branch {upstream} was rewritten (force-pushed): it no longer has \
                 commit {}, which this clone got from it; local commits are kept on {backup}",
                short_sha(&lost)
            ),
            format!("to continue from the remote: git reset --hard {upstream}, then restart baton"),
        ))
    }

    /// The error for a clone that diverged from the remote while waiting (a commit made in this
    /// clone while the peer pushed its turn): HEAD is kept on a backup ref.
    ///
    /// # Errors
    /// [`crate::git::GitError`] when the backup ref cannot be written.
    pub(crate) fn diverged(&self, repo: &Repo, ahead: usize, behind: usize) -> Result<Error> {
        let backup = repo.backup_head()?;
        let upstream = self.upstream();
        Ok(Error::failed(format!(
            "this clone diverged from {upstream} while waiting: {ahead} local commit(s) the \
             remote lacks, {behind} remote commit(s) not here; local commits are kept on {backup}"
        ))
        .with_hint(format!(
            "to continue from the remote: git reset --hard {upstream} (or keep the local commits: \
             git rebase {upstream}), then restart baton"
        )))
    }
}
