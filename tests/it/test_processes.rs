//! No agent process outlives its turn: an agent that ignores SIGTERM and leaves a
//! `setsid` grandchild and a double-forked orphan behind (both ignoring SIGTERM too), ended at
//! a normal exit, a timeout, SIGINT, SIGTERM — and, after a SIGKILL of Baton, by the next start.
//! Each case runs with the per-run cgroup (where this machine offers one) and without it
//! (`BATON_CGROUP=off`, the subreaper sweep alone). Zombies count as dead.

use std::process::{Child, Command};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::common::{Run, TestEnv, alive, read_pid, wait_for};

/// Pid files the hook writes into the control directory.
const PIDS: [&str; 3] = ["agent.pid", "setsid.pid", "orphan.pid"];

/// The misbehaving agent: ignores SIGTERM (inherited by all it starts), starts a grandchild in
/// a new session and an orphan by double fork, records the three pids, then `tail` (the part
/// each test adds: nothing for a normal exit, an endless loop otherwise).
fn escaper(tail: &str) -> String {
    format!(
        "trap '' TERM\n\
         setsid sh -c 'echo $$ > \"$TEST_CTL/setsid.pid.tmp\"; mv \"$TEST_CTL/setsid.pid.tmp\" \"$TEST_CTL/setsid.pid\"; exec sleep 300' &\n\
         ( sh -c 'echo $$ > \"$TEST_CTL/orphan.pid.tmp\"; mv \"$TEST_CTL/orphan.pid.tmp\" \"$TEST_CTL/orphan.pid\"; exec sleep 300' & )\n\
         while [ ! -f \"$TEST_CTL/setsid.pid\" ] || [ ! -f \"$TEST_CTL/orphan.pid\" ]; do sleep 0.05; done\n\
         echo $$ > \"$TEST_CTL/agent.pid\"\n\
         {tail}"
    )
}

const FOREVER: &str = "while :; do sleep 1; done\n";

/// With or without the per-run cgroup.
#[derive(Clone, Copy)]
enum Containment {
    Cgroup,
    SweepOnly,
}

struct Case {
    env: TestEnv,
    containment: Containment,
}

impl Case {
    fn new(containment: Containment, hook: &str) -> Case {
        let env = TestEnv::new();
        env.hook("ralph", hook);
        Case { env, containment }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.env.baton_cmd(args);
        cmd.env("BATON_KILL_GRACE_MS", "300");
        if matches!(self.containment, Containment::SweepOnly) {
            cmd.env("BATON_CGROUP", "off");
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().expect("run baton"))
    }

    fn spawn(&self) -> Child {
        let child = self
            .cmd(&["loop", "--iterations", "1"])
            .spawn()
            .expect("spawn baton");
        wait_for(30, "the agent to record its pids", || {
            self.pids().iter().all(|&p| p > 0)
        });
        child
    }

    fn pids(&self) -> Vec<i32> {
        PIDS.iter()
            .map(|f| read_pid(&self.env.ctl.join(f)))
            .collect()
    }

    /// Every recorded process is dead now (no waiting: Baton ended them before it exited).
    fn assert_all_dead(&self) {
        let pids = self.pids();
        assert!(pids.iter().all(|&p| p > 0), "pids recorded: {pids:?}");
        let live: Vec<i32> = pids.into_iter().filter(|&p| alive(p)).collect();
        assert!(live.is_empty(), "still alive after Baton exited: {live:?}");
    }
}

fn normal_exit(containment: Containment) {
    let case = Case::new(containment, &escaper(""));
    case.run(&["loop", "--iterations", "1"]).expect_code(0);
    case.assert_all_dead();
    assert_eq!(case.env.state()["status"], "complete");
}

fn timeout(containment: Containment) {
    let case = Case::new(containment, &escaper(FOREVER));
    case.run(&["loop", "--iterations", "1", "--timeout", "2s"])
        .expect_code(1);
    case.assert_all_dead();
    assert_eq!(case.env.state()["last_error"], "timeout after 2s");
}

fn signal(containment: Containment, signal: Signal, code: i32) {
    let case = Case::new(containment, &escaper(FOREVER));
    let mut baton = case.spawn();
    let pid = Pid::from_raw(i32::try_from(baton.id()).expect("pid"));
    kill(pid, signal).expect("signal baton");
    assert_eq!(baton.wait().expect("wait").code(), Some(code));
    case.assert_all_dead();
    assert_eq!(case.env.state()["last_error"], "interrupted");
}

fn sigkill_then_restart(containment: Containment) {
    let case = Case::new(containment, &escaper(FOREVER));
    let mut baton = case.spawn();
    baton.kill().expect("SIGKILL baton");
    baton.wait().expect("reap baton");
    let pids = case.pids();
    assert!(
        pids.iter().all(|&p| alive(p)),
        "the dead run's processes outlive a SIGKILLed Baton: {pids:?}"
    );

    std::fs::remove_file(case.env.ctl.join("ralph.sh")).expect("remove hook");
    let restart = case.run(&["loop", "--iterations", "1"]);
    restart.expect_code(0);
    assert!(
        restart
            .stderr
            .contains("agent process(es) a previous run left running"),
        "the restart says what it ended: {}",
        restart.stderr
    );
    case.assert_all_dead();
    assert_eq!(case.env.state()["status"], "complete");
}

