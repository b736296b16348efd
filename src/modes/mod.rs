//! Run modes (SPEC §6): combined (both actors in one process), single-actor runs
//! (supervisor-only, loop-only), and role mode through a git remote; all drive the same runner.

mod combined;
pub mod role;
mod solo;

pub use combined::run_combined;
pub use role::{RoleSync, run_role};
pub use solo::run_solo;

use crate::error::{Error, Result};
use crate::executor::received_signal;
use crate::journal::JournalEntry;
use crate::state::State;
use crate::turn::{Runner, TurnHooks, stamp_subject};

/// What stopped a run early at a turn boundary.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// The `exit` flag in the state, with its reason.
    Flag(String),
}

/// Checks the turn boundary: a received signal ends the run (exit 128 + N); the state's stop
/// flag ends it cleanly. Returns the state read, so the caller need not read it again.
///
/// # Errors
/// Interrupted (exit 128 + N), or a state error.
pub fn at_boundary(runner: &Runner) -> Result<(State, Option<Stop>)> {
    check_signal()?;
    let state = runner.load_state()?;
    let stop = state.stop_requested().map(Stop::Flag);
    Ok((state, stop))
}

/// Ends the run with exit 128 + N when SIGINT or SIGTERM arrived (also after the last turn).
///
/// # Errors
/// Interrupted (exit 128 + N).
pub fn check_signal() -> Result<()> {
    match received_signal() {
        Some(sig) => Err(Error::interrupted(sig)),
        None => Ok(()),
    }
}

/// Prints the stop reason (exit 0 follows).
pub fn announce_stop(stop: &Stop) {
    match stop {
        Stop::Flag(reason) => say!("[baton] stop flag set in the state: {reason}"),
    }
}

/// Combined and single-actor hooks: after each stamp, commit the state file and the journal
/// locally with the `[SYNC …]` subject (SPEC §7), when git is in use.
#[derive(Debug, Default)]
pub struct LocalStamp;

impl TurnHooks for LocalStamp {
    fn claimed(&mut self, _: &Runner, _: &State) -> Result<()> {
        Ok(())
    }

    fn stamped(&mut self, runner: &Runner, state: &State, entry: &JournalEntry) -> Result<()> {
        let Some(repo) = runner.repo.as_ref().filter(|_| runner.options.autocommit) else {
            return Ok(());
        };
        if runner.options.commit_dry_run {
            say!(
                "[stamp] would commit: {}",
                stamp_subject(state, entry.actor)
            );
            for path in runner.stamp_paths(repo) {
                say!(" - {path}");
            }
            return Ok(());
        }
        runner.commit_stamp(repo, state, entry.actor)?;
        Ok(())
    }
}
