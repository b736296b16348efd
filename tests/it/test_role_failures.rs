//! Role mode under failure: a killed daemon, a remote that refuses pushes.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::common::read_pid;
use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};

const REFUSAL: &str = "push refused by policy";

#[test]
fn role_sigkill_during_ralph_turn_reruns_the_turn_and_stamps_it_once() {
    let env = RoleEnv::new();
    env.seed.hook(
        "ralph",
        &format!("{WAIT_FOR_GO}mkdir -p reports\necho r > \"reports/r-$BATON_ITERATION.md\"\n"),
    );
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    let mut ralph = env.ralph_daemon(&["--iterations", "1"]);
    let daemon_pid = ralph.pid();
    env.wait_agent_started(&mut ralph, "ralph");
    env.wait_remote_status(&mut ralph, "running-ralph");
    let agent = read_pid(&env.seed.ctl.join("ralph.pid"));
    assert_eq!(ralph.kill9().code, None, "killed by a signal");
    // The orphaned agent would otherwise wait for `go` on its own.
    let _ = kill(Pid::from_raw(agent), Signal::SIGKILL);

    let state = env.remote_state();
    assert_eq!(state["status"], "running-ralph", "{state:#}");
    let owner = state["lease_owner"].as_str().unwrap_or_default();
    assert!(owner.ends_with(&format!(":{daemon_pid}")), "{state:#}");

    env.touch("go");
    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "ralph main.md", "ralph main.md"],
        "the turn runs again"
    );
    let journal = env.remote_journal();
    let ralph_ok = journal
        .iter()
        .filter(|j| j["actor"] == "ralph" && j["iteration"] == 1 && j["outcome"] == "ok")
        .count();
    assert_eq!(ralph_ok, 1, "stamped once: {journal:#?}");
    let stamps = env
        .remote_syncs()
        .iter()
        .filter(|s| s.starts_with("[SYNC i=2] actor=ralph → next=galph status=ok"))
        .count();
    assert_eq!(stamps, 1);
    let state = env.remote_state();
    assert_eq!(state["status"], "complete", "{state:#}");
    assert_eq!(state["iteration"], 2);
    assert_eq!(state["lease_owner"], Value::Null);
    assert_eq!(env.remote_file("reports/r-1.md").as_deref(), Some("r\n"));
}

#[test]
fn role_pre_receive_refusal_keeps_the_stamp_and_a_restart_pushes_it_without_rerunning() {
    let env = RoleEnv::new();
    env.seed.hook("galph", WAIT_FOR_GO);
    let mut galph = env.galph_daemon(&["--iterations", "1"]);
    env.wait_remote_status(&mut galph, "running-galph");
    env.refuse_pushes(REFUSAL);
    env.touch("go");
    let run = galph.wait(DEADLINE);
    run.expect_code(1);
    assert!(run.stderr.contains(REFUSAL), "{}", run.stderr);

    let stamp = "[SYNC i=1] actor=galph → next=ralph status=ok galph_commit=";
    let head = env.galph.git(&["log", "-1", "--format=%s"]);
    assert!(head.starts_with(stamp), "the local stamp is kept: {head}");
    assert_eq!(env.remote_tip(), "[SYNC i=1] actor=galph status=running");
    assert_eq!(env.remote_state()["status"], "running-galph");

    env.accept_pushes();
    let again = env.run_galph(&["--iterations", "1", "--max-wait", "2s"]);
    if again.code == Some(1) {
        assert!(again.stderr.contains("gave up waiting"), "{}", again.stderr);
    } else {
        again.expect_code(0);
    }
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md"],
        "the agent is not run again"
    );
    assert!(env.remote_tip().starts_with(stamp), "{}", env.remote_tip());
    let state = env.remote_state();
    assert_eq!(state["status"], "waiting-ralph", "{state:#}");
    assert_eq!(env.remote_journal().len(), 1);

    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    assert_eq!(env.remote_state()["iteration"], 2);
}