#[test]
fn normal_exit_ends_escaped_descendants_in_a_cgroup() {
    normal_exit(Containment::Cgroup);
}

#[test]
fn normal_exit_ends_escaped_descendants_by_the_sweep() {
    normal_exit(Containment::SweepOnly);
}

#[test]
fn timeout_ends_escaped_descendants_in_a_cgroup() {
    timeout(Containment::Cgroup);
}

#[test]
fn timeout_ends_escaped_descendants_by_the_sweep() {
    timeout(Containment::SweepOnly);
}

#[test]
fn sigint_ends_escaped_descendants_in_a_cgroup() {
    signal(Containment::Cgroup, Signal::SIGINT, 130);
}

#[test]
fn sigint_ends_escaped_descendants_by_the_sweep() {
    signal(Containment::SweepOnly, Signal::SIGINT, 130);
}

#[test]
fn sigterm_ends_escaped_descendants_in_a_cgroup() {
    signal(Containment::Cgroup, Signal::SIGTERM, 143);
}

#[test]
fn sigterm_ends_escaped_descendants_by_the_sweep() {
    signal(Containment::SweepOnly, Signal::SIGTERM, 143);
}

#[test]
fn restart_after_sigkill_ends_what_the_dead_run_left_in_a_cgroup() {
    sigkill_then_restart(Containment::Cgroup);
}

#[test]
fn restart_after_sigkill_ends_what_the_dead_run_left_by_the_marker() {
    sigkill_then_restart(Containment::SweepOnly);
}

/// A record whose leader pid now belongs to another process (same pid, other start time) and
/// whose marker nothing carries: the restart kills nothing.
#[test]
fn restart_never_kills_a_process_that_reused_a_recorded_pid() {
    let env = TestEnv::new();
    let mut bystander = Command::new("sleep").arg("300").spawn().expect("spawn");
    let pid = i32::try_from(bystander.id()).expect("pid");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("stat")
        .1
        .split_whitespace()
        .collect();
    let start_ticks: u64 = fields[19].parse().expect("start time");
    let boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").expect("boot id");
    let record = serde_json::json!({
        "marker": "BATON_RUN_ID=nobody-has-this",
        "leader": {"pid": pid, "start_ticks": start_ticks + 7, "boot_id": boot_id.trim()},
        "cgroup": null,
    });
    let run_dir = env.root.join(".git/baton");
    std::fs::create_dir_all(&run_dir).expect("mkdir");
    std::fs::write(run_dir.join("agents.json"), record.to_string()).expect("record");

    let run = env.baton(&["loop", "--iterations", "1"]);
    run.expect_code(0);
    assert!(alive(pid), "the bystander that reused the pid lives");
    assert!(!run.stderr.contains("left running"), "{}", run.stderr);
    assert!(!run_dir.join("agents.json").exists(), "the record is gone");
    bystander.kill().expect("kill bystander");
    bystander.wait().expect("reap");
}

/// A script that records its pid and its child's, and on SIGTERM records `term` and exits: a
/// child that cleans up when asked, and is seen to have been asked.
fn polite_hanger(name: &str) -> String {
    format!(
        "echo $$ > \"$TEST_CTL/{name}.pid\"\n\
         sleep 300 &\n\
         echo $! > \"$TEST_CTL/{name}-child.pid\"\n\
         trap 'echo term >> \"$TEST_CTL/{name}-term\"; exit 3' TERM\n\
         wait\n"
    )
}

/// A verify command that hangs is ended at `completion.verify_timeout` with its whole process
/// group — SIGTERM first (its trap runs), SIGKILL only after the grace — and the claim counts as
/// not verified ("did not finish"); the loop goes on.
#[test]
fn a_hanging_verify_command_is_ended_at_its_deadline_with_its_group_term_first() {
    let env = TestEnv::bare();
    let script = env.ctl.join("verify.sh");
    std::fs::write(&script, polite_hanger("verify")).expect("write");
    env.write(
        "orchestration.yaml",
        &format!(
            "agent:\n  default: stub\n  heartbeat: 0\n  roles:\n    galph: planner\n  commands:\n    \
             stub: [sh, \"{}\", stub]\n    \
             planner: [sh, -c, 'cat > /dev/null; echo \"<promise>COMPLETE</promise>\"']\n\
             completion:\n  verify_timeout: 1s\n  verify:\n    - [sh, \"{}\"]\n",
            env.ctl.join("agent.sh").display(),
            script.display()
        ),
    );
    env.commit_all("init");
    let started = std::time::Instant::now();
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "ended at its deadline: {:?}",
        started.elapsed()
    );
    let completion = &env.journal()[0]["completion"];
    assert_eq!(completion["verified"], false, "{completion}");
    assert!(completion["exit_code"].is_null(), "{completion}");
    assert_eq!(
        std::fs::read_to_string(env.ctl.join("verify-term")).unwrap_or_default(),
        "term\n",
        "SIGTERM came first: its trap ran"
    );
    for pid in ["verify.pid", "verify-child.pid"] {
        let pid = read_pid(&env.ctl.join(pid));
        assert!(pid > 0, "{pid}");
        wait_for(5, "the verify group to be gone", || !alive(pid));
    }
    assert!(
        run.stderr.contains("ran past completion.verify_timeout"),
        "{}",
        run.stderr
    );
}
