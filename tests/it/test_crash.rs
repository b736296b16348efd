//! A stamp is all or nothing. Baton is SIGKILLed at each step of a turn's writes
//! (`BATON_FAULT=<point>` makes it kill itself there); the next start must leave every finished
//! turn with exactly one journal line and one stamp commit, in combined and in role mode.

use std::os::unix::process::ExitStatusExt;

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, RoleEnv, daemon_args};

/// Every point of a turn's write sequence in combined mode, in order.
const LOCAL_POINTS: &[&str] = &[
    "claim-saved",
    "claim-recorded",
    "stamp-recorded",
    "stamp-state",
    "stamp-journal",
    "stamp-committed",
    "stamp-pushed",
];

/// Role mode adds the claim commit before its compare-and-swap push.
const ROLE_POINTS: &[&str] = &[
    "claim-saved",
    "claim-recorded",
    "claim-committed",
    "stamp-recorded",
    "stamp-state",
    "stamp-journal",
    "stamp-committed",
    "stamp-pushed",
];

fn actors(journal: &[serde_json::Value]) -> Vec<String> {
    journal
        .iter()
        .map(|e| e["actor"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_kill_at_any_step_of_a_combined_turn_is_finished_by_the_next_start() {
    for point in LOCAL_POINTS {
        let env = TestEnv::new();
        let killed = env
            .baton_cmd(&["run", "--iterations", "1"])
            .env("BATON_FAULT", point)
            .output()
            .expect("run baton");
        assert_eq!(
            killed.status.signal(),
            Some(9),
            "{point}: killed by the fault"
        );
        let run = env.baton(&["run", "--iterations", "1"]);
        run.expect_code(0);
        let stamped_before_kill = LOCAL_POINTS
            .iter()
            .position(|p| p == point)
            .is_some_and(|i| i >= 3);
        if stamped_before_kill {
            assert!(
                run.stderr.contains("finishing its stamp"),
                "{point}: {}",
                run.stderr
            );
        }
        let journal = env.journal();
        assert_eq!(
            actors(&journal),
            ["galph", "ralph"],
            "{point}: one line per turn"
        );
        let stamps: Vec<String> = env
            .subjects()
            .into_iter()
            .filter(|s| s.starts_with("[SYNC"))
            .collect();
        assert_eq!(
            stamps.len(),
            2,
            "{point}: one stamp commit per turn: {stamps:?}"
        );
        let state = env.state();
        assert_eq!(state["iteration"], 2, "{point}");
        assert_eq!(state["status"], "complete", "{point}");
        assert_eq!(state["generation"], journal[1]["generation"], "{point}");
        assert_eq!(
            env.git(&["status", "--porcelain"]),
            "",
            "{point}: clean tree"
        );
        let galph_runs = env
            .prompts_called()
            .iter()
            .filter(|c| c.starts_with("galph"))
            .count();
        // The points lie before the agent starts or after it ended: it ran exactly once.
        assert_eq!(galph_runs, 1, "{point}: a stamped turn never runs again");
    }
}

/// An agent that leaves invalid JSON in the state file is ignored at the stamp (the
/// state is Baton's), and a crash while the file is broken does not wedge the restart.
#[test]
fn an_agent_that_corrupts_the_state_never_wedges_the_run() {
    let env = TestEnv::new();
    env.hook(
        "galph",
        "printf '{\"iteration\": 1000, \"generation\": 0' > sync/state.json\n",
    );
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(run.stderr.contains("invalid JSON"), "{}", run.stderr);
    let state = env.state();
    assert_eq!(state["iteration"], 2);
    let journal = env.journal();
    assert_eq!(
        journal[0]["state_ignored"],
        serde_json::json!(["invalid JSON"])
    );
    // Killed while the agent's garbage is on disk: the restart restores the running marker.
    let env = TestEnv::new();
    env.hook("galph", "printf 'garbage' > sync/state.json\n");
    let killed = env
        .baton_cmd(&["run", "--iterations", "1"])
        .env("BATON_FAULT", "stamp-recorded")
        .output()
        .expect("run");
    assert_eq!(killed.status.signal(), Some(9));
    assert_eq!(env.read("sync/state.json"), "garbage");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(env.state()["iteration"], 2);
    let env = TestEnv::new();
    env.hook("galph", "printf 'garbage' > sync/state.json\n");
    let killed = env
        .baton_cmd(&["run", "--iterations", "1"])
        .env("BATON_FAULT", "claim-recorded")
        .output()
        .expect("run");
    assert_eq!(killed.status.signal(), Some(9));
    env.write("sync/state.json", "garbage");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(run.stderr.contains("restored"), "{}", run.stderr);
    assert_eq!(actors(&env.journal()), ["galph", "ralph"]);
}

/// An agent may set only the stop flag; `generation` and `iteration` written by an
/// agent are ignored (recorded in the journal), and its `exit` is honoured.
#[test]
fn an_agent_may_set_only_the_stop_flag() {
    let env = TestEnv::new();
    env.hook(
        "galph",
        r#"sed -i 's/"generation": [0-9]*/"generation": 0/; s/"iteration": 1/"iteration": 1000/' sync/state.json
sed -i 's/^}$/, "exit": true, "exit_reason": "agent says done"\n}/' sync/state.json
"#,
    );
    let run = env.baton(&["run", "--iterations", "3"]);
    run.expect_code(0);
    assert!(run.stdout.contains("agent says done"), "{}", run.stdout);
    let state = env.state();
    assert_eq!(state["iteration"], 1, "the agent's iteration is ignored");
    assert_eq!(state["expected_actor"], "ralph");
    assert_eq!(state["generation"], 2, "claim + stamp, never reset to 0");
    assert_eq!(state["exit"], true);
    let journal = env.journal();
    assert_eq!(journal.len(), 1, "stopped at the next boundary");
    assert_eq!(
        journal[0]["state_ignored"],
        serde_json::json!(["generation", "iteration"])
    );
}

#[test]
fn a_kill_at_any_step_of_a_role_turn_is_finished_by_a_restart() {
    for point in ROLE_POINTS {
        let env = RoleEnv::new();
        let ralph = env.ralph_daemon(&["--iterations", "2"]);
        let mut galph_cmd = env
            .galph
            .baton_cmd(&daemon_args("supervisor", &["--iterations", "2"]));
        galph_cmd.env("BATON_FAULT", point);
        let killed = galph_cmd.output().expect("run galph");
        assert_eq!(
            killed.status.signal(),
            Some(9),
            "{point}: killed by the fault"
        );
        // From `stamp-recorded` on, the killed turn is finished by the restart, which then has
        // one galph turn left to run.
        let recovered = ROLE_POINTS.iter().position(|p| p == point) >= Some(3);
        let left = if recovered { "1" } else { "2" };
        let galph = env.run_galph(&["--iterations", left]);
        galph.expect_code(0);
        if recovered {
            assert!(
                galph.stderr.contains("finishing its stamp"),
                "{point}: {}",
                galph.stderr
            );
        }
        ralph.wait(DEADLINE).expect_code(0);
        let journal = env.remote_journal();
        assert_eq!(
            actors(&journal),
            ["galph", "ralph", "galph", "ralph"],
            "{point}: one line per turn"
        );
        let stamps: Vec<String> = env
            .remote_syncs()
            .into_iter()
            .filter(|s| !s.contains("status=running"))
            .collect();
        assert_eq!(
            stamps.len(),
            4,
            "{point}: one stamp commit per turn: {stamps:?}"
        );
        assert_eq!(env.remote_state()["iteration"], 3, "{point}");
    }
}

/// A daemon killed between writing its running marker and committing it leaves the state file
/// modified; a stop pushed meanwhile from another clone must not block its restart.
#[test]
fn an_uncommitted_running_marker_never_blocks_a_role_restart() {
    let env = RoleEnv::new();
    let mut galph_cmd = env
        .galph
        .baton_cmd(&daemon_args("supervisor", &["--iterations", "1"]));
    galph_cmd.env("BATON_FAULT", "claim-saved");
    let killed = galph_cmd.output().expect("run galph");
    assert_eq!(killed.status.signal(), Some(9));
    assert_ne!(env.galph.git(&["status", "--porcelain"]), "", "marker left");
    let laptop = env.another_clone("laptop");
    env.run_in(&laptop, &["stop", "--reason", "pause"])
        .expect_code(0);
    let galph = env.run_galph(&["--iterations", "1"]);
    galph.expect_code(0);
    assert!(
        galph.stderr.contains("restored it from HEAD"),
        "{}",
        galph.stderr
    );
    assert!(galph.stdout.contains("pause"), "{}", galph.stdout);
    assert!(env.calls_empty(), "no agent ran after the stop");
}
