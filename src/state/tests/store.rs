//! Strict loading, legacy conversion and atomic saving of real state files.

use std::fs;
use std::path::PathBuf;

use pretty_assertions::assert_eq;
use serde_json::json;

use crate::state::{Actor, LegacyFormat, State, StateError, StateStore, Status, to_bytes};

/// The example in `docs/state.md`, byte for byte as Baton writes it.
const GOLDEN: &str = r#"{
  "iteration": 3,
  "expected_actor": "ralph",
  "status": "waiting-ralph",
  "last_update": "2026-11-21T10:04:05Z",
  "lease_expires_at": "2026-11-21T10:14:05Z",
  "galph_commit": "1a2b3c4",
  "ralph_commit": "9f8e7d6",
  "last_prompt": "reviewer.md",
  "last_prompt_actor": "galph",
  "generation": 11,
  "lease_owner": null,
  "last_error": null
}
"#;

fn golden_state() -> State {
    State {
        iteration: 3,
        expected_actor: Actor::RALPH,
        status: Status::Waiting(Actor::RALPH),
        last_update: Some("2026-11-21T10:04:05Z".into()),
        lease_expires_at: Some("2026-11-21T10:14:05Z".into()),
        galph_commit: Some("1a2b3c4".into()),
        ralph_commit: Some("9f8e7d6".into()),
        last_prompt: Some("reviewer.md".into()),
        last_prompt_actor: Some(Actor::GALPH),
        generation: 11,
        ..State::default()
    }
}

/// A store whose file holds `text` (in a fresh temp dir kept alive by the returned guard).
fn store_with(text: &str) -> (tempfile::TempDir, StateStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sync/state.json");
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(&path, text).expect("write");
    (dir, StateStore::new(path))
}

/// Loads `text`, expects `Invalid`, checks the file is untouched; returns (line, col, message).
fn invalid(text: &str) -> (usize, usize, String) {
    let (_dir, store) = store_with(text);
    let err = store.load().expect_err("invalid state must not load");
    assert_eq!(
        fs::read_to_string(store.path()).expect("read"),
        text,
        "file untouched"
    );
    match err {
        StateError::Invalid {
            path,
            line,
            column,
            message,
        } => {
            assert_eq!(path, store.path());
            (line, column, message)
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn golden_round_trips_both_ways() {
    assert_eq!(
        String::from_utf8(to_bytes(&golden_state())).expect("utf8"),
        GOLDEN
    );
    let (_dir, store) = store_with(GOLDEN);
    let loaded = store.load().expect("load").expect("exists");
    assert_eq!(loaded.state, golden_state());
    assert_eq!(loaded.legacy, None);
}

#[test]
fn save_increments_generation_and_writes_atomically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = StateStore::new(dir.path().join("new/sync/state.json"));
    assert!(store.load().expect("missing is fine").is_none());
    let mut state = golden_state();
    state.generation = 10;
    store.save(&mut state).expect("save");
    assert_eq!(state.generation, 11);
    assert_eq!(fs::read_to_string(store.path()).expect("read"), GOLDEN);
}

#[test]
fn failed_save_keeps_the_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("file"), "").expect("write");
    let store = StateStore::new(dir.path().join("file/state.json"));
    let mut state = State::default();
    let err = store.save(&mut state).expect_err("parent is a file");
    assert!(matches!(err, StateError::Write { .. }));
    assert_eq!(state.generation, 0);
}

#[test]
fn corrupt_json_reports_position() {
    let (line, column, message) = invalid("{\n  \"iteration\": 3,\n  \"status\": \n}\n");
    assert_eq!((line, column), (4, 1));
    assert!(message.starts_with("expected value"), "{message}");
    let (line, _, message) = invalid("");
    assert_eq!(line, 1);
    assert!(message.contains("EOF"), "{message}");
}

#[test]
fn wrong_type_names_the_field_and_its_position() {
    let (line, column, message) =
        invalid("{\n  \"status\": \"idle\",\n  \"iteration\": \"x\"\n}\n");
    assert_eq!((line, column), (3, 16));
    assert_eq!(
        message,
        r#"field `iteration`: invalid type: string "x", expected u64"#
    );
}

