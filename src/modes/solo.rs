//! Single-actor runs: `baton supervisor` / `baton loop` without `--sync-via-git`. That actor's
//! turns back to back, N times; every turn advances the iteration.

use crate::error::Result;
use crate::modes::{at_boundary, awaits_approval, check_signal, limit, run_local_turn};
use crate::state::{Actor, Status};
use crate::turn::Session;

/// Runs `turns` turns of `actor`. The runner's options must use `Handoff::Stay`.
///
/// # Errors
/// The failed turn's error (exit 1, or 128 + N), or a state, git or io error.
pub(crate) fn run_solo(runner: &Session, actor: Actor, turns: u64) -> Result<()> {
    let mut n = 0;
    while n < turns {
        let (state, stop) = at_boundary(runner, actor == Actor::GALPH)?;
        if let Some(stop) = stop {
            return stop.finish(&runner.events);
        }
        if limit::wait_out(runner, &state)? {
            continue; // a stop request: the boundary takes it
        }
        if awaits_approval(runner, &state, actor)? {
            continue; // the boundary takes the answer
        }
        let report = run_local_turn(runner, actor)?;
        // A limited turn runs again: it does not count.
        if report.state.status != Status::Limited {
            n += 1;
        }
        if n == turns {
            info_line!(
                runner.events,
                "[baton] {turns} {actor} turn(s) done; state {} at iteration {}",
                report.state.status,
                report.state.iteration
            );
        }
    }
    check_signal()
}
