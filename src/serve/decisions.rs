//! People's answers at approval checkpoints, for the turns table: who approved or rejected
//! which turn, when, and the note they gave.
//!
//! The history is the record that every view has: each `baton approve` / `baton reject`
//! commits the state with a `Baton-Decision` trailer, from whichever clone it ran on, and the
//! state in that commit says who answered, when, and the note. The event log's
//! `approval_decided` lines add what the history lacks (a run without git); a line that
//! matches a commit's answer adds nothing.

use std::collections::VecDeque;
use std::path::Path;

use serde::Serialize;

use crate::events::Decided;
use crate::git::Repo;
use crate::turn::subject;

/// How many commits the history walk reads at most.
const WALK: usize = 2000;

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

/// A turn of the table as the history walk needs it: its number and its heads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TurnHeads {
    /// The turn's number.
    pub(crate) n: u64,
    /// HEAD before it.
    pub(crate) before: Option<String>,
    /// HEAD after it.
    pub(crate) after: Option<String>,
}

/// The answers read from the history, kept until the history read changes.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// The tip and turns the answers were read for.
    read_for: Option<(String, Vec<TurnHeads>)>,
    found: Vec<DecisionView>,
}

impl History {
    /// [`from_history`], read again only when `tip` or the turns shown changed.
    pub(crate) fn read(
        &mut self,
        repo: &Repo,
        tip: String,
        turns: Vec<TurnHeads>,
        state_rel: &str,
    ) -> &[DecisionView] {
        let seen = self
            .read_for
            .as_ref()
            .is_some_and(|(t, shown)| *t == tip && *shown == turns);
        if !seen {
            self.found = from_history(repo, &tip, &turns, state_rel);
            self.read_for = Some((tip, turns));
        }
        &self.found
    }
}

/// The answers committed on the first-parent line of `tip` down to the oldest of `turns`'
/// `head_before` (oldest first), oldest first, each with the turn that ran next; at most
/// [`WALK`] commits are read. `state_rel` is the state file relative to the work tree root. A
/// history that cannot be walked has none (the page shows fewer marks, never an error).
///
/// A person answers between turns; a commit with a `Baton-Decision` trailer made inside a turn
/// (after its `head_before`, up to its `head_after`) was made by that turn's agent, which can
/// write any message, and is no answer.
pub(crate) fn from_history(
    repo: &Repo,
    tip: &str,
    turns: &[TurnHeads],
    state_rel: &str,
) -> Vec<DecisionView> {
    let oldest = turns.first().and_then(|t| t.before.as_deref());
    let walked = repo.log(tip, oldest, true, WALK).and_then(|mut commits| {
        // The oldest head itself (hidden from the walk) may be an answer: the one that let
        // the oldest turn shown run.
        if let Some(head) = oldest {
            commits.extend(repo.log(head, None, true, 1)?);
        }
        Ok(commits)
    });
    let commits = match walked {
        Ok(commits) => commits,
        Err(e) => {
            tracing::debug!(error = %e, "decisions: history");
            return Vec::new();
        }
    };
    let at = |commit: &str, head: &Option<String>| {
        head.as_deref()
            .is_some_and(|h| h.len() >= 4 && commit.starts_with(h))
    };
    // Newest first: the last turn whose head_before was passed is the one after an answer;
    // between a turn's head_after and its head_before the walk is inside that turn.
    let mut next = None;
    let mut inside = false;
    let mut found = Vec::new();
    for commit in &commits {
        let sha = commit.sha.as_str();
        if let Some(n) = turns
            .iter()
            .filter(|t| at(sha, &t.before))
            .map(|t| t.n)
            .min()
        {
            next = Some(n);
            inside = false;
        }
        if turns
            .iter()
            .any(|t| at(sha, &t.after) && t.after != t.before)
        {
            inside = true;
        }
        let Some(mark) = subject::decided(&commit.message) else {
            continue;
        };
        if inside {
            tracing::debug!(
                commit = sha,
                "a decision trailer inside a turn: not an answer"
            );
            continue;
        }
        let mut view = DecisionView {
            actor: mark.actor,
            iteration: mark.iteration,
            approved: mark.approve,
            by: None,
            at: None,
            note: None,
            commit: Some(commit.sha.clone()),
            before_turn: next,
        };
        fill_from_state(repo, &commit.sha, state_rel, &mut view);
        found.push(view);
    }
    found.reverse();
    found
}