#[test]
fn unknown_status_and_actor_are_invalid() {
    let (line, column, message) = invalid(r#"{"iteration": 1, "status": "paused"}"#);
    assert_eq!((line, column), (1, 28));
    assert!(
        message.starts_with("field `status`: unknown variant `paused`"),
        "{message}"
    );
    // Any actor name is a state's business (whether it is declared is the configuration's,
    // checked when a run starts); a name no actor can have is not.
    let (_, _, message) = invalid(r#"{"expected_actor": "Bob Smith"}"#);
    assert!(
        message.starts_with("field `expected_actor`: `Bob Smith` is not a valid actor name"),
        "{message}"
    );
    let (_, _, message) = invalid(r#"{"last_prompt_actor": "main"}"#);
    assert!(
        message.starts_with("field `last_prompt_actor`"),
        "{message}"
    );
}

#[test]
fn non_object_is_invalid() {
    let (_, _, message) = invalid("[1, 2]\n");
    assert_eq!(message, "expected a JSON object");
}

#[test]
fn missing_fields_default_and_nulls_are_accepted() {
    let older = r#"{"iteration": 5, "expected_actor": "galph", "status": "complete",
        "last_update": null, "galph_commit": null, "last_prompt_actor": null, "exit": null}"#;
    let (_dir, store) = store_with(older);
    let loaded = store.load().expect("load").expect("exists");
    let expected = State {
        iteration: 5,
        status: Status::Complete,
        ..State::default()
    };
    assert_eq!(loaded.state, expected);
    assert_eq!(loaded.legacy, None);
    let empty = store_with("{}").1.load().expect("load").expect("exists");
    assert_eq!(empty.state, State::default());
}

#[test]
fn unknown_keys_are_preserved_after_the_known_fields() {
    let text = r#"{"zeta": [1, {"a": null}], "iteration": 2, "exit": "1", "alpha": "x"}"#;
    let (_dir, store) = store_with(text);
    let mut state = store.load().expect("load").expect("exists").state;
    assert_eq!(state.extra.keys().collect::<Vec<_>>(), ["zeta", "alpha"]);
    store.save(&mut state).expect("save");
    let written = fs::read_to_string(store.path()).expect("read");
    let tail = "  \"exit\": \"1\",\n  \"zeta\": [\n    1,\n    {\n      \"a\": null\n    }\n  ],\n  \"alpha\": \"x\"\n}\n";
    assert!(written.ends_with(tail), "{written}");
    let again = store.load().expect("reload").expect("exists").state;
    assert_eq!(again, state);
}

#[test]
fn step_index_format_is_converted_on_save() {
    let text = r#"{"step_index": 7, "expected_step": "supervisor", "status": "waiting-ralph",
        "galph_commit": "abc1234", "custom": true}"#;
    let (_dir, store) = store_with(text);
    let loaded = store.load().expect("load").expect("exists");
    assert_eq!(loaded.legacy, Some(LegacyFormat::StepIndex));
    assert_eq!(
        fs::read_to_string(store.path()).expect("read"),
        text,
        "load never writes"
    );
    let mut state = loaded.state;
    assert_eq!((state.iteration, state.expected_actor), (4, Actor::GALPH));
    store.save(&mut state).expect("save");
    let written: serde_json::Value =
        serde_json::from_slice(&fs::read(store.path()).expect("read")).expect("json");
    assert_eq!(written["expected_actor"], json!("galph"));
    assert_eq!(written["custom"], json!(true));
    assert_eq!(written.get("step_index"), None);
    assert_eq!(written.get("expected_step"), None);
    let reloaded = store.load().expect("reload").expect("exists");
    assert_eq!(reloaded.legacy, None);
}

#[test]
fn unconvertible_expected_step_is_invalid_at_its_position() {
    let (line, column, message) = invalid("{\"step_index\": 1,\n \"expected_step\": \"boss\"}");
    assert_eq!((line, column), (2, 19));
    assert!(message.starts_with("field `expected_step`"), "{message}");
}

#[test]
fn a_directory_is_not_a_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = StateStore::new(PathBuf::from(dir.path()));
    let err = store.load().expect_err("a directory");
    assert!(
        matches!(
            err,
            StateError::NotAFile {
                kind: "directory",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_invalid_input());
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o644)).expect("mkfifo");
    let err = StateStore::new(path).load().expect_err("a FIFO");
    assert!(
        matches!(err, StateError::NotAFile { kind: "FIFO", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn duplicate_keys_are_invalid_at_the_second_one() {
    let (line, column, message) =
        invalid("{\n  \"iteration\": 2,\n  \"status\": \"idle\",\n  \"iteration\": 3\n}\n");
    assert_eq!((line, column), (4, 13));
    assert_eq!(message, "duplicate key `iteration`");
    let (line, _, message) = invalid("{\"extra\": {\"a\": 1,\n\"a\": 1}}");
    assert_eq!(line, 2);
    assert_eq!(message, "duplicate key `a`");
}

#[test]
fn values_outside_the_schema_name_the_field_and_its_position() {
    let (line, column, message) = invalid("{\n  \"iteration\": 0\n}\n");
    assert_eq!((line, column), (2, 16));
    assert!(
        message.starts_with("field `iteration`: expected an integer from 1"),
        "{message}"
    );
    let (line, column, message) = invalid("{\"iteration\": 2,\n \"last_update\": \"yesterday\"}");
    assert_eq!((line, column), (2, 17));
    assert!(
        message.contains("`YYYY-MM-DDTHH:MM:SSZ`") && message.contains("\"yesterday\""),
        "{message}"
    );
    let (_, _, message) = invalid(r#"{"lease_expires_at": "2026-11-21T10:04:05+01:00"}"#);
    assert!(message.starts_with("field `lease_expires_at`"), "{message}");
    let (_, _, message) = invalid(r#"{"generation": 18446744073709551615}"#);
    assert!(message.starts_with("field `generation`"), "{message}");
}

#[test]
fn save_at_the_largest_generation_writes_nothing() {
    let (_dir, store) = store_with("{}");
    let mut state = State {
        generation: (1 << 53) - 1,
        ..State::default()
    };
    let err = store.save(&mut state).expect_err("would leave the range");
    assert!(
        matches!(err, StateError::GenerationExhausted { .. }),
        "{err:?}"
    );
    assert!(err.is_invalid_input(), "exit 2");
    assert_eq!(state.generation, (1 << 53) - 1);
    assert_eq!(fs::read_to_string(store.path()).expect("read"), "{}");
    state.generation = u64::MAX;
    assert!(store.save(&mut state).is_err(), "never wraps");
    assert_eq!(state.generation, u64::MAX);
}
