//! `baton stamp` and `baton status` against a role-mode remote.

use serde_json::Value;

use crate::role_env::RoleEnv;

#[test]
fn stamp_by_hand_pulls_commits_and_pushes_unless_told_not_to() {
    let env = RoleEnv::new();
    env.run_in(&env.galph, &["stamp", "galph", "ok"])
        .expect_code(0);
    let tip = env.remote_tip();
    assert!(
        tip.starts_with("[SYNC i=1] actor=galph → next=ralph status=ok galph_commit="),
        "{tip}"
    );
    let state = env.remote_state();
    assert_eq!(state["expected_actor"], "ralph", "{state:#}");
    assert_eq!(state["status"], "waiting-ralph");
    assert!(env.calls_empty(), "no agent runs");

    env.run_in(&env.ralph, &["stamp", "ralph", "fail", "--no-push"])
        .expect_code(0);
    let head = env.ralph.git(&["log", "-1", "--format=%s"]);
    assert!(
        head.starts_with("[SYNC i=1] actor=ralph status=fail ralph_commit="),
        "pulled galph's stamp first, then stamped: {head}"
    );
    assert_eq!(env.remote_tip(), tip, "--no-push");
    assert_eq!(env.ralph.state()["status"], "failed");
}

#[test]
fn status_json_shows_the_remote_after_a_fetch() {
    let env = RoleEnv::new();
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    let run = env.run_in(&env.ralph, &["status", "--json"]);
    run.expect_code(0);
    let json: Value = serde_json::from_str(&run.stdout).expect("status json");
    assert!(json["remote"].is_object(), "{json:#}");
    assert_eq!(
        env.ralph.git(&["rev-parse", "origin/main"]),
        env.remote_git(&["rev-parse", "main"]),
        "status fetched"
    );
}
