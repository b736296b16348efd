//! Run modes (README, "Using it on your project"): combined (both actors in one process),
//! single-actor runs (supervisor-only, loop-only), and role mode through a git remote; all
//! drive the same runner.

pub(crate) mod approval;
pub(crate) mod budget;
mod combined;
mod flag;
mod limit;
mod local_wait;
pub(crate) mod role;
mod solo;
pub(crate) mod stuck;

pub(crate) use approval::describe as describe_approval;
pub(crate) use combined::run_combined;
pub(crate) use flag::FlagChange;
pub(crate) use limit::describe as describe_limit;
pub(crate) use role::{RoleSync, run_role};
pub(crate) use solo::run_solo;

use crate::error::{Error, Result};
use crate::events::Event;
use crate::executor::received_signal;
use crate::journal::JournalEntry;
use crate::state::{Actor, State};
use crate::turn::{Claimed, Session, TurnEnd, TurnHooks, TurnReport};

/// What stopped a run early at a turn boundary.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The `exit` flag in the state, with its reason.
    Flag(String),
    /// A budget was reached (the reason starts with `budget:`; the flag is set too).
    Budget(String),
    /// The loop made no progress (the reason starts with `stuck:`; the flag is set too).
    Stuck(String),
}

impl Stop {
    /// Ends the run: exit 0 for the stop flag, exit 3 for a budget.
    ///
    /// # Errors
    /// [`Error::budget`] for a budget stop.
    pub(crate) fn finish(self, events: &crate::events::Events) -> Result<()> {
        let (why, reason) = match &self {
            Stop::Flag(r) if r.starts_with("complete:") => ("complete", r),
            Stop::Flag(r) => ("flag", r),
            Stop::Budget(r) => ("budget", r),
            Stop::Stuck(r) => ("stuck", r),
        };
        // The console prints the stop from this event.
        events.emit(&Event::Stopped { why, reason });
        match self {
            Stop::Flag(_) => Ok(()),
            Stop::Budget(reason) => Err(Error::budget(reason)),
            Stop::Stuck(reason) => Err(Error::stuck(reason)),
        }
    }
}

/// Checks the turn boundary: a received signal ends the run (exit 128 + N); a pending
/// `baton stop` request is written into the state; the state's stop flag ends the run cleanly;
/// then the budgets (see [`budget_gate`]). Returns the state read, so the caller need not read
/// it again.
///
/// # Errors
/// Interrupted (exit 128 + N), or a state, journal or git error.
pub(crate) fn at_boundary(runner: &Session, runs_galph: bool) -> Result<(State, Option<Stop>)> {
    check_signal()?;
    let mut state = match runner.take_stop_request()? {
        Some(state) => state,
        None => runner.load_state()?,
    };
    let notes = runner.inbox.notes();
    for note in &notes {
        FlagChange::Note(note.clone()).write(runner, &mut state)?;
    }
    runner.inbox.clear_notes(&notes)?;
    approval::take_decision(runner, &mut |change| change.write(runner, &mut state))?;
    let mut written = state.clone();
    let mut write = |change: FlagChange| change.write(runner, &mut written);
    let stop = budget_gate(runner, &state, runs_galph, &mut write)?;
    Ok((written, stop))
}

