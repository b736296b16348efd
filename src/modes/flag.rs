//! Changes a person (or a budget, a stuck loop, an approval checkpoint) makes to the state
//! between turns: the stop flag, notes, approval requests and decisions. Each is written,
//! saved and committed as one state-only commit; role mode publishes it through the remote.

use crate::error::{Context as _, Error, ErrorKind, Result};
use crate::events::Event;
use crate::state::{Actor, Decision, State};
use crate::turn::Workspace;
use crate::turn::subject;

/// A change of the state made between turns: the stop flag (the first use, hence the name),
/// a note, an approval request or a person's decision.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FlagChange {
    /// Set the stop flag with this reason.
    Set(String),
    /// Clear it (a budget that was raised, `baton resume`).
    Clear,
    /// Queue a person's note for the next turn.
    Note(crate::state::Note),
    /// `actor`'s turn waits for approval (`approval.before`); `prompt` is its routed prompt.
    RequestApproval { actor: Actor, prompt: String },
    /// A person approved or rejected the waiting turn.
    Decide(Decision),
}

impl FlagChange {
    /// Writes the change into `state`, saves it and commits the state file alone. A note or a
    /// decision the state already has, or an approval request for a turn that already waits,
    /// was approved or is no longer next (another clone got there first) changes nothing.
    ///
    /// # Errors
    /// State and git errors; [`Error::usage`] for a decision when no turn waits.
    pub(crate) fn write(&self, runner: &Workspace, state: &mut State) -> Result<()> {
        // The actor whose waiting turn a decision answered (the approval is gone after a
        // rejection, and the commit names it).
        let mut answered = Actor::RALPH;
        match self {
            FlagChange::Set(reason) => state.request_stop(reason),
            FlagChange::Clear => state.clear_stop(),
            // Idempotent: a note left twice by a crash between its write and its removal.
            FlagChange::Note(note) if state.notes.contains(note) => return Ok(()),
            FlagChange::Note(note) => state.notes.push(note.clone()),
            FlagChange::RequestApproval { actor, .. }
                if state.expected_actor != *actor
                    || state.awaiting_approval().is_some()
                    || state.is_approved(*actor) =>
            {
                return Ok(());
            }
            FlagChange::RequestApproval { actor, prompt } => {
                state.request_approval(*actor, Some(prompt), std::time::SystemTime::now());
            }
            // Idempotent: the same person's same answer again (its first push was refused, or
            // its `baton approve` killed before the push: the clone still has it, unpushed,
            // and the push below publishes it).
            FlagChange::Decide(decision) if state.carries(decision) => return Ok(()),
            FlagChange::Decide(decision) => {
                let waiting = state.awaiting_approval().cloned();
                state.decide(decision).map_err(|e| {
                    Error::new(ErrorKind::Usage, e)
                        .with_hint("`baton status` shows what the run waits for")
                })?;
                if let Some(waiting) = waiting {
                    answered = waiting.actor;
                    runner.events.emit(&Event::ApprovalDecided {
                        actor: waiting.actor,
                        iteration: waiting.iteration,
                        approved: decision.approve,
                        by: &decision.by,
                        note: decision.note.as_deref(),
                    });
                }
            }
        }
        runner.store.save(state).context("save the state")?;
        let i = state.iteration;
        let message = match self {
            FlagChange::Set(_) => return runner.commit_stop(state),
            FlagChange::Clear => subject::resume_message(i),
            FlagChange::Note(note) => subject::note_message(i, note),
            FlagChange::RequestApproval { actor, prompt } => {
                subject::approval_request_message(i, *actor, prompt)
            }
            FlagChange::Decide(decision) => subject::decision_message(i, decision, answered),
        };
        runner.commit_state(&message)
    }
}
