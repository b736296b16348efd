//! The handoff's git work: pulling the peer's turn, and pushing stamps without ever merging the
//! state file or force-pushing (SPEC §7).

use std::time::Duration;

use crate::config::Config;
use crate::error::{Context as _, Error, Result};
use crate::git::{FastForward, Remote, Repo, SyncError, short_sha};
use crate::state::parse_state;

/// Push attempts after a rejection whose cause can be replayed away (someone pushed unrelated
/// commits). Backoff doubles from [`FIRST_BACKOFF`].
const PUSH_ATTEMPTS: u32 = 5;
/// The first wait before a retried push.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Where and what role mode syncs.
#[derive(Clone, Debug)]
pub struct RoleSync {
    /// The remote (system git).
    pub remote: Remote,
    /// The branch both actors share.
    pub branch: String,
    /// The state file, relative to the work tree root.
    pub state_rel: String,
}

impl RoleSync {
    /// The sync settings for `config` in `repo` on `branch`.
    ///
    /// # Errors
    /// A usage error when the state or journal file lies outside the repository.
    pub fn new(config: &Config, repo: &Repo, branch: String) -> Result<RoleSync> {
        let rel = |p: &std::path::Path| {
            repo.relative(p).ok_or_else(|| {
                Error::usage(format!("`{}` is outside the git repository", p.display()))
            })
        };
        rel(&config.journal_file)?; // committed with every stamp, so it must be inside too
        Ok(RoleSync {
            remote: Remote::new(repo.workdir(), &config.git.remote),
            branch,
            state_rel: rel(&config.state_file)?,
        })
    }

    /// `refs/remotes/<remote>/<branch>`.
    #[must_use]
    pub fn tracking_ref(&self) -> String {
        format!("refs/remotes/{}/{}", self.remote.name(), self.branch)
    }

    /// Fetches when the remote branch moved, then fast-forwards the clone to it. When the clone
    /// has commits the remote lacks, checks that the remote did not lose commits it had (see
    /// [`RoleSync::refuse_rewrite`]).
    ///
    /// # Errors
    /// A fetch failure; [`crate::git::GitError::WouldOverwrite`] (with a hint) when local files
    /// are in the way; a failure (exit 1) when the remote branch was rewritten.
    pub fn pull(&self, repo: &Repo, remote_head: Option<&str>) -> Result<FastForward> {
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
    fn refuse_rewrite(&self, repo: &Repo) -> Result<()> {
        let Some(lost) = repo.rewritten_tip(&self.tracking_ref())? else {
            return Ok(());
        };
        let backup = repo.backup_head()?;
        let upstream = self.upstream();
        Err(Error::failed(format!(
            "the remote branch {upstream} was rewritten (force-pushed): it no longer has commit \
             {}, which this clone got from it; local commits are kept on {backup}",
            short_sha(&lost)
        ))
        .with_hint(format!(
            "to continue from the remote: git reset --hard {upstream}, then restart baton"
        )))
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

    /// Pushes HEAD. A rejected push is fetched and fenced: when the remote state file is the one
    /// our local commits were based on, the local commits are replayed on top of the remote and
    /// the push retried (bounded, with backoff); when someone else wrote the state, the local
    /// commits are kept on a backup ref and the run stops. Never force-pushes.
    ///
    /// # Errors
    /// A failure (exit 1) for a stale stamp or a push the remote keeps refusing (its message
    /// included, with a hint); [`SyncError`] for other git failures.
    pub fn push_fenced(&self, repo: &Repo) -> Result<()> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let rejection = match self.remote.push(&self.branch) {
                Ok(()) => return Ok(()),
                Err(e @ SyncError::PushRejected { .. }) => e,
                Err(e) => return Err(e.into()),
            };
            self.remote
                .fetch(&self.branch)
                .context("fetch after a rejected push")?;
            let tracking = self.tracking_ref();
            let hint = "the stamp is kept in the local commits; restart baton to push it";
            if repo.is_ancestor(&tracking, "HEAD")? {
                // Nothing to replay: the remote refuses the push itself (a hook, permissions).
                return Err(
                    Error::failed(rejection).with_hint(format!("{hint} once that is fixed"))
                );
            }
            if attempt >= PUSH_ATTEMPTS {
                let text = format!("{rejection} ({PUSH_ATTEMPTS} attempts)");
                return Err(Error::failed(text).with_hint(hint));
            }
            self.fence(repo, &tracking)?;
            let replayed = repo.replay_onto_tracking(self.remote.name(), &self.branch)?;
            note!(
                "[baton] remote moved on with commits of its own; replayed {replayed} local \
                 commit(s) on top (attempt {attempt}/{PUSH_ATTEMPTS})"
            );
            std::thread::sleep(backoff);
            backoff *= 2;
            attempt += 1;
        }
    }

    /// Refuses (keeping a backup ref) when the remote's state file is not the one the local
    /// commits started from.
    fn fence(&self, repo: &Repo, tracking: &str) -> Result<()> {
        let base = repo.merge_base("HEAD", tracking)?;
        let ours = match &base {
            Some(b) => self.generation_at(repo, b)?,
            None => None,
        };
        let theirs = self.generation_at(repo, tracking)?;
        if ours == theirs {
            return Ok(());
        }
        let backup = repo.backup_head()?;
        let show = |g: Option<u64>| g.map_or_else(|| "none".to_owned(), |g| g.to_string());
        Err(Error::failed(format!(
            "stale stamp refused: the remote state moved on to generation {} while this turn \
             started from generation {}; someone else stamped it. Local commits are kept on \
             {backup}",
            show(theirs),
            show(ours)
        ))
        .with_hint(format!(
            "to continue from the remote: git reset --hard {tracking}"
        )))
    }

    /// The state's generation in commit `rev`, `None` when the file is absent there.
    fn generation_at(&self, repo: &Repo, rev: &str) -> Result<Option<u64>> {
        let Some(bytes) = repo.read_at(rev, &self.state_rel)? else {
            return Ok(None);
        };
        let path = std::path::Path::new(&self.state_rel);
        Ok(Some(parse_state(path, &bytes)?.state.generation))
    }
}
