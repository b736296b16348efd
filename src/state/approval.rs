//! Approval checkpoints in the state (`approval` and the `awaiting-approval` status,
//! `docs/state.md`): a turn named by `approval.before` waits until a person approves it
//! (`baton approve`) or rejects it (`baton reject`, which sends the turn back to galph with the
//! person's note).
//!
//! Pure: times and names come in as arguments. An approval holds for its turn — through a
//! usage-limit wait and a rerun after a crash — and ends with the turn's `ok` or `failed` stamp.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::state::{Actor, Note, State, Status, format_utc};

/// The checkpoint of one turn: requested, then approved (or removed by a rejection).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Whose turn waits.
    pub actor: Actor,
    /// The iteration of that turn.
    pub iteration: u64,
    /// The prompt the turn is routed to (the deterministic router's choice), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// When the turn started waiting (UTC `YYYY-MM-DDTHH:MM:SSZ`).
    pub requested_at: String,
    /// The status before the wait, restored by an approval.
    pub resume_status: Status,
    /// Who approved it (`user@host`); absent while it waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// When it was approved (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
}

/// A person's answer to a waiting turn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Approve (`true`) or reject (`false`).
    pub approve: bool,
    /// The note for the next turn: the approved actor's, or galph's after a rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who decided (`user@host`).
    pub by: String,
    /// When (UTC).
    pub at: String,
}

/// Why a [`Decision`] could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("nothing awaits approval (status {0})")]
pub struct NothingAwaits(pub Status);

impl State {
    /// The checkpoint when a turn waits for a person (status `awaiting-approval`).
    #[must_use]
    pub fn awaiting_approval(&self) -> Option<&Approval> {
        self.approval
            .as_ref()
            .filter(|_| self.status == Status::AwaitingApproval)
    }

    /// Whether `actor`'s turn of the current iteration has been approved.
    #[must_use]
    pub fn is_approved(&self, actor: Actor) -> bool {
        self.approval.as_ref().is_some_and(|a| {
            a.actor == actor && a.iteration == self.iteration && a.approved_by.is_some()
        })
    }

    /// Makes `actor`'s next turn wait for approval: `awaiting-approval`, expected `actor`, the
    /// checkpoint recorded with the current status to come back to.
    pub fn request_approval(&mut self, actor: Actor, prompt: Option<&str>, now: SystemTime) {
        let resume_status = match self.status {
            Status::AwaitingApproval => self
                .approval
                .as_ref()
                .map_or(Status::Idle, |a| a.resume_status),
            status => status,
        };
        self.approval = Some(Approval {
            actor,
            iteration: self.iteration,
            prompt: prompt.map(str::to_owned),
            requested_at: format_utc(now),
            resume_status,
            approved_by: None,
            approved_at: None,
        });
        self.expected_actor = actor;
        self.status = Status::AwaitingApproval;
        self.last_update = Some(format_utc(now));
    }

    /// Whether `decision` (the same person's same answer) is already in this state: an
    /// approval of the turn at this iteration by `decision.by`, its note delivered; or a
    /// rejection by `decision.by` whose note still waits for galph.
    #[must_use]
    pub fn carries(&self, decision: &Decision) -> bool {
        if self.awaiting_approval().is_some() {
            return false;
        }
        let noted = |to: Actor, text: &dyn Fn(&str) -> bool| {
            self.notes
                .iter()
                .any(|n| n.to == Some(to) && n.from == decision.by && text(&n.text))
        };
        if decision.approve {
            self.approval.as_ref().is_some_and(|a| {
                a.iteration == self.iteration
                    && a.approved_by.as_deref() == Some(decision.by.as_str())
                    && decision
                        .note
                        .as_deref()
                        .is_none_or(|note| noted(a.actor, &|text| text == note))
            })
        } else {
            let tail = format!(" {}", rejected_by(decision));
            noted(Actor::GALPH, &|text| text.ends_with(&tail))
        }
    }

    /// Applies a person's decision to the waiting turn. Approval: the status before the wait
    /// comes back and the turn may run; its note goes to that turn. Rejection: the checkpoint
    /// is removed and the turn goes back to galph (`complete`: galph runs next, in the same
    /// iteration) with a note saying what was rejected, by whom, and why.
    ///
    /// # Errors
    /// [`NothingAwaits`] when no turn waits; the state is unchanged.
    pub fn decide(&mut self, decision: &Decision) -> Result<(), NothingAwaits> {
        let Some(waiting) = self.awaiting_approval().cloned() else {
            return Err(NothingAwaits(self.status));
        };
        let note = |to: Actor, text: String| Note {
            to: Some(to),
            text,
            from: decision.by.clone(),
            at: decision.at.clone(),
        };
        if decision.approve {
            self.status = waiting.resume_status;
            self.approval = Some(Approval {
                approved_by: Some(decision.by.clone()),
                approved_at: Some(decision.at.clone()),
                ..waiting.clone()
            });
            if let Some(text) = &decision.note {
                self.notes.push(note(waiting.actor, text.clone()));
            }
        } else {
            let what = match &waiting.prompt {
                Some(prompt) => format!("{}'s turn ({prompt})", waiting.actor),
                None => format!("{}'s turn", waiting.actor),
            };
            self.notes.push(note(
                Actor::GALPH,
                format!("{what} {}", rejected_by(decision)),
            ));
            self.approval = None;
            self.expected_actor = Actor::GALPH;
            self.status = if waiting.actor == Actor::GALPH {
                waiting.resume_status
            } else {
                Status::Complete
            };
        }
        self.last_update = Some(decision.at.clone());
        Ok(())
    }
}

