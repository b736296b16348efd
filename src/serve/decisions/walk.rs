//! The history walk of [`super::History`]: the commits with a `Baton-Decision` trailer on the
//! first-parent line, down to the oldest turn shown, each read with the state it holds.

use std::path::Path;

use super::DecisionView;
use crate::git::Repo;
use crate::turn::subject;

/// How many commits the history walk reads at most.
const WALK: usize = 2000;

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

/// The answers committed on the first-parent line of `tip` down to the oldest of `turns`'
/// `head_before` (oldest first), oldest first, each with the turn that ran next; at most
/// [`WALK`] commits are read. `state_rel` is the state file relative to the work tree root. A
/// history that cannot be walked has none (the page shows fewer marks, never an error).
///
/// A person answers between turns; a commit with a `Baton-Decision` trailer made inside a turn
/// (after its `head_before`, up to its `head_after`) was made by that turn's agent, which can
/// write any message, and is no answer.
pub(super) fn from_history(
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
