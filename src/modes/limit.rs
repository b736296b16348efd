//! Waiting out a usage limit: a `limited` state names when the turn may run again
//! (`limit_until`); the actor's runner waits until then with a countdown heartbeat, checking
//! for signals, and then runs the same turn. The peer and `baton status` on any clone show the
//! same countdown from the state.

use std::time::{Duration, SystemTime};

use crate::config::format_duration;
use crate::error::Result;
use crate::events::WaitingOn;
use crate::modes::local_wait::LocalWait;
use crate::state::{State, Status};
use crate::turn::Session;

/// `limit_until` of a `limited` state, when it parses.
pub(crate) fn until(state: &State) -> Option<SystemTime> {
    if state.status != Status::Limited {
        return None;
    }
    humantime::parse_rfc3339(state.limit_until.as_deref()?).ok()
}

/// One line for people: `ralph waits for its usage limit until 2026-11-22T04:20:00Z (1h12m
/// left): <reason>`; `None` unless `state` is `limited`.
pub(crate) fn describe(state: &State) -> Option<String> {
    let until = until(state)?;
    let left = until
        .duration_since(SystemTime::now())
        .map(|d| format!("{} left", format_duration(Duration::from_secs(d.as_secs()))))
        .unwrap_or_else(|_| "due now".to_owned());
    let reason = state.limit_reason.as_deref().unwrap_or("usage limit");
    Some(format!(
        "{} waits for its usage limit until {} ({left}): {reason}",
        state.expected_actor,
        state.limit_until.as_deref().unwrap_or("-")
    ))
}

/// Blocks until `state`'s limit has passed (at once when it is not `limited`), with a
/// countdown heartbeat. Returns `true` when a `baton stop` request arrived meanwhile (the
/// caller goes back to its turn boundary, which takes it).
///
/// # Errors
/// Interrupted (exit 128 + N).
pub(crate) fn wait_out(runner: &Session, state: &State) -> Result<bool> {
    let Some(until) = until(state) else {
        return Ok(false);
    };
    tracing::info!(until = ?state.limit_until, "limit: waiting before the turn runs again");
    let mut wait = LocalWait::new(runner, state.expected_actor, WaitingOn::Limit);
    loop {
        if runner.inbox.pending_stop().is_some() {
            return Ok(true);
        }
        let Ok(left) = until.duration_since(SystemTime::now()) else {
            return Ok(false);
        };
        wait.tick(left, || describe(state).unwrap_or_default())?;
    }
}
