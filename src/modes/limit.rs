//! Waiting out a usage limit: a `limited` state names when the turn may run again
//! (`limit_until`); the actor's runner waits until then with a countdown heartbeat, checking
//! for signals, and then runs the same turn. The peer and `baton status` on any clone show the
//! same countdown from the state.

use std::time::{Duration, SystemTime};

use crate::config::format_duration;
use crate::error::Result;
use crate::modes::check_signal;
use crate::state::{State, Status};
use crate::turn::Runner;

/// How often the wait looks for a signal.
const TICK: Duration = Duration::from_millis(100);

/// Heartbeat of the wait when `agent.heartbeat` is off.
const DEFAULT_BEAT: Duration = Duration::from_secs(60);

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

/// Blocks until `state`'s limit has passed (at once when it is not `limited`), printing a
/// countdown every heartbeat. Returns `true` when a `baton stop` request arrived meanwhile (the
/// caller goes back to its turn boundary, which takes it).
///
/// # Errors
/// Interrupted (exit 128 + N).
pub(crate) fn wait_out(runner: &Runner, state: &State) -> Result<bool> {
    let Some(until) = until(state) else {
        return Ok(false);
    };
    tracing::info!(until = ?state.limit_until, "limit: waiting before the turn runs again");
    let beat = runner.config.agent.heartbeat.unwrap_or(DEFAULT_BEAT);
    let mut next_beat = SystemTime::now();
    loop {
        check_signal()?;
        if runner.stop.pending().is_some() {
            return Ok(true);
        }
        let now = SystemTime::now();
        if now >= until {
            return Ok(false);
        }
        if now >= next_beat {
            if let Some(line) = describe(state) {
                warn_line!("[baton] {line}");
            }
            next_beat = now + beat;
        }
        std::thread::sleep(TICK.min(until.duration_since(now).unwrap_or_default()));
    }
}
