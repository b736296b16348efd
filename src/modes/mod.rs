//! Run modes (README, "Using it on your project"): a mode is a type — [`Local`] (every turn in
//! this process: combined runs, `baton loop` / `baton supervisor` alone) or [`role::Role`] (this
//! process's actors through a git remote, which it holds) — and one loop ([`run::run`]) drives
//! either through its gates: people's requests, the stop flag, budgets, stuck detection, usage
//! limits and approval checkpoints.

pub(crate) mod approval;
pub(crate) mod budget;
mod flag;
mod limit;
mod local;
mod local_wait;
pub(crate) mod role;
pub(crate) mod run;
pub(crate) mod stuck;

pub(crate) use approval::describe as describe_approval;
pub(crate) use flag::FlagChange;
pub(crate) use limit::describe as describe_limit;
pub(crate) use local::Local;
pub(crate) use role::RoleSync;

use crate::error::{Error, Result};
use crate::events::Event;
use crate::executor::received_signal;
use crate::state::{Actor, State};
use crate::turn::Session;

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

/// The prompt a stuck loop's `stuck.escalate` gives the supervisor's next turn, once, when the
/// loop is stuck and an escalation is pending (see [`stuck::StuckWatch`]).
pub(crate) fn escalation(runner: &Session, actor: Actor) -> Option<String> {
    if runner.config.workflow.kind(actor) != crate::state::ActorKind::Supervisor {
        return None;
    }
    let prompt = runner.config.stuck.escalate.as_deref();
    runner.caches.stuck.take_escalation(prompt)
}
