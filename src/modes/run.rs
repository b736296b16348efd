//! The one run loop every mode drives: at each turn boundary the mode brings the state (taking
//! people's requests in, and in role mode waiting for a turn through the remote), then the
//! gates — signals, the stop flag, budgets, stuck detection, a usage limit's wait, an approval
//! checkpoint — and then the next turn of one of this process's actors runs.

use crate::error::Result;
use crate::events::Events;
use crate::modes::approval::{self, Gate};
use crate::modes::{FlagChange, budget_gate, check_signal, escalation, limit};
use crate::state::{Actor, ActorKind, State, Status};
use crate::turn::{Session, TurnEnd, TurnHooks};
use crate::workflow::Workflow;

/// How a run reaches its turns: in this process alone ([`crate::modes::Local`]), or through a
/// git remote ([`crate::modes::role::Role`]).
pub(crate) trait Mode {
    /// Makes the workspace ready before the first boundary (role mode: level with the remote,
    /// local stamps pushed, the state created).
    ///
    /// # Errors
    /// Git and state errors.
    fn start(&mut self, session: &Session, plan: &Plan) -> Result<()>;

    /// The state at the next turn boundary: people's requests (stop, notes, answers) are taken
    /// into it; role mode waits here until one of `plan`'s actors may run or the stop flag is
    /// set.
    ///
    /// # Errors
    /// Interrupted (exit 128 + N), `git.max_wait`, git and state errors.
    fn boundary(&mut self, session: &Session, plan: &Plan) -> Result<State>;

    /// Writes a change of the state between turns (stop flag, note, approval request or
    /// decision): committed, and in role mode pushed.
    ///
    /// # Errors
    /// State and git errors.
    fn write(&mut self, session: &Session, change: FlagChange) -> Result<()>;

    /// Waits for a person's answer at an approval checkpoint, when this mode waits for it
    /// outside its boundary (local: the run's inbox; role mode's boundary waits instead).
    ///
    /// # Errors
    /// Interrupted (exit 128 + N).
    fn await_answer(&mut self, session: &Session, state: &State) -> Result<()>;

    /// Whether this mode runs a fan-out's turns at once, each in a worktree (local mode; in role
    /// mode one claim holds one actor's turn, so they run one after another).
    fn runs_beside(&self) -> bool {
        false
    }

    /// The git work around one turn of `actor` (role mode: the claim push and the stamp push).
    ///
    /// # Errors
    /// Files the hooks need cannot be written.
    fn hooks(&mut self, session: &Session, actor: Actor) -> Result<Box<dyn TurnHooks + '_>>;
}

/// What a run command asks for: the graph, the actors this process runs, how many to do.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// The run's graph (the configured workflow, or one actor alone for `baton loop` /
    /// `baton supervisor` without a remote).
    pub(crate) workflow: Workflow,
    /// The actors whose turns this process runs.
    pub(crate) actors: Vec<Actor>,
    /// Iterations to run when this process runs every actor of the graph, else turns.
    pub(crate) count: u64,
}

impl Plan {
    /// Whether this process runs every actor the graph can reach (then `count` counts
    /// iterations, else this process's turns).
    fn runs_whole_graph(&self) -> bool {
        self.workflow
            .actors
            .keys()
            .filter(|a| self.workflow.reaches(**a))
            .all(|a| self.actors.contains(a))
    }

    /// Whether this process runs a supervisor's turns (it acts on `stuck.escalate`).
    fn runs_supervisor(&self) -> bool {
        self.actors
            .iter()
            .any(|a| self.workflow.kind(*a) == ActorKind::Supervisor)
    }

    /// The turns to run at once with `actor`'s: every actor ready beside it after a fan-out,
    /// when this process runs them all, none is a supervisor (it may end the run) and no
    /// approval checkpoint is configured (each turn would wait for its own answer); else none.
    fn fanout(&self, session: &Session, state: &State, actor: Actor) -> Vec<Actor> {
        let ready = state.progress().ready;
        let together = ready.first() == Some(&actor)
            && session.config.approval.before.is_empty()
            && ready.iter().all(|a| {
                self.actors.contains(a) && self.workflow.kind(*a) != ActorKind::Supervisor
            });
        if together { ready } else { Vec::new() }
    }

    /// The actor of `plan` whose turn `state` says is next.
    fn next_actor(&self, state: &State) -> Option<Actor> {
        match self.actors.as_slice() {
            [one] => Some(*one),
            many => many.iter().copied().find(|a| *a == state.expected_actor),
        }
    }
}

/// Runs `plan` in `mode` until `plan.count` iterations (or turns) are done, the stop flag is
/// set, a budget is reached or the loop is stuck.
///
/// # Errors
/// The first failed turn's (exit 1, or 128 + N), a budget (exit 3), a stuck loop (exit 4), and
/// state, git and io errors.
pub(crate) fn run(session: &Session, mode: &mut dyn Mode, plan: &Plan) -> Result<()> {
    mode.start(session, plan)?;
    let whole = plan.runs_whole_graph();
    let mut done = 0;
    while done < plan.count {
        let state = mode.boundary(session, plan)?;
        let mut write = |change| mode.write(session, change);
        match budget_gate(session, &state, plan.runs_supervisor(), &mut write)? {
            Some(stop) => return stop.finish(&session.events),
            // A budget stop whose limit was raised was just cleared: read the state again.
            None if state.stop_requested().is_some() => continue,
            None => {}
        }
        if limit::wait_out(session, &state)? {
            continue; // a stop request: the boundary takes it
        }
        let Some(actor) = plan.next_actor(&state) else {
            continue;
        };
        let mut write = |change| mode.write(session, change);
        if approval::gate(session, &state, actor, &mut write)? == Gate::Closed {
            mode.await_answer(session, &session.load_state()?)?;
            continue; // the boundary takes the answer
        }
        let group = if mode.runs_beside() {
            plan.fanout(session, &state, actor)
        } else {
            Vec::new()
        };
        let fanned = match group.as_slice() {
            [] | [_] => None,
            many => session.run_fanout(many)?,
        };
        let end = match fanned {
            Some(end) => end,
            None => {
                let escalation = escalation(session, actor);
                let mut hooks = mode.hooks(session, actor)?;
                session.run_turn(actor, escalation, &mut *hooks)?
            }
        };
        let report = match end {
            // Another daemon of this actor won the claim: wait for the next turn.
            TurnEnd::Lost(holder) => {
                tracing::info!(%holder, "claim lost: waiting for the next turn");
                continue;
            }
            TurnEnd::Done(report) => report,
        };
        let after = &report.state;
        // A limited turn runs again: it consumes nothing.
        let counted = if whole {
            after.iteration > state.iteration
        } else {
            after.status != Status::Limited
        };
        if counted {
            done += 1;
        }
        if done == plan.count {
            finished(&session.events, plan, whole, after);
        }
    }
    check_signal()
}

/// The line that says the run did what it was asked.
fn finished(events: &Events, plan: &Plan, whole: bool, state: &State) {
    let count = plan.count;
    let what = if whole && plan.actors.len() > 1 {
        format!("{count} iteration(s)")
    } else {
        let names: Vec<&str> = plan.actors.iter().map(Actor::as_str).collect();
        format!("{count} {} turn(s)", names.join("/"))
    };
    info_line!(
        events,
        "[baton] {what} done; state {} at iteration {}, next {}",
        state.status,
        state.iteration,
        state.expected_actor
    );
}
