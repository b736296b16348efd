//! The watched run as data: what a source read at one moment ([`Snapshot`]) and what changed
//! between two reads ([`changes`]). Pure: the renderers turn changes into lines and snapshots
//! into screens; the sources only read.
//!
//! A change is decided on raw fields (the lease's owner and expiry, the limit's end), so that a
//! countdown ticking is no change; its text is made when the change is found.

use std::path::PathBuf;

use serde_json::Value;

use crate::events::WorkerRun;
use crate::journal::{JournalEntry, Totals};
use crate::observe::PoolView;
use crate::state::{Actor, State};

/// The turn whose agent runs now, from the event log's latest `agent_started` (local only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Running {
    /// Who runs.
    pub(crate) actor: Actor,
    /// The iteration.
    pub(crate) iteration: u64,
    /// The prompt file, when the `routed` event before it named one.
    pub(crate) prompt: Option<String>,
    /// The agent name.
    pub(crate) agent: String,
    /// The turn's transcript file.
    pub(crate) log: PathBuf,
    /// When the agent started (UTC `YYYY-MM-DDTHH:MM:SSZ`).
    pub(crate) since: String,
}

/// One read of the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Snapshot {
    /// The state (`None` when there is no state file yet).
    pub(crate) state: Option<State>,
    /// The newest turns of the journal, oldest first.
    pub(crate) turns: Vec<JournalEntry>,
    /// Sums over the whole journal.
    pub(crate) totals: Totals,
    /// Each budget limit against what was spent (`cost $1.20 of $5.00`); empty without a
    /// budget.
    pub(crate) budget: Vec<String>,
    /// The running turn (local workspaces with an event log only).
    pub(crate) running: Option<Running>,
    /// Where the workflow stands (see [`crate::watch::rows::step`]); `None` for the default
    /// pair.
    pub(crate) step: Option<String>,
    /// The workers running now, by slot (local workspaces with an event log only).
    pub(crate) workers: Vec<WorkerRun>,
    /// The newest ended workers, oldest first, with their landing.
    pub(crate) ended_workers: Vec<WorkerRun>,
    /// The pool's claims on the remote, by worker process (read on the remote's cadence).
    pub(crate) pool: PoolView,
    /// Where the running turn's agent works when this view does not run it (a remote's run, or
    /// a daemon here waiting for its peer): `runs on <host:pid> (the lease holder); …`.
    pub(crate) elsewhere: Option<String>,
    /// How the watched run ended (`run ended with exit 0`), from the event log.
    pub(crate) ended: Option<String>,
    /// What could not be read this time (a failed fetch, an unreadable file); the rest of the
    /// snapshot is the last good view.
    pub(crate) problem: Option<String>,
}

/// What changed between two snapshots; the first snapshot is all changes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    /// Whose turn it is, the status and the iteration, and since when (`last_update`).
    Turn {
        /// Whose turn.
        actor: Actor,
        /// The status's wire name (`running-ralph`, `awaiting-approval`, …).
        status: String,
        /// The iteration.
        iteration: u64,
        /// The state's `last_update`.
        since: Option<String>,
    },
    /// No state file.
    NoState,
    /// The lease changed (its text, `None` once released).
    Lease(Option<String>),
    /// The usage-limit wait changed (its text, `None` once over).
    Limit(Option<String>),
    /// The approval checkpoint changed (see [`approval`]; `None` once gone).
    Approval(Option<String>),
    /// The stop flag changed (its reason, `None` once cleared).
    Stop(Option<String>),
    /// The budget's figures changed.
    Budget(Vec<String>),
    /// The workflow's step changed (see [`Snapshot::step`]).
    Step(String),
    /// A worker started its task.
    Worker(Box<WorkerRun>),
    /// A worker's task ended: its landing.
    Landing(Box<WorkerRun>),
    /// The pool's workers or claims changed (a claim, a release, a take-over, a lease that ran
    /// out; not a renewal): the whole pool as it is now.
    Pool(Box<PoolView>),
    /// An agent started a turn.
    Started(Running),
    /// The running turn's agent works elsewhere (see [`Snapshot::elsewhere`]).
    Elsewhere(String),
    /// A turn was stamped into the journal.
    Stamped(Box<JournalEntry>),
    /// The watched run ended.
    Ended(String),
    /// A read failed (`None` once reads work again).
    Problem(Option<String>),
}

/// The state's approval checkpoint for people, from its `approval` object (whatever else it
/// holds): `waiting for ralph main.md`, or `given by <who> for ralph main.md` once approved and
/// until the turn runs; `None` without one.
pub(crate) fn approval(state: &State) -> Option<String> {
    let value = serde_json::to_value(state).ok()?;
    let approval = value.get("approval").filter(|a| !a.is_null())?;
    let field = |key: &str| approval.get(key).and_then(Value::as_str);
    let turn: Vec<&str> = [field("actor"), field("prompt")]
        .into_iter()
        .flatten()
        .collect();
    let turn = if turn.is_empty() {
        "the next turn".to_owned()
    } else {
        turn.join(" ")
    };
    Some(match field("approved_by") {
        Some(by) => format!("given by {by} for {turn}"),
        None => format!("waiting for {turn}"),
    })
}