/// The end of the note a rejection leaves galph: `was rejected by <by>: <note>`.
fn rejected_by(decision: &Decision) -> String {
    let why = decision.note.as_deref().unwrap_or("no reason given");
    format!("was rejected by {}: {why}", decision.by)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(approve: bool, note: Option<&str>) -> Decision {
        Decision {
            approve,
            note: note.map(str::to_owned),
            by: "ann@laptop".to_owned(),
            at: "2026-11-22T10:00:00Z".to_owned(),
        }
    }

    fn waiting_ralph() -> State {
        let mut state = State {
            iteration: 3,
            expected_actor: Actor::RALPH,
            status: Status::Waiting(Actor::RALPH),
            ..State::default()
        };
        state.request_approval(Actor::RALPH, Some("main.md"), SystemTime::UNIX_EPOCH);
        state
    }

    #[test]
    fn an_approval_restores_the_status_and_holds_for_that_turn_only() {
        let mut state = waiting_ralph();
        assert_eq!(state.status, Status::AwaitingApproval);
        assert!(!state.is_approved(Actor::RALPH));
        state
            .decide(&decision(true, Some("go ahead")))
            .expect("decide");
        assert_eq!(state.status, Status::Waiting(Actor::RALPH));
        assert!(state.is_approved(Actor::RALPH));
        assert!(!state.is_approved(Actor::GALPH));
        assert_eq!(state.notes[0].to, Some(Actor::RALPH));
        assert_eq!(state.notes[0].text, "go ahead");
        state.iteration += 1;
        assert!(
            !state.is_approved(Actor::RALPH),
            "an approval is for one iteration"
        );
    }

    #[test]
    fn a_rejection_sends_the_turn_back_to_galph_with_the_note() {
        let mut state = waiting_ralph();
        state
            .decide(&decision(false, Some("tests first")))
            .expect("decide");
        assert_eq!(state.expected_actor, Actor::GALPH);
        assert_eq!(state.status, Status::Complete);
        assert_eq!(state.iteration, 3);
        assert_eq!(state.approval, None);
        assert_eq!(state.notes[0].to, Some(Actor::GALPH));
        assert_eq!(
            state.notes[0].text,
            "ralph's turn (main.md) was rejected by ann@laptop: tests first"
        );
    }

    #[test]
    fn a_decision_without_a_waiting_turn_changes_nothing() {
        let mut state = State::default();
        let before = state.clone();
        assert_eq!(
            state.decide(&decision(true, None)),
            Err(NothingAwaits(Status::Idle))
        );
        assert_eq!(state, before);
        let mut approved = waiting_ralph();
        approved.decide(&decision(true, None)).expect("approve");
        assert!(
            approved.decide(&decision(false, None)).is_err(),
            "an approved turn no longer waits"
        );
    }

    #[test]
    fn a_second_request_keeps_the_first_resume_status() {
        let mut state = waiting_ralph();
        state.request_approval(Actor::RALPH, None, SystemTime::UNIX_EPOCH);
        state.decide(&decision(true, None)).expect("approve");
        assert_eq!(state.status, Status::Waiting(Actor::RALPH));
    }

    #[test]
    fn the_same_answer_again_is_carried_and_another_is_not() {
        let mut state = waiting_ralph();
        let yes = decision(true, Some("go ahead"));
        assert!(!state.carries(&yes), "nothing decided yet");
        state.decide(&yes).expect("decide");
        assert!(state.carries(&yes));
        assert!(
            state.carries(&decision(true, None)),
            "approved, no note to add"
        );
        assert!(!state.carries(&decision(true, Some("another note"))));
        assert!(!state.carries(&decision(false, Some("go ahead"))));
        let by_someone_else = Decision {
            by: "bob@desk".to_owned(),
            ..yes.clone()
        };
        assert!(!state.carries(&by_someone_else));

        let mut state = waiting_ralph();
        let no = decision(false, Some("smaller steps"));
        state.decide(&no).expect("decide");
        assert!(state.carries(&no));
        assert!(!state.carries(&decision(false, Some("other reasons"))));
        assert!(!state.carries(&yes));
    }
}
