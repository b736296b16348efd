//! Unit tests of configuration loading: layers and defaults, compatibility keys, error
//! positions, and a deterministic never-panics check over mutated YAML.

mod compat;
mod env;
mod errors;
mod fuzz;
mod layers;
mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{ConfigError, LoadOptions, Loaded, load_from_str};

/// The path the in-memory tests pretend to read from.
fn yaml_path() -> PathBuf {
    PathBuf::from("/ws/orchestration.yaml")
}

/// Options with the given `BATON_*` variables and no flags.
fn opts_with_env(vars: &[(&str, &str)]) -> LoadOptions {
    let env: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    LoadOptions {
        cwd: PathBuf::from("/ws"),
        env,
        ..LoadOptions::default()
    }
}

/// Loads `text` with no environment and no flags.
fn load_text(text: &str) -> Result<Loaded, ConfigError> {
    load_from_str(text, &yaml_path(), &opts_with_env(&[]))
}

/// Loads `text`, failing the test on error.
fn loaded(text: &str) -> Loaded {
    match load_text(text) {
        Ok(loaded) => loaded,
        Err(err) => panic!("unexpected error for {text:?}: {err}"),
    }
}

/// The (line, column, message) of an `Invalid` error for `text`.
fn invalid(text: &str) -> (u64, u64, String) {
    match load_text(text) {
        Err(ConfigError::Invalid {
            path,
            line,
            column,
            message,
        }) => {
            assert_eq!(path, yaml_path());
            (line, column, message)
        }
        other => panic!("expected Invalid for {text:?}, got {other:?}"),
    }
}

/// `/ws/<rel>`.
fn ws(rel: &str) -> PathBuf {
    Path::new("/ws").join(rel)
}

/// Every declared key parses its default, and is documented in `docs/configuration.md` by its
/// full dotted name (in backquotes), so docs and code cannot drift apart.
#[test]
fn every_key_has_a_valid_default_and_is_documented() {
    let docs = include_str!("../../../docs/configuration.md");
    let mut undocumented = Vec::new();
    for key in crate::config::keys::KEYS {
        if !key.default.is_empty() {
            let mut draft = crate::config::draft::Draft::new("/ws".into());
            let items = key.default.iter().map(|s| (*s).to_owned()).collect();
            crate::config::layer::set(&mut draft, key, &crate::config::layer::Input::Text(items))
                .unwrap_or_else(|bad| panic!("default of {}: {}", key.name, bad.message));
        }
        if !docs.contains(&format!("`{}`", key.name)) {
            undocumented.push(key.name);
        }
    }
    assert!(
        undocumented.is_empty(),
        "not in docs/configuration.md: {undocumented:?}"
    );
}
