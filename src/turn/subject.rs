//! How a stamped turn is shown: the one-line console summary and the stamp commit's subject.

use std::time::Duration;

use crate::git::short_sha;
use crate::journal::JournalEntry;
use crate::state::{Actor, State, Status};

/// Prints the one-line summary of a stamped turn.
pub(crate) fn print_summary(entry: &JournalEntry, state: &State) {
    let secs = Duration::from_millis(entry.duration_ms).as_secs_f64();
    let head = entry.head_after.as_deref().map_or("-", short_sha);
    let outcome = entry.outcome.as_str();
    say!(
        "[turn] {} {} {outcome} in {secs:.1}s; head {head}; state {} (iteration {}, next {})",
        entry.actor,
        entry.prompt,
        state.status,
        state.iteration,
        state.expected_actor
    );
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
