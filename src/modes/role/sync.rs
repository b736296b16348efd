//! The handoff's git work: pulling the peer's turn, and pushing stamps without ever merging the
//! state file line by line or force-pushing (README, "Two machines").

use std::time::Duration;

use crate::config::Config;
use crate::error::{Context as _, Error, ErrorKind, Result};
use crate::git::{Remote, Repo, SyncError};
use crate::modes::FlagChange;
use crate::modes::role::provenance::Step;
use crate::state::{State, parse_state};
use crate::turn::{Claimed, Workspace};

/// Push attempts after a rejection whose cause can be replayed away (someone pushed unrelated
/// commits). Backoff doubles from [`FIRST_BACKOFF`].
pub(crate) const PUSH_ATTEMPTS: u32 = 5;
/// The first wait before a retried push.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// The remote's state moved on since the local commits' base by more than a person's fields.
pub(crate) struct Moved {
    /// The merge base of HEAD and the remote, if any.
    pub(crate) base: Option<String>,
    /// The oldest remote commit that changed more than a person's fields, when one is found.
    pub(crate) culprit: Option<Box<Step>>,
}

/// A refusal that kept the local commits on a backup ref (`refs/baton/backup/…`): they will
/// never be pushed as they are, so a stamp among them is not finished by the next start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct KeptOnBackup(pub(crate) String);

impl KeptOnBackup {
    /// The run's error (exit 1) with `hint`.
    pub(crate) fn error(text: String, hint: String) -> Error {
        Error::new(ErrorKind::Failed, KeptOnBackup(text)).with_hint(hint)
    }
}

/// Where and what role mode syncs.
#[derive(Clone, Debug)]
pub(crate) struct RoleSync {
    /// The remote (system git).
    pub remote: Remote,
    /// The branch both actors share.
    pub branch: String,
    /// The state file, relative to the work tree root.
    pub state_rel: String,
    /// Where its notices go (the run's event stream once the run has one).
    pub events: crate::events::Events,
}

