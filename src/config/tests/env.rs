//! The `BATON_*` layer: spellings, bad values, and variables that are not configuration.

use super::{opts_with_env, yaml_path};
use crate::config::{ConfigError, load_from_str};

#[test]
fn env_booleans_accept_the_usual_spellings() {
    for (text, want) in [
        ("true", true),
        ("1", true),
        ("YES", true),
        ("no", false),
        ("0", false),
    ] {
        let opts = opts_with_env(&[("BATON_ROUTER_ENABLED", text)]);
        let c = load_from_str("router: {enabled: true}\n", &yaml_path(), &opts).expect(text);
        assert_eq!(c.config.router.enabled, want, "{text}");
    }
}

#[test]
fn a_bad_env_value_names_the_variable() {
    for (var, value) in [
        ("BATON_REVIEW_EVERY_N", "abc"),
        ("BATON_ROUTER_ENABLED", "maybe"),
        ("BATON_ROUTER_MODE", "sideways"),
        ("BATON_AGENT_TIMEOUT", "-5s"),
        ("BATON_GIT_LEASE", "0"),
        ("BATON_AGENT_DEFAULT", " "),
    ] {
        match load_from_str("", &yaml_path(), &opts_with_env(&[(var, value)])) {
            Err(err @ ConfigError::Env { .. }) => {
                assert!(
                    err.to_string()
                        .starts_with(&format!("environment variable {var}: "))
                );
            }
            other => panic!("{var}={value}: expected Env error, got {other:?}"),
        }
    }
}

#[test]
fn unrelated_baton_variables_are_ignored() {
    let opts = opts_with_env(&[
        ("BATON_ACTOR", "nobody"),
        ("BATON_LOG", ""),
        ("BATON_PROMPT_FILE", "/x"),
        ("BATON_ITERATION", "x"),
        ("BATON_CONFIG", "other.yaml"),
        ("BATON_STATE_FILE", "s.json"),
    ]);
    let c = load_from_str("", &yaml_path(), &opts).expect("load").config;
    assert_eq!(c.state_file, super::ws("s.json"));
    assert_eq!(c.agent.default, "claude");
}
