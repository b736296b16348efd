//! Approval checkpoints at a turn boundary (`approval.before`): before a turn it names, the
//! Baton that would run it marks the state `awaiting-approval` (committed; published in role
//! mode) and waits; `baton approve` / `baton reject` answer, from the workspace of the running
//! Baton (a request sent to it, taken here) or from any clone (through the state).

use crate::config::Config;
use crate::error::Result;
use crate::events::{Event, WaitingOn};
use crate::modes::FlagChange;
use crate::modes::local_wait::{LocalWait, TICK};
use crate::state::{Actor, NothingAwaits, State};
use crate::turn::Session;

/// Whether the turn may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    /// No checkpoint, or it was approved: run the turn.
    Open,
    /// The turn waits for a person.
    Closed,
}

/// The prompt of `actor`'s next turn when `approval.before` names the actor or that prompt
/// (the deterministic router's choice, as `baton route` shows it).
#[must_use]
pub(crate) fn required(config: &Config, state: &State, actor: Actor) -> Option<String> {
    let before = &config.approval.before;
    if before.is_empty() {
        return None;
    }
    let prompt = crate::router::deterministic(state, config, actor).prompt;
    let named = |entry: &String| Actor::parse_alias(entry) == Some(actor) || *entry == prompt;
    before.iter().any(named).then_some(prompt)
}

/// The checkpoint before `actor`'s turn given the `state` at the boundary: closed while a turn
/// waits; otherwise open unless the turn needs an approval it does not have yet, in which case
/// the request is written (through `write`), logged and notified, and the gate is closed.
///
/// # Errors
/// `write`'s.
pub(crate) fn gate(
    runner: &Session,
    state: &State,
    actor: Actor,
    write: &mut dyn FnMut(FlagChange) -> Result<()>,
) -> Result<Gate> {
    if state.awaiting_approval().is_some() {
        tracing::info!("approval: {actor}'s turn still waits");
        return Ok(Gate::Closed);
    }
    let Some(prompt) = required(&runner.config, state, actor) else {
        return Ok(Gate::Open);
    };
    if state.is_approved(actor) {
        tracing::info!(%prompt, "approval: {actor}'s turn was approved");
        return Ok(Gate::Open);
    }
    tracing::info!(%prompt, "approval: approval.before names {actor}'s turn");
    write(FlagChange::RequestApproval {
        actor,
        prompt: prompt.clone(),
    })?;
    let iteration = state.iteration;
    runner.events.emit(&Event::ApprovalRequested {
        actor,
        iteration,
        prompt: &prompt,
    });
    Ok(Gate::Closed)
}

/// One line for people about a waiting turn: `ralph's turn (main.md, iteration 3) awaits
/// approval since 2026-11-22T10:00:00Z: baton approve [--note TEXT] or baton reject --note
/// TEXT`; `None` unless a turn waits.
#[must_use]
pub(crate) fn describe(state: &State) -> Option<String> {
    let waiting = state.awaiting_approval()?;
    let prompt = waiting
        .prompt
        .as_deref()
        .map(|p| format!("{p}, "))
        .unwrap_or_default();
    Some(format!(
        "{}'s turn ({prompt}iteration {}) awaits approval since {}: baton approve [--note TEXT] \
         or baton reject --note TEXT",
        waiting.actor, waiting.iteration, waiting.requested_at
    ))
}

/// Applies a decision sent by `baton approve` / `baton reject` to this run (through
/// `write`) and removes it. One that finds no waiting turn (answered from another clone
/// meanwhile) is dropped with a warning.
///
/// # Errors
/// `write`'s other errors.
pub(crate) fn take_decision(
    runner: &Session,
    write: &mut dyn FnMut(FlagChange) -> Result<()>,
) -> Result<()> {
    let Some(decision) = runner.inbox.decision() else {
        return Ok(());
    };
    match write(FlagChange::Decide(decision.clone())) {
        Ok(()) => {}
        Err(e) if e.is::<NothingAwaits>() => {
            warn_line!(
                runner.events,
                "[baton] warning: an approval decision was dropped: {e}"
            );
        }
        Err(e) => return Err(e),
    }
    runner.inbox.clear_decision(&decision)?;
    Ok(())
}

/// Waits in the workspace of a combined or single-actor run until an answer, a note or a stop
/// request is sent to this run (the caller's turn boundary takes it), with a
/// heartbeat line naming the waiting turn.
///
/// # Errors
/// Interrupted (exit 128 + N).
pub(crate) fn wait_local(runner: &Session, state: &State) -> Result<()> {
    let Some(actor) = state.awaiting_approval().map(|waiting| waiting.actor) else {
        return Ok(());
    };
    let mut wait = LocalWait::new(runner, actor, WaitingOn::Approval);
    loop {
        if !runner.inbox.is_empty() {
            return Ok(());
        }
        wait.tick(TICK, || describe(state).unwrap_or_default())?;
    }
}