/// The raw fields a lease change is decided on.
fn lease_key(state: &State) -> (Option<&str>, Option<&str>) {
    (
        state.lease_owner.as_deref(),
        state.lease_expires_at.as_deref(),
    )
}

/// The raw fields a limit change is decided on.
fn limit_key(state: &State) -> (Option<&str>, Option<&str>, bool) {
    (
        state.limit_until.as_deref(),
        state.limit_reason.as_deref(),
        crate::modes::describe_limit(state).is_some(),
    )
}

/// What changed from `old` to `new` (everything worth showing when `old` is `None`), in
/// reading order: turns stamped (they happened before the state that followed them), the turn,
/// its lease, limit, approval and stop flag, the budget, the workflow's step, a started agent
/// (or where one works), workers started and ended, the pool, the end of the run, and read
/// problems.
pub(crate) fn changes(old: Option<&Snapshot>, new: &Snapshot) -> Vec<Change> {
    let old_turns = old.map_or(&[][..], |o| o.turns.as_slice());
    let mut out: Vec<Change> = new
        .turns
        .iter()
        .filter(|t| !old_turns.contains(t))
        .map(|t| Change::Stamped(Box::new(t.clone())))
        .collect();
    let old_state = old.and_then(|o| o.state.as_ref());
    match (&new.state, old) {
        (None, None) | (None, Some(Snapshot { state: Some(_), .. })) => out.push(Change::NoState),
        (None, Some(_)) => {}
        (Some(state), _) => state_changes(old_state, state, &mut out),
    }
    let old_budget = old.map_or(&[][..], |o| o.budget.as_slice());
    if new.budget != old_budget {
        out.push(Change::Budget(new.budget.clone()));
    }
    if let Some(step) = &new.step
        && old.and_then(|o| o.step.as_ref()) != Some(step)
    {
        out.push(Change::Step(step.clone()));
    }
    if let Some(running) = &new.running
        && old.and_then(|o| o.running.as_ref()) != Some(running)
    {
        out.push(Change::Started(running.clone()));
    }
    worker_changes(old, new, &mut out);
    let same_pool = old.is_some_and(|o| o.pool.same_claims(&new.pool));
    if !same_pool && (old.is_some() || !new.pool.is_empty()) {
        out.push(Change::Pool(Box::new(new.pool.clone())));
    }
    if let Some(elsewhere) = &new.elsewhere
        && old.and_then(|o| o.elsewhere.as_ref()) != Some(elsewhere)
    {
        out.push(Change::Elsewhere(elsewhere.clone()));
    }
    if let Some(ended) = &new.ended
        && old.and_then(|o| o.ended.as_ref()) != Some(ended)
    {
        out.push(Change::Ended(ended.clone()));
    }
    if new.problem != old.and_then(|o| o.problem.clone()) {
        out.push(Change::Problem(new.problem.clone()));
    }
    out
}

/// The workers' part of [`changes`]: each worker once when it starts, and once when it ends
/// (a worker that started and ended between two reads: both; the first snapshot: those
/// running, and the newest ended).
fn worker_changes(old: Option<&Snapshot>, new: &Snapshot, out: &mut Vec<Change>) {
    let was_running = |n: u64| old.is_some_and(|o| o.workers.iter().any(|w| w.n == n));
    let had_ended = |n: u64| old.is_some_and(|o| o.ended_workers.iter().any(|w| w.n == n));
    for worker in &new.workers {
        if !was_running(worker.n) {
            out.push(Change::Worker(Box::new(worker.clone())));
        }
    }
    for worker in &new.ended_workers {
        if had_ended(worker.n) {
            continue;
        }
        if old.is_some() && !was_running(worker.n) {
            out.push(Change::Worker(Box::new(worker.clone())));
        }
        out.push(Change::Landing(Box::new(worker.clone())));
    }
}

/// The state's part of [`changes`]: against `old` (`None`: the first read, or no state before).
fn state_changes(old: Option<&State>, new: &State, out: &mut Vec<Change>) {
    let turn = |s: &State| (s.expected_actor, s.status, s.iteration);
    if old.map(turn) != Some(turn(new)) {
        out.push(Change::Turn {
            actor: new.expected_actor,
            status: new.status.as_str().into_owned(),
            iteration: new.iteration,
            since: new.last_update.clone(),
        });
    }
    let first = old.is_none();
    if old.map(lease_key) != Some(lease_key(new)) && (!first || new.lease_owner.is_some()) {
        out.push(Change::Lease(new.lease_text()));
    }
    let limit = crate::modes::describe_limit(new);
    if old.map(limit_key) != Some(limit_key(new)) && (!first || limit.is_some()) {
        out.push(Change::Limit(limit));
    }
    let approval_now = approval(new);
    if old.map(approval) != Some(approval_now.clone()) && (!first || approval_now.is_some()) {
        out.push(Change::Approval(approval_now));
    }
    let stop = new.stop_requested();
    if old.map(State::stop_requested) != Some(stop.clone()) && (!first || stop.is_some()) {
        out.push(Change::Stop(stop));
    }
}

#[cfg(test)]
mod tests;
