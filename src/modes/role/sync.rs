//! The handoff's git work: pulling the peer's turn, and pushing stamps without ever merging the
//! state file or force-pushing (README, "Two machines").

use std::time::Duration;

use crate::config::Config;
use crate::error::{Context as _, Error, Result};
use crate::git::{FastForward, Remote, Repo, SyncError, short_sha};
use crate::modes::FlagChange;
use crate::state::{State, parse_state};
use crate::turn::{Claimed, Runner};

/// Push attempts after a rejection whose cause can be replayed away (someone pushed unrelated
/// commits). Backoff doubles from [`FIRST_BACKOFF`].
const PUSH_ATTEMPTS: u32 = 5;
/// The first wait before a retried push.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// The remote's state moved on since the local commits' base (someone else wrote it).
struct Moved {
    /// The merge base of HEAD and the remote, if any.
    base: Option<String>,
    /// The state generation at the base.
    ours: Option<u64>,
    /// The state generation on the remote.
    theirs: Option<u64>,
}

/// A generation for messages (`none` when the file is absent).
fn show(generation: Option<u64>) -> String {
    generation.map_or_else(|| "none".to_owned(), |g| g.to_string())
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
        })
    }

    /// `refs/remotes/<remote>/<branch>`.
    #[must_use]
    pub(crate) fn tracking_ref(&self) -> String {
        format!("refs/remotes/{}/{}", self.remote.name(), self.branch)
    }

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
            crate::events::emit(&crate::events::Event::Fetched {
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
    pub(crate) fn push_fenced(&self, repo: &Repo) -> Result<()> {
        let Some(moved) = self.push_or_replay(repo)? else {
            return Ok(());
        };
        let backup = repo.backup_head()?;
        let tracking = self.tracking_ref();
        Err(Error::failed(format!(
            "stale stamp refused: the remote state moved on to generation {} while this turn \
             started from generation {}; someone else stamped it. Local commits are kept on \
             {backup}",
            show(moved.theirs),
            show(moved.ours)
        ))
        .with_hint(format!(
            "to continue from the remote: git reset --hard {tracking}"
        )))
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
    pub(crate) fn publish_stop(&self, runner: &Runner, repo: &Repo, reason: &str) -> Result<State> {
        self.publish_flag(runner, repo, &FlagChange::Set(reason.to_owned()))
    }

    /// Sets or clears the stop flag on the remote's latest state, as [`RoleSync::publish_stop`]
    /// does for setting it; a cleared flag is committed as `[SYNC i=<it>] resume: <why>`.
    ///
    /// # Errors
    /// As [`RoleSync::publish_stop`].
    pub(crate) fn publish_flag(
        &self,
        runner: &Runner,
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
    /// while the remote's state file is still the one they were based on. Returns `None` once
    /// pushed, or what moved when someone else wrote the state.
    fn push_or_replay(&self, repo: &Repo) -> Result<Option<Moved>> {
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
            let ours = match &base {
                Some(b) => self.generation_at(repo, b)?,
                None => None,
            };
            let theirs = self.generation_at(repo, &tracking)?;
            let mut pinned = None;
            if ours != theirs {
                match self.stop_merged(repo, base.as_deref(), &tracking)? {
                    Some(state) => {
                        warn_line!(
                            "[baton] the stop flag was set on the remote during the turn; \
                             merged into this stamp: {}",
                            state.stop_requested().unwrap_or_default()
                        );
                        pinned = Some(crate::state::to_bytes(&state));
                    }
                    None => return Ok(Some(Moved { base, ours, theirs })),
                }
            }
            let pin = pinned.as_deref().map(|b| (self.state_rel.as_str(), b));
            let replayed = repo.replay_onto_tracking_with(self.remote.name(), &self.branch, pin)?;
            warn_line!(
                "[baton] remote moved on with commits of its own; replayed {replayed} local \
                 commit(s) on top (attempt {attempt}/{PUSH_ATTEMPTS})"
            );
            std::thread::sleep(backoff);
            backoff *= 2;
            attempt += 1;
        }
    }

    /// When the remote's state differs from the base in what a person may write during a turn
    /// — the stop flag (`exit`, `exit_reason`) and `pending_notes` — and in nothing else but
    /// `generation` and `last_update` (a person's `baton stop` / `baton note` or hand edit), the
    /// local HEAD's state with that flag and the new notes taken in and a generation above
    /// both; `None` for any other change (someone else stamped: a stale stamp).
    fn stop_merged(
        &self,
        repo: &Repo,
        base: Option<&str>,
        tracking: &str,
    ) -> Result<Option<State>> {
        let (Some(base), Some(theirs), Some(ours)) = (
            base.map(|b| self.state_at(repo, b)).transpose()?.flatten(),
            self.state_at(repo, tracking)?,
            self.state_at(repo, "HEAD")?,
        ) else {
            return Ok(None);
        };
        // What a person may write while a turn runs: the stop flag and notes.
        let without_person = |s: &State| State {
            exit: None,
            exit_reason: None,
            notes: Vec::new(),
            generation: 0,
            last_update: None,
            ..s.clone()
        };
        let stop_changed = (&base.exit, &base.exit_reason) != (&theirs.exit, &theirs.exit_reason);
        let notes_changed = base.notes != theirs.notes;
        if !(stop_changed || notes_changed) || without_person(&base) != without_person(&theirs) {
            return Ok(None);
        }
        let mut merged = ours.clone();
        if stop_changed {
            merged.exit.clone_from(&theirs.exit);
            merged.exit_reason.clone_from(&theirs.exit_reason);
        }
        for note in &theirs.notes {
            if !base.notes.contains(note) && !merged.notes.contains(note) {
                merged.notes.push(note.clone());
            }
        }
        let store = crate::state::StateStore::new(self.state_rel.clone().into());
        merged.generation = store.next_generation(ours.generation.max(theirs.generation))?;
        Ok(Some(merged))
    }

    /// The state in commit `rev`, `None` when the file is absent there.
    pub(crate) fn state_at(&self, repo: &Repo, rev: &str) -> Result<Option<State>> {
        let Some(bytes) = repo.read_at(rev, &self.state_rel)? else {
            return Ok(None);
        };
        let path = std::path::Path::new(&self.state_rel);
        Ok(Some(parse_state(path, &bytes)?.state))
    }

    /// The state's generation in commit `rev`, `None` when the file is absent there.
    fn generation_at(&self, repo: &Repo, rev: &str) -> Result<Option<u64>> {
        Ok(self.state_at(repo, rev)?.map(|s| s.generation))
    }
}
