//! Role mode (README, "Two machines"): one actor per machine, handing turns over through a
//! git remote.
//!
//! Start: pull, push any local stamps the remote lacks (a restart after a crash or a refused
//! push; the agent does not run again for a stamped turn), create the state if galph finds none.
//! Then, per turn: wait for the turn and check that Baton handed it over (`provenance.rs`),
//! claim it (running marker committed under a claim id, pushed while the agent starts), run it
//! with the shared runner and the push guard in the agent's environment (`guard.rs`), put the
//! claim back if the agent rewound the branch (`rewind.rs`), stamp it, push once. The state
//! file is never merged line by line: a remote change of a person's fields is taken field by
//! field (`sync.rs`), a foreign one raises the alarm (`alarm.rs`). A remote branch rewritten
//! under the clone (a force-push that dropped commits the clone had), or a clone that diverges
//! while waiting, stops the daemon with exit 1 and a backup ref instead of pushing the dropped
//! commits back or waiting blind (`pull.rs`, `wait.rs`).

mod alarm;
mod guard;
mod hooks;
mod provenance;
mod pull;
mod rewind;
mod sync;
mod wait;

use std::sync::mpsc;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::executor::wake_on_signal;
use crate::git::{FastForward, RemoteProbe, Repo};
use crate::modes::FlagChange;
use crate::modes::run::{Mode, Plan};
use crate::state::{Actor, State};
use crate::turn::{Session, TurnHooks};

pub(crate) use sync::RoleSync;
pub(crate) use wait::{TurnTaken, is_turn_of};

use hooks::RoleHooks;
use wait::Waiter;

/// Role mode: this process runs its actors' turns, taking them through the git remote. It
/// holds the repository it syncs (a role-mode run without git cannot be made).
pub(crate) struct Role<'a> {
    repo: &'a Repo,
    sync: RoleSync,
    probe: RemoteProbe,
    wake: mpsc::Receiver<()>,
    once: bool,
    take_over: Option<String>,
}

impl<'a> Role<'a> {
    /// Role mode for `session`'s repository, syncing through `sync`.
    ///
    /// # Errors
    /// A usage error (exit 2) when the session has no repository (`--no-git`).
    pub(crate) fn new(session: &'a Session, mut sync: RoleSync) -> Result<Role<'a>> {
        let repo = session
            .repo
            .as_ref()
            .ok_or_else(|| Error::usage("role mode (--sync-via-git) needs git (not --no-git)"))?;
        sync.events = session.events.clone();
        let (tx, wake) = mpsc::channel();
        wake_on_signal(tx.clone());
        let probe = RemoteProbe::new(sync.remote.clone(), &sync.branch, tx, &session.events);
        Ok(Role {
            repo,
            sync,
            probe,
            wake,
            once: false,
            take_over: None,
        })
    }

    /// The same, for one turn found ready (a pool worker's, `baton work`): its boundary looks
    /// once and never waits; a turn no longer there ends the run with [`TurnTaken`]. With
    /// `take_over` (a lease owner, `<host>:<pid>`), a turn still marked running under that
    /// owner counts as there: a pool worker's turn whose claim on the turn ran out.
    #[must_use]
    pub(crate) fn once(mut self, take_over: Option<String>) -> Role<'a> {
        self.once = true;
        self.take_over = take_over;
        self
    }
}

/// Role mode's guards before anything runs: the right branch (exit 2), no rebase or merge in
/// progress (exit 1, with the command that fixes it), a configured remote (exit 2); the sync
/// they allow.
///
/// # Errors
/// As above; git errors.
pub(crate) fn guarded_sync(config: &Config, repo: &Repo) -> Result<RoleSync> {
    // First: a stopped rebase also detaches HEAD, and its fix is what the user needs.
    if let Some(op) = repo.in_progress() {
        let text = format!(
            "a git operation is in progress in {}",
            repo.workdir().display()
        );
        return Err(
            Error::failed(text).with_hint(format!("run `{}` (or finish it) first", op.fix()))
        );
    }
    let current = repo
        .branch()?
        .ok_or_else(|| Error::usage("HEAD is detached; role mode needs a branch checked out"))?;
    let branch = config.git.branch.clone().unwrap_or_else(|| current.clone());
    if branch != current {
        let text = format!(
            "on branch `{current}`, but role mode syncs `{branch}` (git.branch / --branch)"
        );
        return Err(Error::usage(text).with_hint(format!("run `git switch {branch}` first")));
    }
    let sync = RoleSync::new(config, repo, branch)?;
    sync.remote
        .url()
        .map_err(|e| Error::usage(format!("git.remote `{}`: {e}", config.git.remote)))?;
    Ok(sync)
}

