//! Plain line output (stdout not a terminal, `--plain`, `--once`): one line per change, each
//! starting with a word and a colon (`turn:`, `agent:`, `stamped:`, …) so that `baton watch | grep
//! stamped` works; transcript lines start with `| `.

use crate::console::{Paint, paint};
use crate::journal::JournalEntry;
use crate::journal::Outcome;
use crate::journal::show::{cost, number, wall};
use crate::watch::model::{Change, Running};
use crate::watch::rows;

/// One stamped turn: `i=3 ralph main.md ok 12s, tokens 1200 in / 300 out, $0.04`.
pub(crate) fn turn_row(t: &JournalEntry) -> String {
    format!(
        "i={} {} {} {} {}, tokens {} in / {} out, {}",
        t.iteration,
        t.actor,
        t.prompt,
        painted(t.outcome),
        wall(t.duration_ms),
        number(t.usage.input_tokens),
        number(t.usage.output_tokens),
        cost(t.usage.cost_usd)
    )
}

/// The outcome in its colour: green ok, yellow for a turn that runs again, red for failures.
pub(crate) fn painted(outcome: Outcome) -> String {
    let colour = match outcome {
        Outcome::Ok => Paint::Green,
        Outcome::Limited | Outcome::Interrupted => Paint::Yellow,
        Outcome::Failed | Outcome::Timeout | Outcome::Stalled => Paint::Red,
    };
    paint(colour, outcome.as_str())
}

/// The running turn: `i=3 ralph main.md (agent claude) since 2026-11-21T10:04:06Z`.
pub(crate) fn running_row(r: &Running) -> String {
    format!(
        "i={} {} {} (agent {}) since {}",
        r.iteration,
        r.actor,
        r.prompt.as_deref().unwrap_or("-"),
        r.agent,
        r.since
    )
}

/// The line for `change`.
pub(crate) fn line(change: &Change) -> String {
    match change {
        Change::Turn {
            actor,
            status,
            iteration,
            since,
        } => format!(
            "turn: {actor} ({status}, iteration {iteration}) since {}",
            since.as_deref().unwrap_or("-")
        ),
        Change::NoState => "turn: no state file yet".to_owned(),
        Change::Lease(Some(text)) => format!("lease: {text}"),
        Change::Lease(None) => "lease: released".to_owned(),
        Change::Limit(Some(text)) => format!("limit: {text}"),
        Change::Limit(None) => "limit: over".to_owned(),
        Change::Approval(Some(what)) => format!("approval: {what}"),
        Change::Approval(None) => "approval: none".to_owned(),
        Change::Stop(Some(reason)) => format!("stop: requested ({reason})"),
        Change::Stop(None) => "stop: flag cleared".to_owned(),
        Change::Budget(left) if left.is_empty() => "budget: none set".to_owned(),
        Change::Budget(left) => format!("budget: {}", left.join(", ")),
        Change::Started(r) => format!(
            "started: {} (transcript {})",
            running_row(r),
            r.log.display()
        ),
        Change::Step(text) => format!("step: {text}"),
        Change::Worker(w) => format!("worker: {}", rows::started(w)),
        Change::Landing(w) => format!("landing: {}", rows::landing(w)),
        Change::Pool(pool) if pool.is_empty() => format!("pool: no claims on {}", pool.remote),
        Change::Pool(pool) => crate::observe::pool::lines(pool)
            .iter()
            .map(|l| format!("pool: {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Change::Elsewhere(text) => format!("agent: {text}"),
        Change::Stamped(t) => format!("stamped: {}", turn_row(t)),
        Change::Ended(text) => format!("ended: {text}"),
        Change::Problem(Some(text)) => format!("problem: {}", paint(Paint::Yellow, text)),
        Change::Problem(None) => "problem: resolved".to_owned(),
    }
}

/// Whether `change` is printed after the running transcript's lines read in the same refresh
/// (the end of the run, a read problem); the others describe what led to those lines.
pub(crate) fn after_transcript(change: &Change) -> bool {
    matches!(change, Change::Ended(_) | Change::Problem(_))
}

/// A worker's transcript line: `| ralph-2: <line>`.
pub(crate) fn worker_line(worker: &str, line: &str) -> String {
    format!("| {worker}: {line}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Actor;

    #[test]
    fn each_line_starts_with_its_word() {
        let turn = Change::Turn {
            actor: Actor::RALPH,
            status: "running-ralph".to_owned(),
            iteration: 2,
            since: Some("2026-11-21T10:00:00Z".to_owned()),
        };
        assert_eq!(
            line(&turn),
            "turn: ralph (running-ralph, iteration 2) since 2026-11-21T10:00:00Z"
        );
        let entry: JournalEntry = serde_json::from_value(serde_json::json!({
            "iteration": 2, "actor": "ralph", "prompt": "main.md",
            "source": "deterministic", "reason": "r", "agent": "stub",
            "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:01:00Z",
            "duration_ms": 61_000, "outcome": "ok", "exit_code": 0,
            "head_before": null, "head_after": null, "files_changed": 0,
            "insertions": 0, "deletions": 0, "log": "l", "host": "h", "generation": 3,
            "usage": {"input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.04}
        }))
        .expect("entry");
        assert_eq!(
            line(&Change::Stamped(Box::new(entry))),
            "stamped: i=2 ralph main.md ok 1m01s, tokens 1200 in / 300 out, $0.04"
        );
        assert_eq!(
            line(&Change::Budget(vec!["turns 3 of 10".to_owned()])),
            "budget: turns 3 of 10"
        );
    }
}
