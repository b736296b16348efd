//! `baton status` against an upstream, and the Python tool's state files.

use crate::common::TestEnv;

#[test]
fn status_says_how_the_clone_stands_against_its_upstream() {
    let env = TestEnv::new();
    let remote = env.ctl.join("remote.git");
    let remote = remote.to_str().expect("utf-8 path");
    env.git(&["init", "-q", "--bare", "-b", "main", remote]);
    env.git(&["remote", "add", "origin", remote]);
    env.git(&["push", "-q", "-u", "origin", "main"]);
    let run = env.baton(&["status"]);
    assert!(
        run.stdout.contains("up to date with origin/main"),
        "{}",
        run.stdout
    );

    let other = env.ctl.join("other");
    env.git(&["clone", "-q", remote, other.to_str().expect("utf-8 path")]);
    let mut push = env.command("git");
    push.current_dir(&other)
        .args(["commit", "-q", "--allow-empty", "-m", "peer"]);
    assert!(push.status().expect("commit").success());
    let mut push = env.command("git");
    push.current_dir(&other)
        .args(["push", "-q", "origin", "main"]);
    assert!(push.status().expect("push").success());
    env.git(&["fetch", "-q", "origin"]);

    let run = env.baton(&["status", "--json"]);
    run.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["remote"]["upstream"], "origin/main");
    assert_eq!(v["remote"]["behind"], 1);
    assert_eq!(v["remote"]["ahead"], 0);
}

#[test]
fn python_step_index_state_is_read_and_converted_on_the_next_write() {
    let env = TestEnv::new();
    let legacy = "{\n  \"step_index\": 3,\n  \"expected_step\": \"loop\",\n  \"status\": \"waiting-ralph\",\n  \"notes\": \"kept\"\n}\n";
    env.write("sync/state.json", legacy);
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(run.stderr.contains("step_index"), "notice: {}", run.stderr);
    assert_eq!(
        env.prompts_called(),
        ["ralph main.md"],
        "ralph was expected"
    );
    let state = env.state();
    assert_eq!(
        state["iteration"], 3,
        "step_index 3 → iteration 2, then ralph's turn"
    );
    assert_eq!(state["notes"], "kept", "unknown keys survive");
    assert!(state.get("step_index").is_none());
    assert!(state.get("expected_step").is_none());
}