impl Mode for Role<'_> {
    fn start(&mut self, session: &Session, plan: &Plan) -> Result<()> {
        start(session, self.repo, &self.sync, &self.probe, plan)
    }

    fn boundary(&mut self, session: &Session, plan: &Plan) -> Result<State> {
        let waiter = Waiter {
            runner: session,
            repo: self.repo,
            sync: &self.sync,
            probe: &self.probe,
            wake: &self.wake,
            once: self.once,
            take_over: self.take_over.as_deref(),
        };
        waiter.wait(&plan.actors)
    }

    fn write(&mut self, session: &Session, change: FlagChange) -> Result<()> {
        self.sync
            .publish_flag(session, self.repo, &change)
            .map(drop)
    }

    /// Nothing here: the boundary waits until the turn is no longer waiting for a person.
    fn await_answer(&mut self, _: &Session, _: &State) -> Result<()> {
        Ok(())
    }

    fn hooks(&mut self, session: &Session, _: Actor) -> Result<Box<dyn TurnHooks + '_>> {
        let env = guard::agent_env(self.repo, session.run_dir(), &self.sync.branch)?;
        Ok(Box::new(RoleHooks::new(&self.sync, env)))
    }
}

/// Brings the clone level with the remote before the first wait.
fn start(
    runner: &Session,
    repo: &Repo,
    sync: &RoleSync,
    probe: &RemoteProbe,
    plan: &Plan,
) -> Result<()> {
    settle_state_file(runner, repo, sync)?;
    let head = probe.head()?;
    match sync.pull(repo, head.as_deref())? {
        FastForward::UpToDate | FastForward::Advanced => {}
        FastForward::Diverged { .. } if rewound_own_claim(repo, sync, &plan.actors)? => {}
        FastForward::Ahead(n) | FastForward::Diverged { ahead: n, .. } => {
            warn_line!(
                runner.events,
                "[baton] resuming: pushing {n} local commit(s) the remote lacks"
            );
            sync.push_fenced(repo)?;
        }
    }
    if head.is_none() {
        warn_line!(
            runner.events,
            "[baton] the remote has no branch `{}` yet; publishing it",
            sync.branch
        );
        sync.push_fenced(repo)?;
    }
    // The daemon of the actor each iteration starts with makes the first state.
    if plan.actors.contains(&plan.workflow.start) && runner.store.load()?.is_none() {
        let mut state = State::default();
        runner.store.save(&mut state)?;
        let subject = crate::turn::subject::INIT_SUBJECT;
        let sha = repo.commit_paths(std::slice::from_ref(&sync.state_rel), subject)?;
        runner
            .events
            .committed(crate::events::CommitKind::State, &sha, subject);
        sync.push_fenced(repo)?;
    }
    Ok(())
}

/// A run of this actor on this machine died during its turn after its agent rewound the
/// branch under the claim (the clone lacks the claim the remote holds, whose owner is dead):
/// the agent's commits go to a backup ref and the clone to the remote, so the turn runs again.
/// Returns whether it was so.
fn rewound_own_claim(repo: &Repo, sync: &RoleSync, actors: &[Actor]) -> Result<bool> {
    let tracking = sync.tracking_ref();
    let Some(theirs) = sync.state_at(repo, &tracking).ok().flatten() else {
        return Ok(false);
    };
    let ours = theirs
        .status
        .running_actor()
        .is_some_and(|actor| actors.contains(&actor) && wait::is_turn_of(&theirs, actor));
    if !ours || repo.is_ancestor(&tracking, "HEAD")? {
        return Ok(false);
    }
    let kept = repo.backup_head()?;
    repo.reset_hard(&tracking)?;
    warn_line!(
        sync.events,
        "[baton] a previous run's agent rewound the branch under its claim; its commits are \
         kept on {kept}, and the turn runs again from {}",
        sync.tracking_ref()
    );
    Ok(true)
}

/// In role mode every state write of Baton is committed, and agents' writes are ignored, so a
/// state file that differs from HEAD at start (after [`Workspace::recover`](crate::turn::Workspace::recover)) is the running marker
/// of a run killed before its claim commit. It would block the fast-forward to the remote, so
/// it is restored from HEAD (the turn runs again); a stop flag found in it is kept as a stop
/// request, so it is published rather than lost.
fn settle_state_file(runner: &Session, repo: &Repo, sync: &RoleSync) -> Result<()> {
    let paths = std::slice::from_ref(&sync.state_rel);
    if !repo.differs_from_head(paths)? {
        return Ok(());
    }
    let flag = runner
        .store
        .load()
        .ok()
        .flatten()
        .and_then(|l| l.state.stop_requested());
    let committed = repo.read_at("HEAD", &sync.state_rel)?;
    let committed_flag = committed.as_deref().and_then(|bytes| {
        let path = std::path::Path::new(&sync.state_rel);
        crate::state::parse_state(path, bytes)
            .ok()?
            .state
            .stop_requested()
    });
    if let Some(reason) = flag.filter(|_| committed_flag.is_none()) {
        runner.inbox.request_stop(&reason)?;
    }
    repo.restore_from_head(&sync.state_rel)?;
    warn_line!(
        runner.events,
        "[baton] {} held uncommitted changes left by an interrupted run; restored it from HEAD",
        sync.state_rel
    );
    Ok(())
}

#[cfg(test)]
mod tests;
