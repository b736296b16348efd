//! Single-actor runs: `baton loop` and `baton supervisor` without `--sync-via-git`.

use crate::common::TestEnv;

#[test]
fn loop_only_runs_ralph_back_to_back_with_review_cadence() {
    let env = TestEnv::new();
    env.baton(&["loop", "--iterations", "4", "--review-every-n", "2"])
        .expect_code(0);
    assert_eq!(
        env.prompts_called(),
        [
            "ralph main.md",
            "ralph reviewer.md",
            "ralph main.md",
            "ralph reviewer.md"
        ]
    );
    let state = env.state();
    assert_eq!(state["iteration"], 5);
    assert_eq!(state["expected_actor"], "ralph");
    assert_eq!(state["status"], "complete");
    assert_eq!(state["last_prompt"], "reviewer.md");
    assert_eq!(env.journal().len(), 4);
    assert!(
        env.subjects()
            .iter()
            .any(|s| s.starts_with("[SYNC i=5] actor=ralph → next=ralph"))
    );
}

#[test]
fn supervisor_only_runs_galph_turns() {
    let env = TestEnv::new();
    env.hook("galph", "echo plan > input.md\n");
    env.baton(&["supervisor", "--iterations", "2"])
        .expect_code(0);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "galph supervisor.md"]
    );
    let state = env.state();
    assert_eq!(state["iteration"], 3);
    assert_eq!(state["expected_actor"], "galph");
    assert!(
        env.subjects()
            .iter()
            .any(|s| s.starts_with("SUPERVISOR AUTO (prompt=supervisor.md) (iter=00001)"))
    );
}

#[test]
fn run_mode_role_without_sync_is_a_single_actor_run() {
    let env = TestEnv::new();
    env.baton(&[
        "run",
        "--mode",
        "role",
        "--role",
        "loop",
        "--iterations",
        "1",
    ])
    .expect_code(0);
    assert_eq!(env.prompts_called(), ["ralph main.md"]);
}
