//! Who changed the state. A turn is handed over only by the stamp of the claim it ends (both
//! commits carry the claim's id, written by [`crate::turn::subject`]), and an approval is given
//! only by `baton approve`; a commit that changed anything but a person's fields over a running
//! turn, and is not that turn's stamp, is foreign (an agent that pushed a state of its own).
//!
//! Commits of versions that wrote no trailers are not judged: a claim without a `Baton-Claim`
//! trailer may be ended by any commit, so a run started before the upgrade goes on.

use crate::error::Result;
use crate::git::{FileChange, Repo};
use crate::modes::role::sync::RoleSync;
use crate::state::{Actor, State, Status, parse_state};
use crate::text::short_sha;
use crate::turn::subject::{Marks, marks, subject_of};

/// One commit that changed the state file, with the states around it (`None`: absent or not
/// readable).
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub(crate) change: FileChange,
    pub(crate) before: Option<State>,
    pub(crate) after: Option<State>,
    pub(crate) marks: Marks,
}

impl Step {
    /// Whether the commit changed only what a person may change during a turn (the stop flag,
    /// notes), or nothing but the file's formatting.
    fn is_persons(&self) -> bool {
        match (&self.before, &self.after) {
            (Some(before), Some(after)) => before.turn_fields_changed(after).is_empty(),
            _ => false,
        }
    }

    /// Whether the state before the commit was a running marker (a turn was claimed).
    fn over_running_turn(&self) -> bool {
        self.before.as_ref().is_some_and(|s| {
            matches!(
                s.status,
                Status::Running(Actor::GALPH) | Status::Running(Actor::RALPH)
            )
        })
    }

    /// Whether Baton's claim, stamp or alarm commit wrote it.
    fn is_turn_commit(&self) -> bool {
        let m = &self.marks;
        m.claim.is_some() || m.stamp.is_some() || m.alarm.is_some()
    }

    /// `1a2b3c4 "subject" by Name <email>`, for messages.
    pub(crate) fn describe(&self) -> String {
        format!(
            "{} \"{}\" by {}",
            short_sha(&self.change.sha),
            subject_of(&self.change.message),
            self.change.author
        )
    }

    /// What the commit changed in the state, for messages.
    pub(crate) fn what_changed(&self) -> String {
        match (&self.before, &self.after) {
            (Some(before), Some(after)) => before.turn_fields_changed(after).join(", "),
            (_, None) => "the file (no longer valid JSON, or removed)".to_owned(),
            (None, Some(_)) => "the file".to_owned(),
        }
    }
}

/// A foreign change of the state, and what to put back.
pub(crate) struct Foreign {
    /// The commit.
    pub(crate) step: Step,
    /// Why it is foreign, one sentence without the commit.
    pub(crate) why: String,
    /// The state before it: the last one Baton vouches for, which the alarm puts back.
    pub(crate) restore: State,
    /// The claim whose running marker `restore` is, if its claim commit names one.
    pub(crate) claim: Option<String>,
}

