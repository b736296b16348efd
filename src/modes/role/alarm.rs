//! The alarm: a daemon that finds a foreign change of the state (see [`super::provenance`])
//! stops both sides. It logs an `alarm` event, puts back the last state Baton vouches for with
//! the stop flag set to a reason that names the commit (one `[SYNC i=N] stop: alarm: …` commit,
//! pushed), and ends with exit 1. Both daemons stop at that flag; `baton resume` clears it, and
//! a turn whose running marker was put back runs again.

use crate::error::{Error, Result};
use crate::git::Repo;
use crate::modes::role::provenance::Foreign;
use crate::modes::role::sync::{PUSH_ATTEMPTS, RoleSync};
use crate::state::{Actor, State};
use crate::turn::Session;
use crate::turn::subject::alarm_message;

/// The prefix of an alarm's stop reason.
const PREFIX: &str = "alarm: ";

/// Raises the alarm for `found`, seen by `actor`'s daemon, and returns the error the run ends
/// with. The clone must be at the remote's tip (its own commits, if any, kept on `kept`, a
/// backup ref). An alarm already on the remote (the peer raised it first) is not raised twice.
///
/// # Errors
/// Git and state errors while publishing.
pub(crate) fn raise(
    runner: &Session,
    repo: &Repo,
    sync: &RoleSync,
    actor: Actor,
    found: &Foreign,
    kept: Option<&str>,
) -> Result<Error> {
    let reason = format!("{PREFIX}commit {} {}", found.step.describe(), found.why);
    runner.events.emit(&crate::events::Event::Alarm {
        actor,
        iteration: found.restore.iteration,
        commit: &found.step.change.sha,
        reason: &reason,
    });
    publish(runner, repo, sync, found, &reason)?;
    let kept = kept.map_or_else(String::new, |r| {
        format!(" This turn's commits are kept on {r}.")
    });
    let rerun = if found.claim.is_some() {
        ", and the turn of the running marker put back runs again"
    } else {
        ""
    };
    Ok(Error::failed(format!(
        "{reason}. Stopped both daemons: the state is back to what it was before that commit, \
         with the stop flag set.{kept}"
    ))
    .with_hint(format!(
        "look at that commit (git show {}); then baton resume clears the flag{rerun}",
        crate::text::short_sha(&found.step.change.sha)
    )))
}

/// The reason of the alarm the state at `rev` carries as its stop flag, if any.
pub(crate) fn raised_at(sync: &RoleSync, repo: &Repo, rev: &str) -> Option<String> {
    let flag = sync
        .state_at(repo, rev)
        .ok()
        .flatten()
        .and_then(|s| s.stop_requested());
    flag.filter(|reason| reason.starts_with(PREFIX))
}

/// Commits the state before the foreign commit with the stop flag on top of the remote's tip
/// and pushes it; when the remote moves meanwhile, starts again from its new tip (bounded).
fn publish(
    runner: &Session,
    repo: &Repo,
    sync: &RoleSync,
    found: &Foreign,
    reason: &str,
) -> Result<()> {
    let tracking = sync.tracking_ref();
    for _ in 0..PUSH_ATTEMPTS {
        if raised_at(sync, repo, "HEAD").is_some() {
            return Ok(());
        }
        let theirs = sync.state_at(repo, "HEAD").ok().flatten();
        let mut state: State = found.restore.clone();
        state.request_stop(reason);
        let above = theirs.map_or(0, |s| s.generation).max(state.generation);
        state.generation = runner
            .store
            .next_generation(above)
            .or_else(|_| runner.store.next_generation(found.restore.generation))?;
        runner.store.write(&state)?;
        let message = alarm_message(state.iteration, reason, found.claim.as_deref());
        let paths = std::slice::from_ref(&sync.state_rel);
        let sha = repo.commit_paths(paths, &message)?;
        let subject = crate::turn::subject::subject_of(&message);
        runner
            .events
            .committed(crate::events::CommitKind::State, &sha, subject);
        if sync.push_or_replay(repo)?.is_none() {
            return Ok(());
        }
        repo.reset_hard(&tracking)?;
    }
    Err(Error::failed(format!(
        "the remote kept moving; the alarm was not published after {PUSH_ATTEMPTS} attempts"
    ))
    .with_hint("run baton stop --reason alarm, and look at the remote's recent commits"))
}
