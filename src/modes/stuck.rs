//! Stuck detection from repository evidence (`stuck.iterations`): the loop stops when, for N
//! iterations in a row, the engineer's turns changed no file outside the state and journal, or
//! every completion claim failed its check the same way. Read from the journal lines this run
//! wrote (a restart after `baton resume` gives the loop N more iterations; a restart without it
//! stops at once on the stop flag).

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::config::StuckConfig;
use crate::error::Result;
use crate::journal::{Journal, JournalEntry};
use crate::state::Actor;

/// The prefix of every stuck stop reason (`exit_reason` in the state).
pub(crate) const PREFIX: &str = "stuck:";

/// The stop reason when the loop is stuck now; `None` when `stuck.iterations` is off or there
/// is progress. `generation` is the state's now (the first call fixes where this run began).
///
/// # Errors
/// Journal errors.
pub(crate) fn check(
    config: &StuckConfig,
    journal: &Journal,
    generation: u64,
) -> Result<Option<String>> {
    let Some(n) = config.iterations.filter(|n| *n > 0) else {
        return Ok(None);
    };
    // The state's generation at this run's first boundary: later journal lines are this run's.
    static STARTED: OnceLock<u64> = OnceLock::new();
    let started = *STARTED.get_or_init(|| generation);
    let window = usize::try_from(n)
        .unwrap_or(usize::MAX)
        .saturating_mul(4)
        .saturating_add(8);
    let mut entries = journal.tail(window)?;
    entries.retain(|e| e.generation > started);
    Ok(judge(&entries, n))
}

/// [`check`] over the newest entries, oldest first.
pub(crate) fn judge(entries: &[JournalEntry], n: u64) -> Option<String> {
    let wanted = usize::try_from(n).unwrap_or(usize::MAX);
    // The newest N iterations with an engineer's turn: stuck if none of them changed a file.
    let mut iterations = BTreeSet::new();
    let mut changed = false;
    for entry in entries.iter().rev().filter(|e| e.actor == Actor::Ralph) {
        if iterations.len() == wanted && !iterations.contains(&entry.iteration) {
            break;
        }
        iterations.insert(entry.iteration);
        changed |= entry.files_changed > 0;
    }
    if iterations.len() == wanted && !changed {
        return Some(format!(
            "{PREFIX} ralph changed no file in the last {n} iteration(s)"
        ));
    }
    // The newest N completion claims: stuck if all failed their check the same way.
    let claims: Vec<_> = entries
        .iter()
        .rev()
        .filter_map(|e| e.completion.as_ref())
        .take(wanted)
        .collect();
    let first = claims.first()?;
    let same = claims.len() == wanted
        && claims
            .iter()
            .all(|c| !c.verified && c.failed == first.failed && c.exit_code == first.exit_code);
    same.then(|| {
        format!(
            "{PREFIX} the completion check failed the same way {n} time(s) (`{}`)",
            first.failed.as_deref().unwrap_or("-")
        )
    })
}

/// Where `stuck.escalate` stands in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escalation {
    /// Not needed yet.
    Idle,
    /// The loop is stuck: galph's next turn runs the escalation prompt.
    Pending,
    /// galph's turn took it: the next time the loop is stuck, it stops.
    Taken,
}

static ESCALATION: Mutex<Escalation> = Mutex::new(Escalation::Idle);

fn escalation() -> std::sync::MutexGuard<'static, Escalation> {
    ESCALATION.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether a stuck loop goes on for an escalation turn: true until galph's turn has taken it.
pub(crate) fn escalating() -> bool {
    let mut state = escalation();
    if *state == Escalation::Idle {
        *state = Escalation::Pending;
    }
    *state == Escalation::Pending
}

/// The escalation prompt for galph's turn, once, when one is pending.
pub(crate) fn take_escalation(prompt: Option<&str>) -> Option<String> {
    let mut state = escalation();
    let prompt = prompt.filter(|_| *state == Escalation::Pending)?;
    *state = Escalation::Taken;
    Some(prompt.to_owned())
}