impl RoleSync {
    /// The commits that changed the state file along the first-parent history of `rev`
    /// (newest first), without those reachable from `hide`.
    pub(crate) fn steps<'r>(
        &self,
        repo: &'r Repo,
        rev: &str,
        hide: Option<&str>,
    ) -> Result<impl Iterator<Item = Result<Step>> + 'r> {
        let path = self.state_rel.clone();
        let changes = repo.file_changes(rev, &self.state_rel, hide)?;
        Ok(changes.map(move |change| {
            let change = change?;
            let at = |rev: Option<&str>| -> Result<Option<State>> {
                let Some(rev) = rev else { return Ok(None) };
                let bytes = repo.read_at(rev, &path)?;
                let parsed = bytes.and_then(|b| parse_state(std::path::Path::new(&path), &b).ok());
                Ok(parsed.map(|l| l.state))
            };
            let before = at(change.parent.as_deref())?;
            let after = at(Some(&change.sha))?;
            let marks = marks(&change.message);
            Ok(Step {
                change,
                before,
                after,
                marks,
            })
        }))
    }

    /// Checks, before `actor` takes the turn the state at HEAD gives it, that the turn was
    /// handed over by Baton: the last commit that changed more than a person's fields is not a
    /// foreign one over a running turn, a stamp follows the claim it names, and (when
    /// `approval` is set: the turn needs one) the approval was made by `baton approve`.
    /// Returns the foreign commit, if any.
    ///
    /// # Errors
    /// Git errors reading the history.
    pub(crate) fn vouch(
        &self,
        repo: &Repo,
        state: &State,
        actor: Actor,
        approval: bool,
    ) -> Result<Option<Foreign>> {
        let mut steps = self.steps(repo, "HEAD", None)?;
        let mut last = None;
        for step in steps.by_ref() {
            let step = step?;
            if !step.is_persons() {
                last = Some(step);
                break;
            }
        }
        let Some(last) = last else {
            return Ok(None);
        };
        if let Some(claim) = last.marks.stamp.clone() {
            // The stamp must end the claim it names: the nearest claim (or alarm putting that
            // claim back) before it.
            for step in steps {
                let step = step?;
                let m = &step.marks;
                if m.claim.as_ref() == Some(&claim) || m.alarm.as_ref() == Some(&claim) {
                    return self.vouch_approval(repo, state, actor, approval);
                }
                if step.is_turn_commit() {
                    let why = format!(
                        "it stamps claim {claim}, but the turn it ends was claimed by {}",
                        step.describe()
                    );
                    return foreign(last, why, self, repo);
                }
            }
            let why = format!("it stamps claim {claim}, which is not in the history");
            return foreign(last, why, self, repo);
        }
        if !last.is_turn_commit() && last.marks.approved.is_none() && last.over_running_turn() {
            // Over a running turn: only its stamp may change more than a person's fields,
            // unless the claim itself predates the trailers.
            for step in steps {
                let step = step?;
                if step.is_persons() {
                    continue;
                }
                if step.marks.claim.is_some() || step.marks.alarm.is_some() {
                    let running = last.before.as_ref().map_or(Status::Idle, |s| s.status);
                    let why = format!(
                        "it changed {} of the state while a turn ran ({running}), and it is not \
                         that turn's stamp",
                        last.what_changed()
                    );
                    return foreign(last, why, self, repo);
                }
                break;
            }
        }
        self.vouch_approval(repo, state, actor, approval)
    }

    /// With `approval`, the commit that approved `actor`'s turn must be `baton approve`'s.
    fn vouch_approval(
        &self,
        repo: &Repo,
        state: &State,
        actor: Actor,
        approval: bool,
    ) -> Result<Option<Foreign>> {
        if !approval || !state.is_approved(actor) {
            return Ok(None);
        }
        for step in self.steps(repo, "HEAD", None)? {
            let step = step?;
            let approved = |s: &Option<State>| s.as_ref().is_some_and(|s| s.is_approved(actor));
            if !approved(&step.after) || approved(&step.before) {
                continue;
            }
            if step.marks.approved.is_some_and(|(who, _)| who == actor) {
                return Ok(None);
            }
            let why = format!("it approved {actor}'s turn, and it is not a `baton approve` commit");
            return foreign(step, why, self, repo);
        }
        Ok(None)
    }

    /// The oldest commit among those `tracking` has and HEAD lacks that changed more than a
    /// person's fields of the state, if any.
    ///
    /// # Errors
    /// Git errors reading the history.
    pub(crate) fn first_turn_change(&self, repo: &Repo, tracking: &str) -> Result<Option<Step>> {
        let mut found = None;
        for step in self.steps(repo, tracking, Some("HEAD"))? {
            let step = step?;
            if !step.is_persons() {
                found = Some(step); // newest first: the last one kept is the oldest
            }
        }
        Ok(found)
    }

    /// The id of the claim whose running marker is the state at HEAD, when its claim commit
    /// names one (`baton stamp` over a claimed turn names it in its stamp).
    ///
    /// # Errors
    /// Git errors reading the history.
    pub(crate) fn open_claim(&self, repo: &Repo) -> Result<Option<String>> {
        for step in self.steps(repo, "HEAD", None)? {
            let step = step?;
            if step.is_persons() {
                continue;
            }
            return Ok(claim_of(&step));
        }
        Ok(None)
    }
}

/// The claim a turn commit opens or puts back (a claim or an alarm naming one).
fn claim_of(step: &Step) -> Option<String> {
    let m = &step.marks;
    m.claim
        .clone()
        .or_else(|| m.alarm.clone().filter(|c| c != "none"))
}

/// `step` as a [`Foreign`] change: what to put back is the state before it, whose claim is
/// read from the history below it.
fn foreign(step: Step, why: String, sync: &RoleSync, repo: &Repo) -> Result<Option<Foreign>> {
    let restore = step
        .before
        .clone()
        .or_else(|| step.after.clone())
        .unwrap_or_default();
    let claim = match &step.change.parent {
        Some(parent) if restore.status == Status::running(restore.expected_actor) => {
            let mut claim = None;
            for below in sync.steps(repo, parent, None)? {
                let below = below?;
                if !below.is_persons() {
                    claim = claim_of(&below);
                    break;
                }
            }
            claim
        }
        _ => None,
    };
    Ok(Some(Foreign {
        step,
        why,
        restore,
        claim,
    }))
}