impl RoleSync {
    /// The sync settings for `config` in `repo` on `branch`.
    ///
    /// # Errors
    /// A usage error when the state or journal file lies outside the repository.
    pub(crate) fn new(config: &Config, repo: &Repo, branch: String) -> Result<RoleSync> {
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
            events: crate::events::Events::console(),
        })
    }

    /// `refs/remotes/<remote>/<branch>`.
    #[must_use]
    pub(crate) fn tracking_ref(&self) -> String {
        format!("refs/remotes/{}/{}", self.remote.name(), self.branch)
    }

    /// Pushes HEAD. A rejected push is fetched and fenced: when the remote changed the state
    /// file only as a person may during a turn (the stop flag, notes, its formatting), the
    /// local commits are replayed on top of the remote with that change taken in and the push
    /// retried (bounded, with backoff); when it changed more, the local commits are kept on a
    /// backup ref and the run stops. Never force-pushes.
    ///
    /// # Errors
    /// A failure (exit 1) for a stale stamp, a rewritten remote branch ([`KeptOnBackup`]) or a
    /// push the remote keeps refusing (its message included, with a hint); [`SyncError`] for
    /// other git failures.
    pub(crate) fn push_fenced(&self, repo: &Repo) -> Result<()> {
        match self.push_or_replay(repo)? {
            None => Ok(()),
            Some(moved) => Err(self.stale(repo, &moved)?),
        }
    }

    /// The error for local commits refused because someone else wrote the state: HEAD is kept
    /// on a backup ref; the message names the commit that did it.
    ///
    /// # Errors
    /// [`crate::git::GitError`] when the backup ref cannot be written.
    pub(crate) fn stale(&self, repo: &Repo, moved: &Moved) -> Result<Error> {
        let backup = repo.backup_head()?;
        let tracking = self.tracking_ref();
        let who = match &moved.culprit {
            Some(step) => format!(
                "commit {} changed {} of it",
                step.describe(),
                step.what_changed()
            ),
            None => "it is not readable there".to_owned(),
        };
        Ok(KeptOnBackup::error(
            format!(
                "stale stamp refused: the remote state moved on while this turn ran ({who}); \
                 someone else stamped it. Local commits are kept on {backup}"
            ),
            format!("to continue from the remote: git reset --hard {tracking}"),
        ))
    }

    /// Pushes a running marker as a compare-and-swap: the claim is won only when it reaches the
    /// remote on top of the state it was made from. Unrelated commits on the remote are
    /// replayed under it (as [`Self::push_fenced`] does); when the remote state moved on
    /// (another daemon claimed or stamped the turn first), the claim commit is dropped, the
    /// clone is reset to the remote, and the claim is [`Claimed::Lost`], naming the holder.
    ///
    /// # Errors
    /// As [`Self::push_fenced`]; also when local commits other than the claim would be lost
    /// by the reset (they are kept on a backup ref then).
    pub(crate) fn push_claim(&self, repo: &Repo) -> Result<Claimed> {
        let Some(moved) = self.push_or_replay(repo)? else {
            return Ok(Claimed::Won);
        };
        let tracking = self.tracking_ref();
        self.drop_state_commits(repo, &moved)?;
        let holder = match repo.read_at(&tracking, &self.state_rel)? {
            Some(bytes) => {
                let path = std::path::Path::new(&self.state_rel);
                let state = parse_state(path, &bytes)?.state;
                let owner = state.lease_owner.as_deref().unwrap_or("nobody");
                format!(
                    "{} (state {}, lease {owner})",
                    state.expected_actor, state.status
                )
            }
            None => "unknown".to_owned(),
        };
        Ok(Claimed::Lost(holder))
    }

    /// Publishes the stop flag through the remote (`baton stop` from any clone, or a daemon
    /// that took a local stop request while waiting): fast-forward, set `exit`/`exit_reason`,
    /// commit the state as `[SYNC i=<it>] stop: <reason>`, push; when someone else wrote the
    /// state meanwhile, the stop commit is dropped and made again on top (bounded).
    ///
    /// # Errors
    /// Git and state errors; a remote that keeps moving.
    pub(crate) fn publish_stop(
        &self,
        runner: &Workspace,
        repo: &Repo,
        reason: &str,
    ) -> Result<State> {
        self.publish_flag(runner, repo, &FlagChange::Set(reason.to_owned()))
    }

    /// Sets or clears the stop flag on the remote's latest state, as [`RoleSync::publish_stop`]
    /// does for setting it; a cleared flag is committed as `[SYNC i=<it>] resume: <why>`.
    ///
    /// # Errors
    /// As [`RoleSync::publish_stop`].
    pub(crate) fn publish_flag(
        &self,
        runner: &Workspace,
        repo: &Repo,
        change: &FlagChange,
    ) -> Result<State> {
        for _ in 0..PUSH_ATTEMPTS {
            let head = self.remote.ls_remote(&self.branch)?;
            self.pull(repo, head.as_deref())?;
            let mut state = runner.load_state()?;
            change.write(runner, &mut state)?;
            match self.push_or_replay(repo)? {
                None => return Ok(state),
                Some(moved) => self.drop_state_commits(repo, &moved)?,
            }
        }
        Err(Error::failed(format!(
            "the remote kept moving; the stop flag was not published after {PUSH_ATTEMPTS} \
             attempts"
        ))
        .with_hint("run baton stop again"))
    }

    /// Resets the clone to the remote after someone else wrote the state, dropping local
    /// commits that touched only the state file (a claim or a stop); anything else is kept on a
    /// backup ref and stops the run.
    fn drop_state_commits(&self, repo: &Repo, moved: &Moved) -> Result<()> {
        let tracking = self.tracking_ref();
        let base = moved.base.as_deref().unwrap_or(tracking.as_str());
        if !repo.only_touches(base, "HEAD", std::slice::from_ref(&self.state_rel))? {
            let backup = repo.backup_head()?;
            return Err(Error::failed(format!(
                "someone else wrote the state while this clone had local commits besides its \
                 own state changes; they are kept on {backup}"
            ))
            .with_hint(format!(
                "to continue from the remote: git reset --hard {tracking}"
            )));
        }
        Ok(repo.reset_hard(&tracking)?)
    }

    /// Pushes HEAD; after a rejection, fetches and replays the local commits onto the remote
    /// while the remote changed the state file only as a person may during a turn (see
    /// [`Self::pin_for_replay`]). Returns `None` once pushed, or what moved when the remote
    /// changed more.
    ///
    /// # Errors
    /// A rewritten remote branch ([`KeptOnBackup`]), a push the remote itself refuses, one
    /// that keeps being rejected, git errors.
    pub(crate) fn push_or_replay(&self, repo: &Repo) -> Result<Option<Moved>> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let rejection = match self.remote.push(&self.branch) {
                Ok(()) => return Ok(None),
                Err(e @ SyncError::PushRejected { .. }) => e,
                Err(e) => return Err(e.into()),
            };
            self.remote
                .fetch(&self.branch)
                .context("fetch after a rejected push")?;
            // Replaying onto a rewritten branch would push the rewritten-away commits back.
            self.refuse_rewrite(repo)?;
            let tracking = self.tracking_ref();
            let hint = "the local commits are kept; restart baton to push them";
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
            let base = repo.merge_base("HEAD", &tracking)?;
            let pinned = match self.pin_for_replay(repo, base.as_deref(), &tracking)? {
                Ok(pinned) => pinned,
                Err(moved) => return Ok(Some(moved)),
            };
            let pin = pinned.as_deref().map(|b| (self.state_rel.as_str(), b));
            let replayed = repo.replay_onto_tracking_with(self.remote.name(), &self.branch, pin)?;
            warn_line!(
                self.events,
                "[baton] remote moved on with commits of its own; replayed {replayed} local \
                 commit(s) on top (attempt {attempt}/{PUSH_ATTEMPTS})"
            );
            std::thread::sleep(backoff);
            backoff *= 2;
            attempt += 1;
        }
    }

    /// What the replayed local commits get as the state file, judged field by field whatever
    /// the generation and the formatting: `Ok(None)` when the remote did not touch the file;
    /// the local state with the person's changes taken in (the stop flag, new notes) and a
    /// generation above both, when the remote's commits changed nothing else; `Err(Moved)`
    /// when one of them changed more (someone else stamped, or a foreign commit).
    fn pin_for_replay(
        &self,
        repo: &Repo,
        base: Option<&str>,
        tracking: &str,
    ) -> Result<std::result::Result<Option<Vec<u8>>, Moved>> {
        let at_base = match base {
            Some(base) => repo.read_at(base, &self.state_rel)?,
            None => None,
        };
        if at_base == repo.read_at(tracking, &self.state_rel)? {
            return Ok(Ok(None));
        }
        let moved = |culprit: Option<Step>| Moved {
            base: base.map(str::to_owned),
            culprit: culprit.map(Box::new),
        };
        if let Some(culprit) = self.first_turn_change(repo, tracking)? {
            return Ok(Err(moved(Some(culprit))));
        }
        let read = |rev: &str| self.state_at(repo, rev).ok().flatten();
        let (Some(base), Some(theirs), Some(ours)) =
            (base.and_then(read), read(tracking), read("HEAD"))
        else {
            return Ok(Err(moved(None)));
        };
        let mut merged = ours.with_person_changes(&base, &theirs);
        let store = crate::state::StateStore::new(self.state_rel.clone().into());
        merged.generation = store.next_generation(ours.generation.max(theirs.generation))?;
        if merged.stop_requested() != ours.stop_requested() {
            warn_line!(
                self.events,
                "[baton] the stop flag was changed on the remote during the turn; merged into \
                 this stamp: {}",
                merged
                    .stop_requested()
                    .unwrap_or_else(|| "cleared".to_owned())
            );
        }
        Ok(Ok(Some(crate::state::to_bytes(&merged))))
    }

    /// The state in commit `rev`, `None` when the file is absent there.
    pub(crate) fn state_at(&self, repo: &Repo, rev: &str) -> Result<Option<State>> {
        let Some(bytes) = repo.read_at(rev, &self.state_rel)? else {
            return Ok(None);
        };
        let path = std::path::Path::new(&self.state_rel);
        Ok(Some(parse_state(path, &bytes)?.state))
    }
}
