//! Conversion of the Python tool's later state format (`step_index`, `expected_step`).
//!
//! Pure: works on the parsed JSON before it is deserialized into [`State`](crate::state::State).
//! The older Python format already uses `expected_actor` and loads as it is.

use serde_json::{Map, Value};

use crate::state::{Actor, LegacyFormat};

/// The legacy key holding the number of turns taken (two per iteration).
const STEP_INDEX: &str = "step_index";
/// The legacy key holding whose turn it is (an actor name or alias).
const EXPECTED_STEP: &str = "expected_step";

/// A legacy field that cannot be converted.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct LegacyError {
    /// The offending key (`step_index` or `expected_step`).
    pub(super) field: &'static str,
    /// What is wrong with it.
    pub(super) message: String,
}

/// Converts a state object in the `step_index` format to the current keys.
///
/// `expected_step` becomes `expected_actor` (via [`step_actor`]); without it, and
/// without `expected_actor`, the actor follows from the parity of `step_index` (even: galph).
/// A missing `iteration` becomes `step_index / 2 + 1`. Both legacy keys are removed. A value
/// without either key (or not an object) is returned unchanged with `None`. `null` legacy keys
/// count as absent.
pub(super) fn convert(mut value: Value) -> Result<(Value, Option<LegacyFormat>), LegacyError> {
    let Some(map) = value.as_object_mut() else {
        return Ok((value, None));
    };
    if !map.contains_key(STEP_INDEX) && !map.contains_key(EXPECTED_STEP) {
        return Ok((value, None));
    }
    let step_index = take_step_index(map)?;
    let expected_step = take_expected_step(map)?;
    let parity_actor = step_index.map(|step| Actor::PAIR[usize::from(step % 2 == 1)]);
    if let Some(actor) = expected_step {
        map.insert("expected_actor".to_owned(), actor.as_str().into());
    } else if let (Some(actor), false) = (parity_actor, has_value(map, "expected_actor")) {
        map.insert("expected_actor".to_owned(), actor.as_str().into());
    }
    if let (Some(step), false) = (step_index, has_value(map, "iteration")) {
        map.insert("iteration".to_owned(), (step / 2 + 1).into());
    }
    Ok((value, Some(LegacyFormat::StepIndex)))
}

/// Whether `key` is present with a non-null value.
fn has_value(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key).is_some_and(|value| !value.is_null())
}

/// Removes `step_index`; it must be a non-negative integer or null.
fn take_step_index(map: &mut Map<String, Value>) -> Result<Option<u64>, LegacyError> {
    match map.remove(STEP_INDEX) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or_else(|| LegacyError {
            field: STEP_INDEX,
            message: format!("field `{STEP_INDEX}`: expected a non-negative integer, got {value}"),
        }),
    }
}

/// Removes `expected_step`; it must be an actor name or alias, the prompt file of the step
/// (see [`step_actor`]), or null.
fn take_expected_step(map: &mut Map<String, Value>) -> Result<Option<Actor>, LegacyError> {
    match map.remove(EXPECTED_STEP) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_str()
            .and_then(step_actor)
            .map(Some)
            .ok_or_else(|| LegacyError {
                field: EXPECTED_STEP,
                message: format!(
                    "field `{EXPECTED_STEP}`: expected galph, supervisor, ralph, loop or main \
                     (or their prompt file, e.g. main.md), got {value}"
                ),
            }),
    }
}

/// The actor of a Python `expected_step`: an actor name or alias ([`Actor::parse_pair`]), or
/// the prompt file the tool names the step by (`main.md` → ralph; `supervisor.md`,
/// `reviewer.md`, `router.md` → galph), also with a directory (`prompts/main.md`).
fn step_actor(step: &str) -> Option<Actor> {
    let step = step.trim();
    let file = step.rsplit('/').next().unwrap_or(step);
    let stem = file
        .len()
        .checked_sub(3)
        .filter(|&cut| file.is_char_boundary(cut) && file[cut..].eq_ignore_ascii_case(".md"))
        .map_or(file, |cut| &file[..cut]);
    if stem.eq_ignore_ascii_case("reviewer") || stem.eq_ignore_ascii_case("router") {
        return Some(Actor::GALPH);
    }
    Actor::parse_pair(stem)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn current_format_is_unchanged() {
        let value = json!({"iteration": 2, "expected_actor": "ralph", "status": "idle"});
        assert_eq!(convert(value.clone()), Ok((value, None)));
    }

    #[test]
    fn expected_step_alias_becomes_expected_actor_and_iteration_is_derived() {
        let value = json!({"step_index": 5, "expected_step": "loop", "status": "complete"});
        let (converted, legacy) = convert(value).expect("convertible");
        assert_eq!(legacy, Some(LegacyFormat::StepIndex));
        assert_eq!(
            converted,
            json!({"status": "complete", "expected_actor": "ralph", "iteration": 3})
        );
    }

    #[test]
    fn expected_step_wins_and_existing_iteration_is_kept() {
        let value = json!({"iteration": 9, "expected_actor": "ralph", "step_index": 0,
                           "expected_step": "Supervisor"});
        let (converted, _) = convert(value).expect("convertible");
        assert_eq!(
            converted,
            json!({"iteration": 9, "expected_actor": "galph"})
        );
    }

    #[test]
    fn step_index_parity_gives_the_actor_when_nothing_else_does() {
        let (converted, _) = convert(json!({"step_index": 3})).expect("convertible");
        assert_eq!(
            converted,
            json!({"expected_actor": "ralph", "iteration": 2})
        );
        let (converted, _) = convert(json!({"step_index": 4})).expect("convertible");
        assert_eq!(
            converted,
            json!({"expected_actor": "galph", "iteration": 3})
        );
    }

    #[test]
    fn expected_step_may_name_the_prompt_file() {
        let cases = [
            ("main.md", Actor::RALPH),
            ("prompts/main.md", Actor::RALPH),
            ("supervisor.md", Actor::GALPH),
            ("Reviewer.MD", Actor::GALPH),
            ("router.md", Actor::GALPH),
            ("loop", Actor::RALPH),
        ];
        for (step, actor) in cases {
            let (converted, _) =
                convert(json!({"step_index": 8, "expected_step": step})).expect(step);
            assert_eq!(converted["expected_actor"], json!(actor.as_str()), "{step}");
        }
        for bad in ["notes.md", ".md", "md", "é.md"] {
            assert!(convert(json!({"expected_step": bad})).is_err(), "{bad}");
        }
    }

    #[test]
    fn unconvertible_legacy_fields_name_the_field() {
        let err = convert(json!({"step_index": 1, "expected_step": "bob"})).expect_err("bad");
        assert_eq!(err.field, "expected_step");
        assert!(err.message.contains("\"bob\""), "{}", err.message);
        let err = convert(json!({"step_index": -1})).expect_err("bad");
        assert_eq!(err.field, "step_index");
        let err = convert(json!({"step_index": "1"})).expect_err("bad");
        assert_eq!(err.field, "step_index");
    }
}