/// The stop at a turn boundary given the `state` just read: the budgets are checked first, so
/// that a limit reached sets the flag (through `write`) and stops with exit 3, and a budget
/// stop whose limit was raised since is cleared (through `write`) and the run goes on; any
/// other stop flag stops with exit 0.
///
/// # Errors
/// Journal errors and `write`'s.
pub(crate) fn budget_gate(
    runner: &Session,
    state: &State,
    runs_galph: bool,
    write: &mut dyn FnMut(FlagChange) -> Result<()>,
) -> Result<Option<Stop>> {
    let flag = state.stop_requested();
    let budget_flag = flag.as_ref().is_some_and(|r| r.starts_with(budget::PREFIX));
    let escalate = runner.config.stuck.escalate.is_some();
    if let Some(reason) = flag.filter(|_| !budget_flag) {
        return Ok(Some(Stop::Flag(reason)));
    }
    match budget::check(&runner.config.budget, &runner.journal, &runner.caches.spent)? {
        Some(reason) => {
            if !budget_flag {
                write(FlagChange::Set(reason.clone()))?;
                let iteration = state.iteration;
                runner.events.emit(&Event::BudgetReached {
                    iteration,
                    reason: &reason,
                });
            }
            Ok(Some(Stop::Budget(reason)))
        }
        None if budget_flag => {
            info_line!(
                runner.events,
                "[baton] the budget that stopped the run was raised: going on"
            );
            write(FlagChange::Clear)?;
            Ok(None)
        }
        None => match stuck::check(
            &runner.config.stuck,
            &runner.journal,
            state.generation,
            &runner.caches.stuck,
        )? {
            // With `stuck.escalate`, galph runs that prompt once before the loop stops; only
            // the process that runs galph's turns acts on it.
            Some(stuck) if stuck.escalates && escalate && !runs_galph => {
                tracing::debug!(reason = %stuck.reason, "stuck: left to the supervisor's escalation");
                Ok(None)
            }
            Some(stuck) if stuck.escalates && escalate && runner.caches.stuck.escalating() => {
                let prompt = runner.config.stuck.escalate.as_deref().unwrap_or_default();
                let reason = stuck.reason;
                info_line!(
                    runner.events,
                    "[baton] {reason}: galph runs {prompt} once before the run stops"
                );
                Ok(None)
            }
            Some(stuck::Stuck { reason, .. }) => {
                write(FlagChange::Set(reason.clone()))?;
                let iteration = state.iteration;
                runner.events.emit(&Event::StuckDetected {
                    iteration,
                    reason: &reason,
                });
                Ok(Some(Stop::Stuck(reason)))
            }
            None => Ok(None),
        },
    }
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

/// Combined and single-actor hooks: nothing around the turn (the runner makes the local stamp
/// commit itself; there is no remote to claim on or push to).
#[derive(Debug, Default)]
pub(crate) struct Local;

impl TurnHooks for Local {
    fn claimed(&mut self, _: &Session, _: &State) -> Result<Claimed> {
        Ok(Claimed::Won)
    }

    fn stamped(&mut self, _: &Session, _: &State, _: &JournalEntry) -> Result<()> {
        Ok(())
    }
}

/// The approval checkpoint of a local (combined or single-actor) run before `actor`'s turn:
/// `true` when the turn waits (the wait has ended with an answer, a note or a stop request
/// for the caller's turn boundary to take), `false` when it may run.
///
/// # Errors
/// State and git errors; interrupted (exit 128 + N).
pub(crate) fn awaits_approval(runner: &Session, state: &State, actor: Actor) -> Result<bool> {
    let mut write = |change: FlagChange| change.write(runner, &mut runner.load_state()?);
    match approval::gate(runner, state, actor, &mut write)? {
        approval::Gate::Open => Ok(false),
        approval::Gate::Closed => {
            approval::wait_local(runner, &runner.load_state()?)?;
            Ok(true)
        }
    }
}

/// The prompt a stuck loop's `stuck.escalate` gives the supervisor's next turn, once, when the
/// loop is stuck and an escalation is pending (see [`stuck::StuckWatch`]).
pub(crate) fn escalation(runner: &Session, actor: Actor) -> Option<String> {
    if runner.config.workflow.kind(actor) != crate::state::ActorKind::Supervisor {
        return None;
    }
    let prompt = runner.config.stuck.escalate.as_deref();
    runner.caches.stuck.take_escalation(prompt)
}

/// Runs one local turn of `actor` (no claim can be lost without a remote).
///
/// # Errors
/// As [`Session::run_turn`].
pub(crate) fn run_local_turn(runner: &Session, actor: Actor) -> Result<TurnReport> {
    match runner.run_turn(actor, escalation(runner, actor), &mut Local)? {
        TurnEnd::Done(report) => Ok(*report),
        TurnEnd::Lost(holder) => Err(Error::failed(format!(
            "{actor}'s turn was claimed by {holder}"
        ))),
    }
}
