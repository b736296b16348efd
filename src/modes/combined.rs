//! Combined mode: galph and ralph in one process, N iterations, no pushing, no sleeping.

use crate::error::Result;
use crate::modes::{at_boundary, awaits_approval, check_signal, limit, run_local_turn};
use crate::state::{Actor, Status};
use crate::turn::Session;

/// Runs `iterations` iterations (counted as ralph turns), starting with whichever actor the state
/// expects. The first failed turn stops the run.
///
/// # Errors
/// The failed turn's error (exit 1, or 128 + N), or a state, git or io error.
pub(crate) fn run_combined(runner: &Session, iterations: u64) -> Result<()> {
    let mut done = 0;
    while done < iterations {
        let (state, stop) = at_boundary(runner, true)?;
        if let Some(stop) = stop {
            return stop.finish(&runner.events);
        }
        if limit::wait_out(runner, &state)? {
            continue; // a stop request: the boundary takes it
        }
        let actor = state.expected_actor;
        if awaits_approval(runner, &state, actor)? {
            continue; // the boundary takes the answer
        }
        let report = run_local_turn(runner, actor)?;
        // A limited turn runs again: it does not consume the iteration.
        if actor == Actor::RALPH && report.state.status != Status::Limited {
            done += 1;
        }
        if done == iterations {
            let state = &report.state;
            info_line!(
                runner.events,
                "[baton] {done} iteration(s) done; state {} at iteration {}, next {}",
                state.status,
                state.iteration,
                state.expected_actor
            );
        }
    }
    check_signal()
}
