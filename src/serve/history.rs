//! The journal as the page reads it, in one pass over its lines (here or at the remote's
//! branch): the sums per actor, the newest [`TURNS`] lines for the turns table, their place
//! in the whole journal (a turn's number `n`: 1 for the first line ever written), and an
//! index of past turns — what `/api/turn/<n>/…` needs to find a turn's heads and log.

use crate::journal::{JournalEntry, Summary};
use std::collections::VecDeque;

use super::snapshot::TURNS;

/// How many of the newest turns the index keeps (older ones are not served).
pub(crate) const INDEXED: usize = 10_000;

/// What the page may ask about one past turn: the journal line's heads, log and host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TurnRef {
    /// The actor, as the journal names it.
    pub(crate) actor: String,
    /// The iteration.
    pub(crate) iteration: u64,
    /// HEAD before the turn (a SHA, as written).
    pub(crate) head_before: Option<String>,
    /// HEAD after the turn.
    pub(crate) head_after: Option<String>,
    /// The turn log, relative to the workspace root (as written).
    pub(crate) log: String,
    /// The machine that ran the turn.
    pub(crate) host: String,
}

/// The newest [`INDEXED`] turns, by number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TurnIndex {
    /// The number of `refs[0]`.
    first: u64,
    refs: VecDeque<TurnRef>,
}

impl TurnIndex {
    /// Turn `n` (1 = the journal's first line), when it is indexed.
    pub(crate) fn get(&self, n: u64) -> Option<&TurnRef> {
        let offset = usize::try_from(n.checked_sub(self.first)?).ok()?;
        self.refs.get(offset)
    }
}

/// One pass over a journal, oldest line first (kept between polls and fed the new lines).
#[derive(Clone, Debug, Default)]
pub(crate) struct JournalRead {
    /// Every line's sums.
    pub(crate) summary: Summary,
    /// The newest [`TURNS`] lines, oldest first.
    pub(crate) turns: VecDeque<JournalEntry>,
    /// How many lines there are.
    pub(crate) count: u64,
    /// The newest [`INDEXED`] lines' turns.
    pub(crate) index: TurnIndex,
}

impl JournalRead {
    /// Nothing read yet: the next line is turn 1.
    pub(crate) fn new() -> JournalRead {
        JournalRead {
            index: TurnIndex {
                first: 1,
                refs: VecDeque::new(),
            },
            ..JournalRead::default()
        }
    }

    /// Reads every line of `entries`, oldest first.
    pub(crate) fn of(entries: impl IntoIterator<Item = JournalEntry>) -> JournalRead {
        let mut read = JournalRead::new();
        for entry in entries {
            read.add(entry);
        }
        read
    }

    /// Counts the next line in.
    pub(crate) fn add(&mut self, entry: JournalEntry) {
        self.count += 1;
        self.summary.add(&entry);
        if self.index.refs.len() == INDEXED {
            self.index.refs.pop_front();
            self.index.first += 1;
        }
        self.index.refs.push_back(TurnRef {
            actor: entry.actor.as_str().to_owned(),
            iteration: entry.iteration,
            head_before: entry.head_before.clone(),
            head_after: entry.head_after.clone(),
            log: entry.log.clone(),
            host: entry.host.clone(),
        });
        if self.turns.len() == TURNS {
            self.turns.pop_front();
        }
        self.turns.push_back(entry);
    }

    /// The number of the first of [`JournalRead::turns`], minus one: the lines before them.
    pub(crate) fn before(&self) -> u64 {
        self.count - self.turns.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(iteration: u64, actor: &str) -> JournalEntry {
        serde_json::from_value(json!({
            "iteration": iteration, "actor": actor, "prompt": "main.md",
            "source": "deterministic", "reason": "r", "agent": "stub",
            "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:01:00Z",
            "duration_ms": 1, "outcome": "ok", "exit_code": 0,
            "head_before": format!("{iteration:040x}"), "head_after": null,
            "files_changed": 0, "insertions": 0, "deletions": 0,
            "log": format!("logs/{iteration}.log"), "host": "h", "generation": 1
        }))
        .expect("journal entry")
    }

    #[test]
    fn turns_are_numbered_from_the_first_line_and_only_the_newest_are_indexed() {
        let read = JournalRead::of((1..=INDEXED as u64 + 5).map(|i| entry(i, "ralph")));
        assert_eq!(read.count, INDEXED as u64 + 5);
        assert_eq!(read.turns.len(), TURNS);
        assert_eq!(read.before() + 1, read.count - TURNS as u64 + 1);
        assert_eq!(
            read.turns[0].iteration,
            read.before() + 1,
            "turn n is line n"
        );
        let index = &read.index;
        assert_eq!(index.get(5), None, "too old");
        assert_eq!(index.get(6).map(|t| t.iteration), Some(6));
        let last = read.count;
        let newest = index.get(last).expect("the newest");
        assert_eq!(
            (newest.log.as_str(), newest.actor.as_str()),
            (format!("logs/{last}.log").as_str(), "ralph")
        );
        assert_eq!(index.get(last + 1), None);
        assert_eq!(index.get(0), None);
        assert_eq!(read.summary.total.turns, last);

        let small = JournalRead::of([entry(1, "galph"), entry(1, "ralph")]);
        assert_eq!((small.before(), small.count), (0, 2));
        assert_eq!(
            small.index.get(2).map(|t| t.actor.clone()).as_deref(),
            Some("ralph")
        );
    }
}
