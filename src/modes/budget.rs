//! Budgets (`budget.*`): what the journal says was spent since `budget.since`, against the
//! limits. Counted from the journal, never from memory, so a restart, a crash or the other
//! machine cannot reset them. Archived journal segments never change, so their sums are kept
//! for the life of the process: a check reads only the current segment again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::config::{BudgetConfig, Since, format_duration};
use crate::error::Result;
use crate::journal::{Journal, JournalEntry, Outcome};

/// The prefix of every budget stop reason (`exit_reason` in the state).
pub(crate) const PREFIX: &str = "budget:";

/// What was spent, and the failures in a row at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Spent {
    /// Turns.
    pub(crate) turns: u64,
    /// Reported input + output tokens.
    pub(crate) tokens: u64,
    /// Reported cost, millionths of a dollar.
    pub(crate) cost_micros: u64,
    /// Wall time, milliseconds.
    pub(crate) duration_ms: u64,
    /// Failed turns in a row at the end (`failed`, `timeout`, `stalled`; an `ok` resets it,
    /// `limited` and `interrupted` leave it).
    pub(crate) failures_in_a_row: u64,
    /// Whether a turn reset the failure count (within one segment).
    reset: bool,
}

impl Spent {
    fn add(&mut self, entry: &JournalEntry) {
        let usage = &entry.usage;
        self.turns += 1;
        self.tokens += usage.input_tokens.unwrap_or(0) + usage.output_tokens.unwrap_or(0);
        // Costs are reported in dollars; the sum is kept in whole micro-dollars.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let micros = (usage.cost_usd.unwrap_or(0.0).max(0.0) * 1e6).round() as u64;
        self.cost_micros += micros;
        self.duration_ms += entry.duration_ms;
        match entry.outcome {
            Outcome::Failed | Outcome::Timeout | Outcome::Stalled => self.failures_in_a_row += 1,
            Outcome::Ok => {
                self.failures_in_a_row = 0;
                self.reset = true;
            }
            Outcome::Limited | Outcome::Interrupted => {}
        }
    }

    /// `self` followed by `later`.
    fn then(self, later: Spent) -> Spent {
        Spent {
            turns: self.turns + later.turns,
            tokens: self.tokens + later.tokens,
            cost_micros: self.cost_micros + later.cost_micros,
            duration_ms: self.duration_ms + later.duration_ms,
            failures_in_a_row: if later.reset {
                later.failures_in_a_row
            } else {
                self.failures_in_a_row + later.failures_in_a_row
            },
            reset: self.reset || later.reset,
        }
    }
}

/// Whether `entry` counts from `since`.
fn counts(entry: &JournalEntry, since: Option<&Since>) -> bool {
    match since {
        None => true,
        Some(Since::Iteration(i)) => entry.iteration >= *i,
        Some(Since::Time(t)) => entry.ended_at.as_str() >= t.as_str(),
    }
}

/// What the budget remembers between checks: the sums of archived journal segments (which never
/// change once made), by (path, length, since), so that each is read once per run.
#[derive(Debug, Default)]
pub(crate) struct SpentCache {
    archives: Mutex<HashMap<(PathBuf, u64, String), Spent>>,
}

/// What the journal says was spent since `since`, archived segments from `cache`.
///
/// # Errors
/// Journal errors.
pub(crate) fn spent(journal: &Journal, since: Option<&Since>, cache: &SpentCache) -> Result<Spent> {
    let since_key = format!("{since:?}");
    let mut total = Spent::default();
    for archive in journal.archives()? {
        let len = std::fs::metadata(&archive).map_or(0, |m| m.len());
        let key = (archive.clone(), len, since_key.clone());
        let cached = cache
            .archives
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .copied();
        let part = match cached {
            Some(part) => part,
            None => {
                let mut part = Spent::default();
                Journal::new(archive).for_each_in_segment(|e| {
                    if counts(&e, since) {
                        part.add(&e);
                    }
                })?;
                cache
                    .archives
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key, part);
                part
            }
        };
        total = total.then(part);
    }
    let mut current = Spent::default();
    journal.for_each_in_segment(|e| {
        if counts(&e, since) {
            current.add(&e);
        }
    })?;
    Ok(total.then(current))
}

/// One limit against its figure.
struct Limit {
    key: &'static str,
    what: &'static str,
    limit: Option<u64>,
    value: u64,
    show: fn(u64) -> String,
}

fn dollars(micros: u64) -> String {
    format!("${:.2}", micros as f64 / 1e6)
}

