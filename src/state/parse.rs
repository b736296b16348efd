//! Strict parsing of the state file's bytes, with errors that carry a line and column.
//!
//! Pipeline: bytes → duplicate-key check and JSON value (syntax errors keep serde_json's
//! position) → legacy conversion → [`State`] → schema checks ([`validate`](super::validate)). A
//! type or value error is traced back to the offending top-level field, whose value is then
//! located in the original text.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::state::legacy::{self, LegacyError};
use crate::state::validate::{FieldError, check_fields, check_unique_keys};
use crate::state::{LoadedState, State, StateError};

/// Parses the state file `path` whose contents are `bytes`.
///
/// # Errors
/// [`StateError::Invalid`] naming the position: bad JSON, a key twice in one object, a wrong
/// type or value, a legacy field that cannot be converted, a value outside the schema.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<LoadedState, StateError> {
    let syntax =
        |err: serde_json::Error| invalid(path, (err.line(), err.column()), message_of(&err));
    check_unique_keys(bytes).map_err(syntax)?;
    let value: Value = serde_json::from_slice(bytes).map_err(syntax)?;
    if !value.is_object() {
        return Err(invalid(path, (1, 1), "expected a JSON object".to_owned()));
    }
    let (value, legacy) = legacy::convert(value)
        .map_err(|LegacyError { field, message }| at_field(path, bytes, field, message))?;
    let state = State::deserialize(&value).map_err(|err| culprit(path, bytes, &value, &err))?;
    check_fields(&state)
        .map_err(|FieldError { field, message }| at_field(path, bytes, field, message))?;
    Ok(LoadedState { state, legacy })
}

/// Refuses `state` (parsed from `bytes` of `path`) when one of its fields names an actor for
/// which `declared` is false, positioned at that field.
///
/// # Errors
/// [`StateError::Invalid`] naming the field and the actor.
pub(crate) fn check_actors(
    path: &Path,
    bytes: &[u8],
    state: &State,
    declared: &dyn Fn(crate::state::Actor) -> bool,
) -> Result<(), StateError> {
    let status_actor = match state.status {
        crate::state::Status::Running(a) | crate::state::Status::Waiting(a) => Some(a),
        _ => None,
    };
    let named = [
        ("expected_actor", Some(state.expected_actor)),
        ("last_prompt_actor", state.last_prompt_actor),
        ("status", status_actor),
        ("approval", state.approval.as_ref().map(|a| a.actor)),
    ]
    .into_iter()
    .filter_map(|(field, actor)| Some((field, actor?)))
    .chain(
        state
            .notes
            .iter()
            .filter_map(|n| Some(("pending_notes", n.to?))),
    )
    .chain(state.commits.keys().map(|a| ("commits", *a)));
    for (field, actor) in named {
        if !declared(actor) {
            let message = format!(
                "field `{field}`: `{actor}` is no actor of this workspace (declare it under \
                 `actors:` in the configuration, or fix the field)"
            );
            return Err(at_field(path, bytes, field, message));
        }
    }
    Ok(())
}

/// Finds the top-level field that makes `value` fail to deserialize and reports it.
fn culprit(path: &Path, bytes: &[u8], value: &Value, err: &serde_json::Error) -> StateError {
    let fields = value.as_object().into_iter().flatten();
    for (key, field_value) in fields {
        let single = Value::Object(Map::from_iter([(key.clone(), field_value.clone())]));
        if let Err(field_err) = State::deserialize(&single) {
            let message = format!("field `{key}`: {}", message_of(&field_err));
            return at_field(path, bytes, key, message);
        }
    }
    invalid(path, (1, 1), message_of(err))
}

/// An [`StateError::Invalid`] positioned at the value of top-level `key` (1:1 if not found).
fn at_field(path: &Path, bytes: &[u8], key: &str, message: String) -> StateError {
    let position = value_offset(bytes, key).map_or((1, 1), |offset| line_column(bytes, offset));
    invalid(path, position, message)
}

/// Builds [`StateError::Invalid`]; a column of 0 (serde_json at a line start) becomes 1.
fn invalid(path: &Path, (line, column): (usize, usize), message: String) -> StateError {
    StateError::Invalid {
        path: path.to_path_buf(),
        line: line.max(1),
        column: column.max(1),
        message,
    }
}

/// serde_json's message without its ` at line L column C` suffix.
fn message_of(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&suffix)
        .map_or_else(|| text.clone(), str::to_owned)
}

/// 1-based line and column (in bytes) of byte `offset` in `bytes`.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, before.len() - line_start + 1)
}

/// Byte offset of the value of the last top-level `key` in the valid JSON object `bytes`.
fn value_offset(bytes: &[u8], key: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut found = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                if depth == 1 && expect_key {
                    expect_key = false;
                    if serde_json::from_slice::<String>(&bytes[i..=end]).is_ok_and(|k| k == key) {
                        found = Some(after_colon(bytes, end + 1));
                    }
                }
                i = end;
            }
            b'{' => {
                depth += 1;
                expect_key = depth == 1;
            }
            b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => expect_key = depth == 1,
            _ => {}
        }
        i += 1;
    }
    found
}

/// Index of the quote closing the string that opens at `start` (last index if unterminated).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len().saturating_sub(1)
}

/// Index of the first byte after the `:` (and whitespace) that follows a key ending at `from`.
fn after_colon(bytes: &[u8], from: usize) -> usize {
    let skip_ws = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    let colon = skip_ws(from);
    skip_ws(colon + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_offset_finds_top_level_keys_only() {
        let text = br#"{"a": {"iteration": 1}, "list": ["iteration", 2],
  "iteration" :  "x"}"#;
        let offset = value_offset(text, "iteration").expect("found");
        assert_eq!(&text[offset..offset + 3], br#""x""#);
        assert_eq!(line_column(text, offset), (2, 18));
        assert_eq!(value_offset(text, "missing"), None);
    }

    #[test]
    fn escaped_quotes_and_keys_are_handled() {
        let text = br#"{"k\"ey": "v\"al", "st\u0061tus": 5}"#;
        let offset = value_offset(text, "status").expect("found");
        assert_eq!(text[offset], b'5');
        let offset = value_offset(text, "k\"ey").expect("found");
        assert_eq!(text[offset], b'"');
    }

    /// Regression (fuzz_state, minimized): a float in an unknown key must survive a save.
    /// serde_json's default float parser is off by one ulp here, so each save drifts it.
    #[test]
    fn unknown_float_survives_a_save() {
        let path = Path::new("/ws/sync/state.json");
        for text in [
            r#"{"": 555555555555555555555555555555555}"#,
            r#"{"x": 5.555555555555556e41}"#,
        ] {
            let first = parse(path, text.as_bytes()).expect("parses").state;
            let written = crate::state::to_bytes(&first);
            let again = parse(path, &written).expect("written state parses").state;
            assert_eq!(again, first, "{text}");
        }
    }
}
