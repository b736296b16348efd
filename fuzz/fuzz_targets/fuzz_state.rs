//! Fuzzes state file parsing (`baton::state::parse_state`).
//!
//! Properties, for any bytes:
//! - parsing never panics, and an error is `Invalid` naming the file with a 1-based line and
//!   column inside the input;
//! - round trip: a parsed state written with `to_bytes` parses again, in the current format,
//!   to an equal `State`, and writing that gives byte-identical output.

#![no_main]

use std::path::Path;

use baton::state::{StateError, parse_state, to_bytes};
use libfuzzer_sys::fuzz_target;

const FILE: &str = "/fuzz/state.json";

fuzz_target!(|data: &[u8]| {
    let path = Path::new(FILE);
    let loaded = match parse_state(path, data) {
        Ok(loaded) => loaded,
        Err(err) => return check_error(&err, data),
    };
    let bytes = to_bytes(&loaded.state);
    let again = match parse_state(path, &bytes) {
        Ok(again) => again,
        Err(err) => panic!("written state does not parse: {err}\n{}", show(&bytes)),
    };
    assert_eq!(again.state, loaded.state, "round trip changed the state");
    assert_eq!(again.legacy, None, "written state is in the current format");
    assert_eq!(
        show(&to_bytes(&again.state)),
        show(&bytes),
        "second write differs"
    );
});

fn check_error(err: &StateError, data: &[u8]) {
    let shown = err.to_string();
    match err {
        StateError::Invalid {
            path,
            line,
            column,
            message,
        } => {
            assert_eq!(path, Path::new(FILE));
            assert!(*line >= 1 && *column >= 1, "{shown}");
            let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
            assert!(*line <= lines, "line past the end of the input: {shown}");
            assert!(!message.is_empty(), "empty message: {shown}");
        }
        other => panic!("unexpected error kind from parsing: {other:?}"),
    }
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
