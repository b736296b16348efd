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

/// A missing prompt is a usage error and exit 2 means nothing was written (it used
/// to write and commit a failed stamp).
#[test]
fn missing_prompt_exits_2_and_writes_nothing() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let state = env.read("sync/state.json");
    let journal = env.read("sync/journal.jsonl");
    let subjects = env.subjects();
    std::fs::remove_file(env.path("prompts/supervisor.md")).expect("rm prompt");
    env.commit_all("drop the supervisor prompt");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("supervisor.md` not found"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    assert_eq!(env.read("sync/state.json"), state, "state untouched");
    assert_eq!(env.read("sync/journal.jsonl"), journal, "journal untouched");
    let mut expected = subjects;
    expected.push("drop the supervisor prompt".to_owned());
    assert_eq!(env.subjects(), expected, "no stamp commit");
}

/// A pipe closed early ends output commands quietly with exit 0 (it was a panic,
/// exit 101).
#[test]
fn a_closed_stdout_pipe_exits_0_quietly() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let exe = env!("CARGO_BIN_EXE_baton");
    for args in [
        "route --next 20000",
        "logs --list",
        "logs",
        "status --no-fetch",
        "check",
    ] {
        let script = format!("'{exe}' {args} | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"");
        let out = env
            .command("bash")
            .args(["-c", &script])
            .output()
            .expect("bash");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stdout.trim(),
            "0",
            "`baton {args}` exit status; stderr: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "`baton {args}`: {stderr}");
    }
}
