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

use crate::error::{Error, Result};
use crate::executor::wake_on_signal;
use crate::git::{FastForward, RemoteProbe, Repo};
use crate::modes::{budget_gate, check_signal};
use crate::state::{Actor, State};
use crate::turn::{Session, TurnEnd};

pub(crate) use sync::RoleSync;

use hooks::RoleHooks;
use wait::Waiter;

/// Runs `turns` turns of `actor` in role mode, syncing through `sync`.
///
/// # Errors
/// A failed turn's exit (after its `failed` stamp is pushed), `max_wait`, a stale stamp, guard
/// and git errors.
pub(crate) fn run_role(runner: &Session, actor: Actor, turns: u64, sync: &RoleSync) -> Result<()> {
    let repo = runner
        .repo
        .as_ref()
        .ok_or_else(|| Error::usage("role mode needs a git repository"))?;
    let (tx, wake) = mpsc::channel();
    wake_on_signal(tx.clone());
    let probe = RemoteProbe::new(sync.remote.clone(), &sync.branch, tx, &runner.events);
    start(runner, repo, sync, &probe, actor)?;
    let waiter = Waiter {
        runner,
        repo,
        sync,
        probe: &probe,
        wake: &wake,
    };
    let mut done = 0;
    while done < turns {
        let state = waiter.wait(actor)?;
        let mut publish = |change| sync.publish_flag(runner, repo, &change).map(drop);
        match budget_gate(runner, &state, actor == Actor::GALPH, &mut publish)? {
            Some(stop) => return stop.finish(&runner.events),
            None if state.stop_requested().is_some() => continue, // a raised budget: wait again
            None => {}
        }
        if crate::modes::limit::wait_out(runner, &state)? {
            continue; // a stop request: the waiter publishes it
        }
        let mut publish = |change| sync.publish_flag(runner, repo, &change).map(drop);
        if crate::modes::approval::gate(runner, &state, actor, &mut publish)?
            == crate::modes::approval::Gate::Closed
        {
            continue; // the waiter waits for the answer
        }
        let env = guard::agent_env(repo, runner.run_dir(), &sync.branch)?;
        let escalation = crate::modes::escalation(runner, actor);
        let report = match runner.run_turn(actor, escalation, &mut RoleHooks::new(sync, env))? {
            // Another daemon of this actor won the claim: wait for the next turn.
            TurnEnd::Lost(_) => continue,
            TurnEnd::Done(report) => report,
        };
        // A limited turn runs again: it does not count.
        if report.state.status != crate::state::Status::Limited {
            done += 1;
        }
        if done == turns {
            let state = &report.state;
            info_line!(
                runner.events,
                "[baton] {turns} {actor} turn(s) done; state {} at iteration {}, next {}",
                state.status,
                state.iteration,
                state.expected_actor
            );
        }
    }
    check_signal()
}

/// Brings the clone level with the remote before the first wait.
fn start(
    runner: &Session,
    repo: &Repo,
    sync: &RoleSync,
    probe: &RemoteProbe,
    actor: Actor,
) -> Result<()> {
    settle_state_file(runner, repo, sync)?;
    let head = probe.head()?;
    match sync.pull(repo, head.as_deref())? {
        FastForward::UpToDate | FastForward::Advanced => {}
        FastForward::Diverged { .. } if rewound_own_claim(repo, sync, actor)? => {}
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
    if actor == Actor::GALPH && runner.store.load()?.is_none() {
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
fn rewound_own_claim(repo: &Repo, sync: &RoleSync, actor: Actor) -> Result<bool> {
    let tracking = sync.tracking_ref();
    let Some(theirs) = sync.state_at(repo, &tracking).ok().flatten() else {
        return Ok(false);
    };
    let ours =
        theirs.status == crate::state::Status::running(actor) && wait::is_turn_of(&theirs, actor);
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
/// state file that differs from HEAD at start (after [`Session::recover`]) is the running marker
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
