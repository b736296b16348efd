//! How a stamped turn is shown: the one-line console summary and the stamp commit's subject.

use crate::git::short_sha;
use crate::journal::JournalEntry;
use crate::state::{Actor, State, Status};

/// Emits the `stamped` event of a turn: the journal line's outcome and receipt, and the state
/// after it (the console prints the one-line summary).
pub(crate) fn announce(entry: &JournalEntry, state: &State) {
    let error = match entry.outcome {
        crate::journal::Outcome::Limited => state.limit_reason.as_deref(),
        _ => state.last_error.as_deref(),
    };
    crate::events::emit(&crate::events::Event::Stamped {
        actor: entry.actor,
        iteration: entry.iteration,
        prompt: &entry.prompt,
        outcome: entry.outcome,
        duration_ms: entry.duration_ms,
        attempts: entry.attempts,
        usage: &entry.usage,
        head_after: entry.head_after.as_deref(),
        retry_at: entry.retry_at.as_deref(),
        error,
        status: state.status,
        next_actor: state.expected_actor,
        next_iteration: state.iteration,
    });
}

/// The stamp commit subject for the state after a stamp (README, "Two machines"):
/// `[SYNC i=<it>] actor=<a> → next=<b> status=ok <a>_commit=<sha>` or
/// `[SYNC i=<it>] actor=<a> status=fail <a>_commit=<sha>`.
#[must_use]
pub(crate) fn stamp_subject(state: &State, actor: Actor) -> String {
    let commit = match actor {
        Actor::Galph => state.galph_commit.as_deref(),
        Actor::Ralph => state.ralph_commit.as_deref(),
    }
    .map_or("none", short_sha);
    let it = state.iteration;
    if state.status == Status::Limited {
        let until = state.limit_until.as_deref().unwrap_or("-");
        return format!("[SYNC i={it}] actor={actor} status=limited until={until}");
    }
    if state.status == Status::Failed {
        format!("[SYNC i={it}] actor={actor} status=fail {actor}_commit={commit}")
    } else {
        let next = state.expected_actor;
        format!("[SYNC i={it}] actor={actor} → next={next} status=ok {actor}_commit={commit}")
    }
}
