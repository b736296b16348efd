//! Sums over journal entries (`baton stats`, `baton status`): turns, tokens, cost, wall time
//! and outcomes, in total and grouped by actor, prompt, agent and iteration. A sum counts only
//! what agents reported: it is `null` while no entry of its group reported that field, never
//! an estimate.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::{JournalEntry, Outcome};

/// The sums of one group of turns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Totals {
    /// Turns counted.
    pub(crate) turns: u64,
    /// Reported input tokens.
    pub(crate) input_tokens: Option<u64>,
    /// Reported output tokens.
    pub(crate) output_tokens: Option<u64>,
    /// Reported cached input tokens.
    pub(crate) cached_input_tokens: Option<u64>,
    /// Reported cost, US dollars.
    pub(crate) cost_usd: Option<f64>,
    /// Turns whose agent reported a cost (the others cost something unknown).
    pub(crate) cost_reported_turns: u64,
    /// Reported tool calls.
    pub(crate) tool_calls: Option<u64>,
    /// Wall time of the turns, milliseconds.
    pub(crate) duration_ms: u64,
    /// Agent runs, retries included.
    pub(crate) attempts: u64,
    /// Turns by outcome (`ok`, `failed`, …; only outcomes that occurred).
    #[serde(deserialize_with = "outcome_counts")]
    pub(crate) outcomes: BTreeMap<&'static str, u64>,
}

/// Reads [`Totals::outcomes`] back: each key is an [`Outcome`]'s journal spelling.
fn outcome_counts<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<&'static str, u64>, D::Error> {
    let counts = BTreeMap::<String, u64>::deserialize(deserializer)?;
    counts
        .into_iter()
        .map(|(name, n)| {
            let outcome =
                Outcome::deserialize(serde::de::value::StrDeserializer::<D::Error>::new(&name))?;
            Ok((outcome.as_str(), n))
        })
        .collect()
}

fn add<T: std::ops::Add<Output = T> + Copy>(sum: &mut Option<T>, value: Option<T>) {
    if let Some(value) = value {
        *sum = Some(sum.map_or(value, |s| s + value));
    }
}

impl Totals {
    /// Counts `entry` in.
    pub(crate) fn add(&mut self, entry: &JournalEntry) {
        let usage = &entry.usage;
        self.turns += 1;
        add(&mut self.input_tokens, usage.input_tokens);
        add(&mut self.output_tokens, usage.output_tokens);
        add(&mut self.cached_input_tokens, usage.cached_input_tokens);
        add(&mut self.cost_usd, usage.cost_usd);
        add(&mut self.tool_calls, usage.tool_calls);
        self.cost_reported_turns += u64::from(usage.cost_usd.is_some());
        self.duration_ms += entry.duration_ms;
        self.attempts += u64::from(entry.attempts);
        *self.outcomes.entry(entry.outcome.as_str()).or_default() += 1;
    }
}

/// The sums over a journal: `{"total", "by_actor", "by_prompt", "by_agent", "by_iteration"}`,
/// each group keyed by its name (iterations by number).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Summary {
    /// Every turn.
    pub(crate) total: Totals,
    /// By actor (`galph`, `ralph`).
    pub(crate) by_actor: BTreeMap<String, Totals>,
    /// By prompt file (`main.md`, …).
    pub(crate) by_prompt: BTreeMap<String, Totals>,
    /// By agent name (`claude`, …; `-` for a turn that never started an agent).
    pub(crate) by_agent: BTreeMap<String, Totals>,
    /// By iteration.
    pub(crate) by_iteration: BTreeMap<u64, Totals>,
}

impl Summary {
    /// Counts `entry` into the total and its groups.
    pub(crate) fn add(&mut self, entry: &JournalEntry) {
        self.total.add(entry);
        let agent = if entry.agent.is_empty() {
            "-"
        } else {
            entry.agent.as_str()
        };
        for (groups, key) in [
            (&mut self.by_actor, entry.actor.as_str()),
            (&mut self.by_prompt, entry.prompt.as_str()),
            (&mut self.by_agent, agent),
        ] {
            groups.entry(key.to_owned()).or_default().add(entry);
        }
        self.by_iteration
            .entry(entry.iteration)
            .or_default()
            .add(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Outcome, Usage};
    use crate::state::Actor;

    fn entry(iteration: u64, actor: Actor, cost: Option<f64>, tokens: Option<u64>) -> JournalEntry {
        let mut e: JournalEntry = serde_json::from_value(serde_json::json!({
            "iteration": iteration, "actor": actor, "prompt": "main.md",
            "source": "deterministic", "reason": "r", "agent": "claude",
            "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:01:00Z",
            "duration_ms": 60_000, "outcome": "ok", "exit_code": 0,
            "head_before": null, "head_after": null, "files_changed": 0,
            "insertions": 0, "deletions": 0, "log": "l", "host": "h", "generation": 1
        }))
        .expect("entry");
        e.usage = Usage {
            cost_usd: cost,
            input_tokens: tokens,
            ..Usage::default()
        };
        e
    }

    #[test]
    fn sums_count_only_what_was_reported() {
        let mut summary = Summary::default();
        summary.add(&entry(1, Actor::GALPH, Some(0.5), Some(100)));
        summary.add(&entry(1, Actor::RALPH, None, None));
        let mut failed = entry(2, Actor::RALPH, Some(0.25), Some(50));
        failed.outcome = Outcome::Failed;
        failed.attempts = 3;
        summary.add(&failed);
        let t = &summary.total;
        assert_eq!(t.turns, 3);
        assert_eq!(t.cost_usd, Some(0.75));
        assert_eq!(t.cost_reported_turns, 2);
        assert_eq!(t.input_tokens, Some(150));
        assert_eq!(t.output_tokens, None, "nobody reported output tokens");
        assert_eq!(t.attempts, 5);
        assert_eq!(t.duration_ms, 180_000);
        assert_eq!(t.outcomes, BTreeMap::from([("failed", 1), ("ok", 2)]));
        let ralph = &summary.by_actor["ralph"];
        assert_eq!((ralph.turns, ralph.cost_usd), (2, Some(0.25)));
        assert_eq!(summary.by_iteration[&1].turns, 2);
        assert_eq!(summary.by_agent["claude"].turns, 3);
        assert_eq!(summary.by_prompt["main.md"].turns, 3);
    }

    #[test]
    fn a_journal_line_of_an_earlier_version_reads_with_null_usage_and_one_attempt() {
        let e = entry(1, Actor::GALPH, None, None);
        assert_eq!(e.usage, Usage::default());
        assert_eq!(e.attempts, 1);
        assert_eq!(e.retry_at, None);
        let line = serde_json::to_value(&e).expect("json");
        assert_eq!(line["usage"]["cost_usd"], serde_json::Value::Null);
        assert!(line.get("retry_at").is_none());
    }
}