/// Who, when and the note, from the state the answer's commit holds: an approval keeps them in
/// `approval` (`approved_by`, `approved_at`) and its note goes to the approved actor; a
/// rejection leaves galph a note `<actor>'s turn (<prompt>) was rejected by <who>: <note>`,
/// written at the state's `last_update`.
fn fill_from_state(repo: &Repo, sha: &str, state_rel: &str, view: &mut DecisionView) {
    let Ok(Some(bytes)) = repo.read_at(sha, state_rel) else {
        return;
    };
    let Ok(loaded) = crate::state::parse_state(Path::new(state_rel), &bytes) else {
        return;
    };
    let state = loaded.state;
    if view.approved {
        let Some(approval) = state
            .approval
            .filter(|a| a.actor.as_str() == view.actor && a.iteration == view.iteration)
        else {
            return;
        };
        view.note = state
            .notes
            .iter()
            .rev()
            .find(|n| {
                n.to.is_some_and(|to| to.as_str() == view.actor)
                    && approval.approved_by.as_ref() == Some(&n.from)
                    && approval.approved_at.as_ref() == Some(&n.at)
            })
            .map(|n| n.text.clone());
        view.by = approval.approved_by;
        view.at = approval.approved_at;
    } else {
        view.at.clone_from(&state.last_update);
        let Some(note) = state.notes.iter().rev().find(|n| {
            Some(&n.at) == state.last_update.as_ref() && n.text.contains(" was rejected by ")
        }) else {
            return;
        };
        let said = format!(" was rejected by {}: ", note.from);
        view.note = Some(match note.text.split_once(&said) {
            Some((_, why)) => why.to_owned(),
            None => note.text.clone(),
        });
        view.by = Some(note.from.clone());
    }
}

/// The answers of the history, with those of the event log (`logged`, oldest first) that no
/// commit records, oldest first, the newest [`KEPT`].
pub(crate) fn merge(history: Vec<DecisionView>, logged: &VecDeque<Decided>) -> Vec<DecisionView> {
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
mod tests {
    use super::*;

    fn answer(approved: bool, by: &str, at: &str, note: Option<&str>) -> Decided {
        Decided {
            actor: "ralph".into(),
            iteration: 3,
            approved,
            by: Some(by.into()),
            at: Some(at.into()),
            note: note.map(str::to_owned),
        }
    }

    #[test]
    fn the_event_log_adds_only_what_no_commit_records() {
        let committed = DecisionView {
            actor: "ralph".into(),
            iteration: 3,
            approved: false,
            by: Some("ann@l".into()),
            at: Some("2026-11-21T10:00:00Z".into()),
            note: None,
            commit: Some("c1".into()),
            before_turn: Some(4),
        };
        let logged: VecDeque<_> = [
            answer(false, "ann@l", "2026-11-21T10:00:02Z", Some("tests first")),
            // The same person rejects the same turn again, later: another answer.
            answer(
                false,
                "ann@l",
                "2026-11-21T10:30:00Z",
                Some("still no tests"),
            ),
            answer(true, "bob@m", "2026-11-21T09:00:00Z", None),
        ]
        .into();
        let merged = merge(vec![committed], &logged);
        let seen: Vec<_> = merged
            .iter()
            .map(|d| (d.at.as_deref(), d.note.as_deref(), d.commit.is_some()))
            .collect();
        assert_eq!(
            seen,
            [
                (Some("2026-11-21T09:00:00Z"), None, false),
                (Some("2026-11-21T10:00:00Z"), Some("tests first"), true),
                (Some("2026-11-21T10:30:00Z"), Some("still no tests"), false),
            ]
        );
        let many: VecDeque<_> = (0..KEPT + 3)
            .map(|i| answer(true, "a", &format!("2026-11-21T10:{:02}:00Z", i % 60), None))
            .map(|mut d| {
                d.iteration = 100;
                d
            })
            .collect();
        assert_eq!(merge(Vec::new(), &many).len(), KEPT);
    }
}
