//! Stuck detection from repository evidence (`stuck.iterations`): the loop stops when, for N
//! iterations in a row, the engineer's turns changed no file outside the state and journal, or
//! every completion claim failed its check the same way, or one actor's last N turns were all
//! `limited` (a limited turn does not consume its iteration, so without this a limit the agent
//! never gets past — or a limit it keeps claiming — would loop for ever). The limited-turn rule
//! is on even without `stuck.iterations`, at [`LIMITED_IN_A_ROW`] turns. Read from the journal
//! lines this run wrote (a restart after `baton resume` gives the loop N more iterations; a
//! restart without it stops at once on the stop flag).

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::config::StuckConfig;
use crate::error::Result;
use crate::journal::{Journal, JournalEntry, Outcome};
use crate::state::Actor;

/// The prefix of every stuck stop reason (`exit_reason` in the state).
pub(crate) const PREFIX: &str = "stuck:";

/// Limited turns of one actor in a row that stop the run when `stuck.iterations` is not set
/// (with it, that many do). With the backoff for a limit whose reset the agent did not say
/// (5 min, 15 min, 30 min, then hourly) eight turns are about six hours of waiting; with resets
/// the agent did say, eight resets it did not get past.
pub(crate) const LIMITED_IN_A_ROW: u64 = 8;

/// Why the loop is stuck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stuck {
    /// The stop reason (`exit_reason`), starting with [`PREFIX`].
    pub(crate) reason: String,
    /// Whether a `stuck.escalate` turn of galph may help: not for a limit no prompt lifts
    /// (and galph would never get its turn while ralph's is limited).
    pub(crate) escalates: bool,
}

/// Why the loop is stuck now; `None` when there is progress. `generation` is the state's now
/// (the first call fixes where this run began).
///
/// # Errors
/// Journal errors.
pub(crate) fn check(
    config: &StuckConfig,
    journal: &Journal,
    generation: u64,
    watch: &StuckWatch,
) -> Result<Option<Stuck>> {
    // The state's generation at this run's first boundary: later journal lines are this run's.
    let started = *watch.started.get_or_init(|| generation);
    let n = config.iterations.filter(|n| *n > 0);
    let limited_cap = n.unwrap_or(LIMITED_IN_A_ROW);
    let window = n
        .unwrap_or(0)
        .saturating_mul(4)
        .saturating_add(8)
        .max(limited_cap.saturating_add(1));
    let mut entries = journal.tail(usize::try_from(window).unwrap_or(usize::MAX))?;
    entries.retain(|e| e.generation > started);
    if let Some(reason) = limited_in_a_row(&entries, limited_cap) {
        let escalates = false;
        return Ok(Some(Stuck { reason, escalates }));
    }
    let escalates = true;
    Ok(n.and_then(|n| judge(&entries, n))
        .map(|reason| Stuck { reason, escalates }))
}

/// The stop reason when the newest `cap` entries (oldest first) are all one actor's `limited`
/// turns.
pub(crate) fn limited_in_a_row(entries: &[JournalEntry], cap: u64) -> Option<String> {
    let last = entries.last()?;
    let in_a_row = entries
        .iter()
        .rev()
        .take_while(|e| e.outcome == Outcome::Limited && e.actor == last.actor)
        .count();
    (cap > 0 && u64::try_from(in_a_row).unwrap_or(u64::MAX) >= cap).then(|| {
        format!(
            "{PREFIX} {}'s turn was limited {in_a_row} time(s) in a row: a usage or rate limit \
             it does not get past",
            last.actor
        )
    })
}

/// [`check`] over the newest entries, oldest first.
pub(crate) fn judge(entries: &[JournalEntry], n: u64) -> Option<String> {
    let wanted = usize::try_from(n).unwrap_or(usize::MAX);
    // The newest N iterations with an engineer's turn: stuck if none of them changed a file.
    let mut iterations = BTreeSet::new();
    let mut changed = false;
    for entry in entries.iter().rev().filter(|e| e.actor == Actor::RALPH) {
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

/// What stuck detection remembers over a run: the state's generation at its first boundary
/// (journal lines after it are this run's) and where `stuck.escalate` stands.
#[derive(Debug)]
pub(crate) struct StuckWatch {
    started: OnceLock<u64>,
    escalation: Mutex<Escalation>,
}

impl Default for StuckWatch {
    fn default() -> Self {
        StuckWatch {
            started: OnceLock::new(),
            escalation: Mutex::new(Escalation::Idle),
        }
    }
}

impl StuckWatch {
    fn escalation(&self) -> std::sync::MutexGuard<'_, Escalation> {
        self.escalation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a stuck loop goes on for an escalation turn: true until the supervisor's turn
    /// has taken it.
    pub(crate) fn escalating(&self) -> bool {
        let mut state = self.escalation();
        if *state == Escalation::Idle {
            *state = Escalation::Pending;
        }
        *state == Escalation::Pending
    }

    /// The escalation prompt for the supervisor's turn, once, when one is pending.
    pub(crate) fn take_escalation(&self, prompt: Option<&str>) -> Option<String> {
        let mut state = self.escalation();
        let prompt = prompt.filter(|_| *state == Escalation::Pending)?;
        *state = Escalation::Taken;
        Some(prompt.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: Actor, outcome: &str) -> JournalEntry {
        serde_json::from_value(serde_json::json!({
            "iteration": 3, "actor": actor, "prompt": "main.md",
            "source": "deterministic", "reason": "r", "agent": "stub",
            "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:09:00Z",
            "duration_ms": 1500, "outcome": outcome, "exit_code": 1,
            "head_before": null, "head_after": null, "files_changed": 0,
            "insertions": 0, "deletions": 0, "log": "l", "host": "h", "generation": 3
        }))
        .expect("entry")
    }

    #[test]
    fn one_actors_limited_turns_in_a_row_are_capped() {
        let limited = |n| vec![entry(Actor::GALPH, "limited"); n];
        assert_eq!(limited_in_a_row(&limited(2), 3), None);
        assert_eq!(
            limited_in_a_row(&limited(3), 3).as_deref(),
            Some(
                "stuck: galph's turn was limited 3 time(s) in a row: a usage or rate limit it does not get past"
            )
        );
        // A turn that got through starts the count again; so does the other actor's turn.
        let mut entries = limited(2);
        entries.push(entry(Actor::GALPH, "ok"));
        entries.extend(limited(2));
        assert_eq!(limited_in_a_row(&entries, 3), None);
        let mut entries = limited(2);
        entries.push(entry(Actor::RALPH, "limited"));
        assert_eq!(limited_in_a_row(&entries, 2), None);
        assert_eq!(limited_in_a_row(&[], 1), None);
        assert_eq!(limited_in_a_row(&limited(5), 0), None, "0 is off");
    }
}