fn count(n: u64) -> String {
    n.to_string()
}

fn wall(ms: u64) -> String {
    format_duration(Duration::from_millis(ms))
}

/// What `entries` (a whole journal, oldest first, e.g. read from a commit) spent since `since`.
pub(crate) fn spent_in<'a>(
    entries: impl IntoIterator<Item = &'a JournalEntry>,
    since: Option<&Since>,
) -> Spent {
    let mut spent = Spent::default();
    for entry in entries.into_iter().filter(|e| counts(e, since)) {
        spent.add(entry);
    }
    spent
}

/// Each limit `budget` sets against what `spent` used, for people: `cost $1.20 of $5.00`,
/// `turns 7 of 20`, … (empty when no budget is set).
pub(crate) fn left(budget: &BudgetConfig, spent: &Spent) -> Vec<String> {
    lines(budget, spent)
        .into_iter()
        .map(|l| format!("{} {} of {}", l.what, l.spent, l.limit))
        .collect()
}

/// Every limit of `budget` against what `spent` says (unset limits included, as `None`).
fn limits(budget: &BudgetConfig, spent: &Spent) -> [Limit; 5] {
    let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    [
        Limit {
            key: "budget.max_cost_usd",
            what: "cost",
            limit: budget.max_cost_micros,
            value: spent.cost_micros,
            show: dollars,
        },
        Limit {
            key: "budget.max_tokens",
            what: "tokens",
            limit: budget.max_tokens,
            value: spent.tokens,
            show: count,
        },
        Limit {
            key: "budget.max_turns",
            what: "turns",
            limit: budget.max_turns,
            value: spent.turns,
            show: count,
        },
        Limit {
            key: "budget.max_duration",
            what: "time",
            limit: budget.max_duration.map(millis),
            value: spent.duration_ms,
            show: wall,
        },
        Limit {
            key: "budget.max_consecutive_failures",
            what: "failures in a row",
            limit: budget.max_consecutive_failures,
            value: spent.failures_in_a_row,
            show: count,
        },
    ]
}

/// The first limit of `budget` that `spent` reached, as a stop reason
/// (`budget: cost $12.01 reached budget.max_cost_usd $12.00`); `None` while all hold.
pub(crate) fn reached(budget: &BudgetConfig, spent: &Spent) -> Option<String> {
    limits(budget, spent).into_iter().find_map(|l| {
        let limit = l.limit?;
        (l.value >= limit).then(|| {
            let show = l.show;
            format!(
                "{PREFIX} {} {} reached {} {}",
                l.what,
                show(l.value),
                l.key,
                show(limit)
            )
        })
    })
}

/// One set limit for people (`baton serve`): its key, what it counts, the figures as text
/// (`$1.20`, `7`, `1h 2m`) and how much of it is used (`spent / limit`, 1.0 or more once
/// reached).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub(crate) struct Line {
    /// The configuration key (`budget.max_turns`).
    pub(crate) key: &'static str,
    /// What it counts (`turns`).
    pub(crate) what: &'static str,
    /// What was spent, as text.
    pub(crate) spent: String,
    /// The limit, as text.
    pub(crate) limit: String,
    /// `spent / limit` (1.0 when the limit is 0).
    pub(crate) used: f64,
    /// Whether the limit is reached (the run stops at the next turn boundary).
    pub(crate) reached: bool,
}

/// The limits `budget` sets, against `spent`, in the order `reached` checks them.
pub(crate) fn lines(budget: &BudgetConfig, spent: &Spent) -> Vec<Line> {
    limits(budget, spent)
        .into_iter()
        .filter_map(|l| {
            let limit = l.limit?;
            let show = l.show;
            #[allow(clippy::cast_precision_loss)] // a ratio for a progress bar
            let used = if limit == 0 {
                1.0
            } else {
                l.value as f64 / limit as f64
            };
            Some(Line {
                key: l.key,
                what: l.what,
                spent: show(l.value),
                limit: show(limit),
                used,
                reached: l.value >= limit,
            })
        })
        .collect()
}

/// The stop reason when a limit of `budget` is reached now; `None` when no budget is set or
/// all hold.
///
/// # Errors
/// Journal errors.
pub(crate) fn check(
    budget: &BudgetConfig,
    journal: &Journal,
    cache: &SpentCache,
) -> Result<Option<String>> {
    if !budget.is_set() {
        return Ok(None);
    }
    Ok(reached(
        budget,
        &spent(journal, budget.since.as_ref(), cache)?,
    ))
}

#[cfg(test)]
mod tests;
