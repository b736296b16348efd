//! Issue 6 §3: `baton stop` sets the stop flag from anywhere; nobody edits the JSON by hand.

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};

#[test]
fn baton_stop_without_a_run_sets_and_commits_the_flag() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let run = env.baton(&["stop", "--reason", "enough for today"]);
    run.expect_code(0);
    let state = env.state();
    assert_eq!(state["exit"], true);
    assert_eq!(state["exit_reason"], "enough for today");
    let subjects = env.subjects();
    assert_eq!(
        subjects.last().map(String::as_str),
        Some("[SYNC i=2] stop: enough for today")
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "", "committed");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(run.stdout.contains("enough for today"), "{}", run.stdout);
    assert_eq!(env.journal().len(), 2, "no turn ran after the stop");
}

#[test]
fn baton_stop_during_a_run_is_taken_at_the_next_boundary() {
    let env = TestEnv::new();
    let baton = env!("CARGO_BIN_EXE_baton");
    // The agent itself asks to stop while Baton runs (and holds the workspace).
    env.hook(
        "galph",
        &format!("'{baton}' stop --reason 'galph says stop'\n"),
    );
    let run = env.baton(&["run", "--iterations", "5"]);
    run.expect_code(0);
    assert!(run.stdout.contains("galph says stop"), "{}", run.stdout);
    assert_eq!(env.journal().len(), 1, "stopped after galph's turn");
    let state = env.state();
    assert_eq!(state["exit"], true);
    assert_eq!(state["exit_reason"], "galph says stop");
    assert_eq!(
        state["expected_actor"], "ralph",
        "galph's stamp kept its outcome"
    );
    assert!(
        !env.path(".git/baton/stop.json").exists(),
        "the request is taken"
    );
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "",
        "the stamp carries the flag"
    );
}

#[test]
fn baton_stop_from_a_third_clone_stops_waiting_daemons() {
    let env = RoleEnv::new();
    env.seed.hook("ralph", WAIT_FOR_GO);
    let galph = env.galph_daemon(&["--iterations", "5"]);
    let mut ralph = env.ralph_daemon(&["--iterations", "5"]);
    env.wait_agent_started(&mut ralph, "ralph");
    // galph waits for ralph; ralph's agent is held. A person stops the run from a laptop.
    let laptop = env.another_clone("laptop");
    let run = env.run_in(&laptop, &["stop", "--reason", "from the laptop"]);
    run.expect_code(0);
    assert!(run.stdout.contains("pushed"), "{}", run.stdout);
    assert_eq!(env.remote_state()["exit"], true);
    let galph = galph.wait(DEADLINE);
    galph.expect_code(0);
    assert!(galph.stdout.contains("from the laptop"), "{}", galph.stdout);
    env.touch("go");
    let ralph = ralph.wait(DEADLINE);
    ralph.expect_code(0);
    let state = env.remote_state();
    assert_eq!(
        state["exit"], true,
        "ralph's stamp merged the person's stop flag"
    );
    assert_eq!(state["exit_reason"], "from the laptop");
    assert_eq!(
        state["expected_actor"], "galph",
        "ralph's turn was stamped ok"
    );
    let journal = env.remote_journal();
    assert_eq!(journal.len(), 2, "galph, ralph; nothing after the stop");
}
