//! `baton stop` sets the stop flag from anywhere; nobody edits the JSON by hand.

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
        !env.path(".git/baton/inbox.json").exists(),
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

/// A person's `baton stop` during a turn reaches the run's memory at once: an agent that then
/// deletes every file Baton keeps in `.git/baton/` (where the request used to wait as a file)
/// cannot cancel it.
#[test]
fn an_agent_that_deletes_the_pending_stop_request_cannot_cancel_it() {
    let env = TestEnv::new();
    env.hook(
        "galph",
        "touch \"$TEST_CTL/galph-started\"\n\
         while [ ! -f \"$TEST_CTL/go\" ]; do sleep 0.05; done\n\
         rm -rf .git/baton/*\n",
    );
    let mut baton = env
        .baton_cmd(&["run", "--iterations", "5"])
        .spawn()
        .expect("spawn");
    crate::common::wait_for(30, "galph's agent", || {
        env.ctl.join("galph-started").exists()
    });
    let stop = env.baton(&["stop", "--reason", "a person says stop"]);
    stop.expect_code(0);
    assert!(
        stop.stdout.contains("stops at the next turn boundary"),
        "{}",
        stop.stdout
    );
    std::fs::write(env.ctl.join("go"), "").expect("go");
    assert_eq!(baton.wait().expect("wait").code(), Some(0));
    assert_eq!(env.journal().len(), 1, "stopped after galph's turn");
    let state = env.state();
    assert_eq!(state["exit"], true);
    assert_eq!(state["exit_reason"], "a person says stop");
}

/// A request the run accepted survives a SIGKILL of Baton: the next start takes it.
#[test]
fn a_stop_taken_by_a_run_that_is_killed_is_taken_by_the_next_start() {
    let env = TestEnv::new();
    env.hook(
        "galph",
        "touch \"$TEST_CTL/galph-started\"\nwhile :; do sleep 0.05; done\n",
    );
    let mut baton = env
        .baton_cmd(&["run", "--iterations", "5"])
        .spawn()
        .expect("spawn");
    crate::common::wait_for(30, "galph's agent", || {
        env.ctl.join("galph-started").exists()
    });
    env.baton(&["stop", "--reason", "before the crash"])
        .expect_code(0);
    baton.kill().expect("SIGKILL");
    let _ = baton.wait();
    std::fs::remove_file(env.ctl.join("galph.sh")).expect("rm hook");
    let run = env.baton(&["run", "--iterations", "5"]);
    run.expect_code(0);
    assert!(run.stdout.contains("before the crash"), "{}", run.stdout);
    assert_eq!(env.state()["exit_reason"], "before the crash");
    assert!(env.journal().is_empty(), "no turn ran after the stop");
}
