//! Timeouts, SIGINT and SIGTERM with an agent that forks a grandchild; the runner lock.

use std::process::Child;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::common::{TestEnv, alive, read_pid, wait_for};

/// A hook that forks a sleeping grandchild, records both pids, and sleeps.
const SLEEPER: &str = "sleep 300 &\necho $! > \"$TEST_CTL/grandchild.pid\"\necho $$ > \"$TEST_CTL/child.pid\"\nsleep 300\n";

fn pids(env: &TestEnv) -> (i32, i32) {
    (
        read_pid(&env.ctl.join("child.pid")),
        read_pid(&env.ctl.join("grandchild.pid")),
    )
}

/// Starts `baton loop --iterations 1` and waits until the sleeper agent has written its pids.
fn start_sleeper(env: &TestEnv) -> Child {
    env.hook("ralph", SLEEPER);
    let child = env
        .baton_cmd(&["loop", "--iterations", "1"])
        .spawn()
        .expect("spawn baton");
    wait_for(30, "the agent to start", || pids(env).1 > 0);
    child
}

fn assert_agents_gone(env: &TestEnv) {
    let (child, grandchild) = pids(env);
    wait_for(10, "agent processes to end", || {
        !alive(child) && !alive(grandchild)
    });
}

#[test]
fn timeout_ends_the_agent_and_its_grandchild() {
    let env = TestEnv::new();
    env.hook("ralph", SLEEPER);
    let run = env.baton(&["loop", "--iterations", "1", "--timeout", "2s"]);
    run.expect_code(1);
    assert_agents_gone(&env);
    let state = env.state();
    assert_eq!(state["status"], "failed");
    assert_eq!(state["last_error"], "timeout after 2s");
    assert_eq!(env.journal()[0]["outcome"], "timeout");
}

fn interrupt(signal: Signal, code: i32) {
    let env = TestEnv::new();
    let mut baton = start_sleeper(&env);
    let pid = Pid::from_raw(i32::try_from(baton.id()).expect("pid"));
    kill(pid, signal).expect("signal baton");
    let status = baton.wait().expect("wait baton");
    assert_eq!(status.code(), Some(code));
    assert_agents_gone(&env);
    let state = env.state();
    assert_eq!(state["status"], "failed");
    assert_eq!(state["last_error"], "interrupted");
    assert_eq!(state["expected_actor"], "ralph");
    assert_eq!(env.journal()[0]["outcome"], "interrupted");

    std::fs::remove_file(env.ctl.join("ralph.sh")).expect("remove hook");
    env.baton(&["loop", "--iterations", "1"]).expect_code(0);
    assert_eq!(
        env.state()["status"],
        "complete",
        "the workspace runs again"
    );
}

#[test]
fn sigint_ends_the_agent_group_and_exits_130() {
    interrupt(Signal::SIGINT, 130);
}

#[test]
fn sigterm_ends_the_agent_group_and_exits_143() {
    interrupt(Signal::SIGTERM, 143);
}

#[test]
fn a_second_runner_on_the_same_workspace_refuses() {
    let env = TestEnv::new();
    let mut first = start_sleeper(&env);
    let second = env.baton(&["run", "--iterations", "1"]);
    second.expect_code(1);
    assert!(second.stderr.contains("baton.lock"), "{}", second.stderr);
    assert!(
        second.stderr.contains(&format!("pid {}", first.id())),
        "{}",
        second.stderr
    );
    let pid = Pid::from_raw(i32::try_from(first.id()).expect("pid"));
    kill(pid, Signal::SIGTERM).expect("signal baton");
    assert_eq!(first.wait().expect("wait").code(), Some(143));
    assert_agents_gone(&env);
}
