//! Bad input: exit 2, a message naming file and position, nothing changed, nothing run.

use crate::common::TestEnv;

fn assert_refused_state(text: &str, expected: &[&str]) {
    let env = TestEnv::new();
    env.write("sync/state.json", text);
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(2);
    for e in expected {
        assert!(run.stderr.contains(e), "expected {e:?} in {}", run.stderr);
    }
    assert_eq!(
        env.read("sync/state.json"),
        text,
        "the file is byte-identical"
    );
    assert!(env.calls().is_empty(), "nothing ran");
}

#[test]
fn corrupt_state_json_is_refused_with_its_position() {
    assert_refused_state(
        "{\n  \"iteration\": 2,\n  \"status\": \n",
        &["sync/state.json:"],
    );
}

#[test]
fn state_with_a_wrong_type_is_refused() {
    assert_refused_state(
        "{\n  \"iteration\": \"three\"\n}\n",
        &["sync/state.json:2:", "iteration"],
    );
}

#[test]
fn state_with_an_unknown_actor_is_refused() {
    assert_refused_state(
        "{\"expected_actor\": \"bob\"}\n",
        &["sync/state.json:1:", "bob"],
    );
}

#[test]
fn state_with_an_unknown_status_is_refused() {
    assert_refused_state(
        "{\"status\": \"sleeping\"}\n",
        &["sync/state.json:1:", "sleeping"],
    );
}

#[test]
fn misspelt_config_key_names_file_line_column_and_suggestion() {
    let env = TestEnv::new();
    let yaml = format!("{}review_evry_n: 2\n", env.stub_config(""));
    env.write("orchestration.yaml", &yaml);
    let line = yaml.lines().count();
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(&format!("orchestration.yaml:{line}:1")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("review_every_n"), "{}", run.stderr);
    assert!(env.calls().is_empty());
    assert!(!env.path("sync/state.json").exists(), "nothing was written");
}

#[test]
fn mistyped_config_value_names_the_key() {
    let env = TestEnv::new();
    env.write(
        "orchestration.yaml",
        &format!("{}review_every_n: often\n", env.stub_config("")),
    );
    let run = env.baton(&["check"]);
    run.expect_code(2);
    assert!(run.stderr.contains("orchestration.yaml:"), "{}", run.stderr);
    assert!(run.stderr.contains("review_every_n"), "{}", run.stderr);
}

#[test]
fn unknown_agent_is_an_error_before_anything_runs() {
    let env = TestEnv::new();
    let run = env.baton(&["run", "--agent-role", "ralph=clade"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("unknown agent `clade`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("claude"), "suggestion: {}", run.stderr);
    assert!(env.calls().is_empty());
    assert!(!env.path("sync/state.json").exists());
}

#[test]
fn agent_binary_missing_from_path_is_an_error_before_anything_runs() {
    let env = TestEnv::new();
    env.write(
        "orchestration.yaml",
        &env.stub_config("    ghost: [no-such-agent-binary]\n"),
    );
    let run = env.baton(&["run", "--agent-role", "galph=ghost"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("no-such-agent-binary"),
        "{}",
        run.stderr
    );
    assert!(env.calls().is_empty());
}
