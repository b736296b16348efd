//! Which fields of two states differ, and which of them a person may change while a turn runs
//! (docs/state.md, "Reading and writing": Baton owns every other field).

use serde_json::{Map, Value};

use crate::state::State;

/// The fields a person (or an agent) may change while a turn runs: the stop flag and people's
/// notes (`baton stop`, `baton note`, or the same keys edited by hand). Approval answers are not
/// among them: `baton approve` and `baton reject` answer a turn that waits, never one that runs.
pub const PERSON_FIELDS: [&str; 3] = ["exit", "exit_reason", "pending_notes"];

/// The fields every write of the state changes.
pub const WRITE_FIELDS: [&str; 2] = ["generation", "last_update"];

impl State {
    /// The top-level wire keys whose values differ between `self` and `other` (absent and
    /// `null` differ), sorted.
    #[must_use]
    pub fn changed_fields(&self, other: &State) -> Vec<String> {
        let (a, b) = (wire(self), wire(other));
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect()
    }

    /// The fields that `other` changed and that a person may not change while a turn runs
    /// (all but [`PERSON_FIELDS`] and [`WRITE_FIELDS`]); empty when it is a person's change.
    #[must_use]
    pub fn turn_fields_changed(&self, other: &State) -> Vec<String> {
        let mut changed = self.changed_fields(other);
        changed.retain(|k| {
            !PERSON_FIELDS.contains(&k.as_str()) && !WRITE_FIELDS.contains(&k.as_str())
        });
        changed
    }

    /// `self` with the person's changes from `base` to `theirs` taken in: the stop flag as
    /// `theirs` has it when it changed, and the notes `theirs` added. The generation and
    /// everything else stay `self`'s.
    #[must_use]
    pub fn with_person_changes(&self, base: &State, theirs: &State) -> State {
        let mut merged = self.clone();
        if (&base.exit, &base.exit_reason) != (&theirs.exit, &theirs.exit_reason) {
            merged.exit.clone_from(&theirs.exit);
            merged.exit_reason.clone_from(&theirs.exit_reason);
        }
        for note in &theirs.notes {
            if !base.notes.contains(note) && !merged.notes.contains(note) {
                merged.notes.push(note.clone());
            }
        }
        merged
    }
}

fn wire(state: &State) -> Map<String, Value> {
    match serde_json::to_value(state) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Note, Status};

    fn note(text: &str) -> Note {
        Note {
            to: None,
            text: text.into(),
            from: "me@h".into(),
            at: "T".into(),
        }
    }

    /// Every combination of changes to a person field, a write field and a turn field: the
    /// change is a person's exactly when no turn field moved, and the merge takes exactly the
    /// person's fields.
    #[test]
    fn only_turn_fields_make_a_change_more_than_a_persons() {
        let base = State {
            status: Status::Running(crate::state::Actor::GALPH),
            generation: 4,
            notes: vec![note("old")],
            ..State::default()
        };
        type Edit = fn(&mut State);
        let person: [Edit; 4] = [
            |_| {},
            |s| s.request_stop("by hand"),
            |s| s.notes.push(note("new")),
            |s| s.exit = Some(Value::from(0)),
        ];
        let write: [Edit; 2] = [
            |_| {},
            |s| {
                s.generation += 1;
                s.last_update = Some("2026-01-01T00:00:00Z".into());
            },
        ];
        let turn: [(Edit, &str); 4] = [
            (|_| {}, ""),
            (
                |s| s.status = Status::Waiting(crate::state::Actor::RALPH),
                "status",
            ),
            (|s| s.iteration = 9, "iteration"),
            (
                |s| {
                    s.extra.insert("mine".into(), Value::Bool(true));
                },
                "mine",
            ),
        ];
        for p in person {
            for w in write {
                for (t, field) in turn {
                    let mut theirs = base.clone();
                    p(&mut theirs);
                    w(&mut theirs);
                    t(&mut theirs);
                    let changed = base.turn_fields_changed(&theirs);
                    if field.is_empty() {
                        assert!(changed.is_empty(), "{changed:?}");
                    } else {
                        assert_eq!(changed, [field]);
                    }
                    let ours = State {
                        generation: 5,
                        status: Status::Waiting(crate::state::Actor::RALPH),
                        ..base.clone()
                    };
                    let merged = ours.with_person_changes(&base, &theirs);
                    assert_eq!(merged.exit, theirs.exit);
                    assert_eq!(merged.exit_reason, theirs.exit_reason);
                    assert_eq!(merged.notes, theirs.notes);
                    assert_eq!(ours.turn_fields_changed(&merged), Vec::<String>::new());
                    assert_eq!(merged.generation, 5);
                }
            }
        }
    }
}
