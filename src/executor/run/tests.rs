//! Executor tests with real processes: `sh` scripts written to temp files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::*;

/// A temp dir holding `agent.sh` (the script) and `turn.log`.
struct Agent {
    dir: tempfile::TempDir,
}

impl Agent {
    fn new(body: &str) -> Agent {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("agent.sh"), body).expect("write script");
        Agent { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn spec(&self) -> RunSpec {
        RunSpec {
            argv: vec![
                "sh".into(),
                self.path("agent.sh").to_string_lossy().into_owned(),
            ],
            cwd: self.dir.path().to_path_buf(),
            log_path: self.path("logs/ralph/turn.log"),
            label: "ralph main.md (sh)".into(),
            ..RunSpec::default()
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("logs/ralph/turn.log")).expect("read log")
    }

    /// The pid the script wrote to `pid`.
    fn pid(&self) -> Pid {
        let text = std::fs::read_to_string(self.path("pid")).expect("pid file");
        Pid::from_raw(text.trim().parse().expect("pid"))
    }
}

/// Runs `spec` with a short grace, returning the result and the notices printed.
fn try_run(spec: &RunSpec, signal: Option<i32>) -> (Result<RunResult, ExecError>, String) {
    let mut notices = Vec::new();
    let mut options = Options {
        grace: Duration::from_millis(300),
        notices: &mut notices,
        signal,
        sweep_descendants: false,
    };
    let result = run_with(spec, &mut options);
    (result, String::from_utf8(notices).expect("utf-8 notices"))
}

fn run_quiet(spec: &RunSpec, signal: Option<i32>) -> (RunResult, String) {
    let (result, notices) = try_run(spec, signal);
    (result.expect("run"), notices)
}

/// Whether `pid` is still a live (non-zombie) process, allowing it up to 5 s to go.
fn still_alive(pid: Pid) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'));
        let alive = kill(pid, None).is_ok() && !zombie;
        if !alive || Instant::now() >= deadline {
            return alive;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn exit_code_propagates() {
    let agent = Agent::new("exit 7\n");
    let (result, _) = run_quiet(&agent.spec(), None);
    assert_eq!(result.outcome, RunOutcome::Failed);
    assert_eq!(result.exit_code, Some(7));
    assert_eq!(result.signal, None);
}

#[test]
fn success_is_ok_with_exit_code_0() {
    let agent = Agent::new("true\n");
    let (result, _) = run_quiet(&agent.spec(), None);
    assert_eq!(result.outcome, RunOutcome::Ok);
    assert_eq!(result.exit_code, Some(0));
    assert_eq!(result.stdout, None);
}

#[test]
fn stdin_is_received_and_closed() {
    let agent = Agent::new("cat\n");
    let prompt: Vec<u8> = (0..1_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let spec = RunSpec {
        stdin: prompt.clone(),
        capture_stdout: Some(usize::MAX),
        ..agent.spec()
    };
    let (result, _) = run_quiet(&spec, None);
    assert_eq!(result.outcome, RunOutcome::Ok);
    assert_eq!(result.stdout.as_deref(), Some(&prompt[..]));
}

#[test]
fn log_has_header_then_both_streams() {
    let agent = Agent::new("echo to-out\necho to-err >&2\n");
    let spec = agent.spec();
    let (result, _) = run_quiet(&spec, None);
    assert_eq!(result.outcome, RunOutcome::Ok);
    let log = agent.log();
    let header = format!("$ sh {}\n", agent.path("agent.sh").display());
    assert!(log.starts_with(&header), "log: {log:?}");
    assert!(log.contains("to-out\n"), "log: {log:?}");
    assert!(log.contains("to-err\n"), "log: {log:?}");
}

#[test]
fn capture_keeps_at_most_the_limit_and_the_log_keeps_all() {
    let agent = Agent::new("i=0; while [ $i -lt 1000 ]; do echo 0123456789; i=$((i+1)); done\n");
    let spec = RunSpec {
        capture_stdout: Some(100),
        ..agent.spec()
    };
    let (result, _) = run_quiet(&spec, None);
    let stdout = result.stdout.expect("captured");
    assert_eq!(stdout.len(), 100);
    assert!(stdout.starts_with(b"0123456789\n0123456789\n"));
    assert_eq!(agent.log().matches("0123456789\n").count(), 1000);
}

#[test]
fn env_vars_are_added_to_the_inherited_environment() {
    let agent = Agent::new("printf '%s %s' \"$BATON_ACTOR\" \"${PATH:+has-path}\"\n");
    let spec = RunSpec {
        env: vec![("BATON_ACTOR".into(), "ralph".into())],
        capture_stdout: Some(1024),
        ..agent.spec()
    };
    let (result, _) = run_quiet(&spec, None);
    assert_eq!(result.stdout.as_deref(), Some(&b"ralph has-path"[..]));
}

#[test]
fn runs_in_the_working_directory() {
    let agent = Agent::new("pwd -P\n");
    let spec = RunSpec {
        capture_stdout: Some(4096),
        ..agent.spec()
    };
    let (result, _) = run_quiet(&spec, None);
    let cwd = std::fs::canonicalize(agent.dir.path()).expect("canonical");
    let printed = String::from_utf8(result.stdout.expect("captured")).expect("utf-8");
    assert_eq!(Path::new(printed.trim()), cwd);
}

#[test]
fn timeout_ends_the_whole_group() {
    let agent = Agent::new("sleep 300 &\necho $! > pid\nsleep 300\n");
    let spec = RunSpec {
        timeout: Some(Duration::from_secs(1)),
        ..agent.spec()
    };
    let (result, notices) = run_quiet(&spec, None);
    assert_eq!(result.outcome, RunOutcome::Timeout);
    assert_eq!(result.signal, Some(15));
    assert!(notices.contains("timed out after 1s"), "notices: {notices}");
    assert!(!still_alive(agent.pid()), "grandchild survived the timeout");
}

#[test]
fn timeout_kills_an_agent_that_ignores_term() {
    let agent = Agent::new("trap '' TERM\nsleep 300\n");
    let spec = RunSpec {
        timeout: Some(Duration::from_millis(500)),
        ..agent.spec()
    };
    let (result, _) = run_quiet(&spec, None);
    assert_eq!(result.outcome, RunOutcome::Timeout);
    assert_eq!(result.signal, Some(9));
}

#[test]
fn background_child_does_not_outlive_a_successful_turn() {
    let agent = Agent::new("sleep 300 &\necho $! > pid\necho done\n");
    let (result, _) = run_quiet(&agent.spec(), None);
    assert_eq!(result.outcome, RunOutcome::Ok);
    assert!(agent.log().contains("done\n"));
    assert!(
        !still_alive(agent.pid()),
        "background child survived the turn"
    );
}

#[test]
fn heartbeat_is_printed_after_silence() {
    let agent = Agent::new("echo start\nsleep 2\n");
    let spec = RunSpec {
        heartbeat: Some(Duration::from_millis(300)),
        ..agent.spec()
    };
    let (result, notices) = run_quiet(&spec, None);
    assert_eq!(result.outcome, RunOutcome::Ok);
    assert!(
        notices.contains("[baton] ralph main.md (sh) still running… "),
        "notices: {notices}"
    );
    assert!(notices.contains("(no output for "), "notices: {notices}");
}

#[test]
fn a_signal_is_forwarded_and_the_turn_is_interrupted() {
    let agent = Agent::new("sleep 300\n");
    let (result, notices) = run_quiet(&agent.spec(), Some(15));
    assert_eq!(result.outcome, RunOutcome::Interrupted);
    assert_eq!(result.interrupted_by, Some(15));
    assert!(notices.contains("SIGTERM received"), "notices: {notices}");
}

#[test]
fn a_missing_program_is_a_spawn_error() {
    let agent = Agent::new("");
    let spec = RunSpec {
        argv: vec!["baton-test-no-such-program-3f9a".into()],
        ..agent.spec()
    };
    let err = try_run(&spec, None).0.expect_err("no such program");
    assert!(matches!(err, ExecError::Spawn { program, .. } if program.starts_with("baton-test")));
}

#[test]
fn grace_defaults_to_five_seconds() {
    assert_eq!(GRACE, Duration::from_secs(5));
    if std::env::var_os(KILL_GRACE_ENV).is_none() {
        assert_eq!(kill_grace(), GRACE);
    }
}

#[test]
#[ignore = "benchmark: 1 GiB through the executor"]
fn bench_one_gib() {
    let agent = Agent::new("head -c 1073741824 /dev/zero\n");
    let spec = RunSpec {
        echo: true,
        capture_stdout: Some(1 << 20),
        ..agent.spec()
    };
    let start = Instant::now();
    let (result, _) = run_quiet(&spec, None);
    eprintln!("bench: {:?}", start.elapsed());
    assert_eq!(result.outcome, RunOutcome::Ok);
}

#[test]
fn a_silent_agent_that_changes_nothing_is_ended_as_stalled() {
    let agent = Agent::new("echo $$ > pid\nsleep 300\n");
    let spec = RunSpec {
        idle_timeout: Some(Duration::from_millis(500)),
        ..agent.spec()
    };
    let (result, notices) = run_quiet(&spec, None);
    assert_eq!(result.outcome, RunOutcome::Stalled);
    assert!(
        notices.contains("stalled: no output and no file changed for 500ms"),
        "{notices}"
    );
}

#[test]
fn a_silent_agent_that_changes_files_or_a_talking_one_is_not_stalled() {
    for body in [
        "mkdir -p work\nfor i in 1 2 3 4 5 6 7 8; do sleep 0.2; echo $i > work/$i; done\n",
        "for i in 1 2 3 4 5 6 7 8; do sleep 0.2; echo tick $i; done\n",
    ] {
        let agent = Agent::new(body);
        let spec = RunSpec {
            idle_timeout: Some(Duration::from_millis(700)),
            ..agent.spec()
        };
        let (result, notices) = run_quiet(&spec, None);
        assert_eq!(result.outcome, RunOutcome::Ok, "{body}: {notices}");
        assert!(!notices.contains("stalled"), "{notices}");
    }
}
