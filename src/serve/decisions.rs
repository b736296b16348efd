//! People's answers at approval checkpoints, for the turns table: who approved or rejected
//! which turn, when, and the note they gave.
//!
//! The history is the record that every view has: each `baton approve` / `baton reject`
//! commits the state with a `Baton-Decision` trailer, from whichever clone it ran on, and the
//! state in that commit says who answered, when, and the note. The event log's
//! `approval_decided` lines add what the history lacks (a run without git); a line that
//! matches a commit's answer adds nothing.

mod walk;

use std::collections::VecDeque;

use serde::Serialize;

use crate::config::Config;
use crate::events::Decided;
use crate::git::Repo;
use crate::journal::JournalEntry;

use walk::TurnHeads;

/// How many of the newest answers the page gets.
pub(crate) const KEPT: usize = 50;

/// How far apart the event log's and the commit's times of one answer may be, in seconds.
const SAME_ANSWER_SECS: u64 = 10;

/// One answer at an approval checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct DecisionView {
    /// The actor whose turn was answered, as written.
    pub(crate) actor: String,
    /// That turn's iteration.
    pub(crate) iteration: u64,
    /// Approved (`true`) or rejected.
    pub(crate) approved: bool,
    /// Who answered (`user@host`), when known.
    pub(crate) by: Option<String>,
    /// When (UTC `YYYY-MM-DDTHH:MM:SSZ`), when known.
    pub(crate) at: Option<String>,
    /// The person's note, if they gave one.
    pub(crate) note: Option<String>,
    /// The answer's commit (full SHA); `None` for one only the event log has.
    pub(crate) commit: Option<String>,
    /// The number of the turn that ran next (the first shown whose `head_before` holds the
    /// answer's commit): the turn an approval let run, or the one a rejection sent back to
    /// the supervisor. `None` when no turn shown ran after it, or it has no commit.
    pub(crate) before_turn: Option<u64>,
}

/// People's answers as the history and the event log tell them, read from the workspace's
/// repository (here, or at the remote's branch fetched into it), again only when the history
/// or the turns shown changed.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// The repository (`None`: not in one: the event log alone tells).
    repo: Option<Repo>,
    /// The state file, relative to the work tree root.
    state_rel: Option<String>,
    /// The tip and turns the answers were read for.
    read_for: Option<(String, Vec<TurnHeads>)>,
    found: Vec<DecisionView>,
}

impl History {
    /// The answers of `config`'s workspace.
    pub(crate) fn new(config: &Config) -> History {
        let repo = Repo::discover(&config.root).ok().flatten();
        let state_rel = repo.as_ref().and_then(|r| r.relative(&config.state_file));
        History {
            repo,
            state_rel,
            ..History::default()
        }
    }

    /// The answers to show beside `turns` (the turns table, oldest first; the first is number
    /// `first`): those committed on the history of `tip` (the remote's branch when the page
    /// shows it; `None`: this clone's HEAD), with the event log's `logged` merged in.
    pub(crate) fn answers(
        &mut self,
        tip: Option<&str>,
        first: u64,
        turns: &[JournalEntry],
        logged: &VecDeque<Decided>,
    ) -> Vec<DecisionView> {
        let committed = self.committed(tip, first, turns);
        merge(committed, logged)
    }

    fn committed(
        &mut self,
        tip: Option<&str>,
        first: u64,
        turns: &[JournalEntry],
    ) -> Vec<DecisionView> {
        let (Some(repo), Some(state_rel)) = (&self.repo, &self.state_rel) else {
            return Vec::new();
        };
        let tip = match tip {
            Some(tip) => tip.to_owned(),
            None => match repo.head_id() {
                Ok(Some(head)) => head,
                _ => return Vec::new(),
            },
        };
        let heads: Vec<TurnHeads> = turns
            .iter()
            .zip(first..)
            .map(|(t, n)| TurnHeads {
                n,
                before: t.head_before.clone(),
                after: t.head_after.clone(),
            })
            .collect();
        let seen = self
            .read_for
            .as_ref()
            .is_some_and(|(t, shown)| *t == tip && *shown == heads);
        if !seen {
            self.found = walk::from_history(repo, &tip, &heads, state_rel);
            self.read_for = Some((tip, heads));
        }
        self.found.clone()
    }
}

/// The answers of the history, with those of the event log (`logged`, oldest first) that no
/// commit records, oldest first, the newest [`KEPT`].
fn merge(history: Vec<DecisionView>, logged: &VecDeque<Decided>) -> Vec<DecisionView> {
    let mut all = history;
    let recorded = all.len();
    for answer in logged {
        let answer = DecisionView {
            actor: answer.actor.clone(),
            iteration: answer.iteration,
            approved: answer.approved,
            by: answer.by.clone(),
            at: answer.at.clone(),
            note: answer.note.clone(),
            commit: None,
            before_turn: None,
        };
        let same = |c: &DecisionView| {
            (&c.actor, c.iteration, c.approved)
                == (&answer.actor, answer.iteration, answer.approved)
                && (c.by.is_none() || c.by == answer.by)
                && near(c.at.as_deref(), answer.at.as_deref())
        };
        match all[..recorded].iter_mut().find(|c| same(c)) {
            Some(commit) => {
                if commit.note.is_none() {
                    commit.note.clone_from(&answer.note);
                }
            }
            None => all.push(answer),
        }
    }
    all.sort_by(|a, b| a.at.cmp(&b.at));
    let skip = all.len().saturating_sub(KEPT);
    all.split_off(skip)
}

/// Whether two UTC times are within [`SAME_ANSWER_SECS`] (or either is unknown).
fn near(a: Option<&str>, b: Option<&str>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return true;
    };
    match (
        humantime::parse_rfc3339_weak(a),
        humantime::parse_rfc3339_weak(b),
    ) {
        (Ok(a), Ok(b)) => {
            let apart = a.duration_since(b).or_else(|_| b.duration_since(a));
            apart.is_ok_and(|d| d.as_secs() <= SAME_ANSWER_SECS)
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
