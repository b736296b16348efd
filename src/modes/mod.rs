//! Run modes (README, "Using it on your project"): combined (both actors in one process),
//! single-actor runs (supervisor-only, loop-only), and role mode through a git remote; all
//! drive the same runner.

mod combined;
pub(crate) mod role;
mod solo;

pub(crate) use combined::run_combined;
pub(crate) use role::{RoleSync, run_role};
pub(crate) use solo::run_solo;

use crate::error::{Error, Result};
use crate::executor::received_signal;
use crate::journal::JournalEntry;
use crate::state::{Actor, State};
use crate::turn::{Claimed, Runner, TurnEnd, TurnHooks, TurnReport};

/// What stopped a run early at a turn boundary.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The `exit` flag in the state, with its reason.
    Flag(String),
}

/// Checks the turn boundary: a received signal ends the run (exit 128 + N); a pending
/// `baton stop` request is written into the state; the state's stop flag ends the run cleanly.
/// Returns the state read, so the caller need not read it again.
///
/// # Errors
/// Interrupted (exit 128 + N), or a state or git error.
pub(crate) fn at_boundary(runner: &Runner) -> Result<(State, Option<Stop>)> {
    check_signal()?;
    let state = match runner.take_stop_request()? {
        Some(state) => state,
        None => runner.load_state()?,
    };
    let stop = state.stop_requested().map(Stop::Flag);
    Ok((state, stop))
}

/// Ends the run with exit 128 + N when SIGINT or SIGTERM arrived (also after the last turn).
///
/// # Errors
/// Interrupted (exit 128 + N).
pub(crate) fn check_signal() -> Result<()> {
    match received_signal() {
        Some(sig) => Err(Error::interrupted(sig)),
        None => Ok(()),
    }
}

/// Prints the stop reason (exit 0 follows).
pub(crate) fn announce_stop(stop: &Stop) {
    match stop {
        Stop::Flag(reason) => say!("[baton] stop flag set in the state: {reason}"),
    }
}

/// Combined and single-actor hooks: nothing around the turn (the runner makes the local stamp
/// commit itself; there is no remote to claim on or push to).
#[derive(Debug, Default)]
pub(crate) struct Local;

impl TurnHooks for Local {
    fn claimed(&mut self, _: &Runner, _: &State) -> Result<Claimed> {
        Ok(Claimed::Won)
    }

    fn stamped(&mut self, _: &Runner, _: &State, _: &JournalEntry) -> Result<()> {
        Ok(())
    }
}

/// Runs one local turn of `actor` (no claim can be lost without a remote).
///
/// # Errors
/// As [`Runner::run_turn`].
pub(crate) fn run_local_turn(runner: &Runner, actor: Actor) -> Result<TurnReport> {
    match runner.run_turn(actor, &mut Local)? {
        TurnEnd::Done(report) => Ok(*report),
        TurnEnd::Lost(holder) => Err(Error::failed(format!(
            "{actor}'s turn was claimed by {holder}"
        ))),
    }
}
