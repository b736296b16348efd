//! `baton watch`: a role-mode run watched from a third clone as it happens, a combined run
//! watched in its workspace (the transcript streaming), one snapshot with `--once`, and a
//! watch that leaves on SIGINT/SIGTERM with exit 0 and the clone untouched.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::common::{Run, TestEnv};
use crate::role_env::{DEADLINE, Daemon, RoleEnv, WAIT_FOR_GO};

/// Everything of `env`'s clone a watch must leave alone: refs other than remote-tracking ones,
/// HEAD, and the work tree's status (ignored files included, so `logs/` counts).
fn untouched_part(env: &TestEnv) -> String {
    let refs = env.git(&["for-each-ref", "--format=%(refname) %(objectname)"]);
    let refs: Vec<&str> = refs
        .lines()
        .filter(|r| !r.starts_with("refs/remotes/"))
        .collect();
    let head = env.git(&["rev-parse", "HEAD"]);
    let status = env.git(&[
        "status",
        "--porcelain",
        "--ignored",
        "--untracked-files=all",
    ]);
    format!("{refs:#?}\nHEAD {head}\n{status}")
}

/// Waits until the watch printed a line starting with `prefix`.
fn wait_line(watch: &mut Daemon, prefix: &str) {
    let what = format!("a watch line starting with `{prefix}`");
    let out = watch.stdout_path();
    watch.wait_until(DEADLINE, &what, || {
        let seen = std::fs::read_to_string(&out).unwrap_or_default();
        seen.lines().any(|l| l.starts_with(prefix))
    });
}

/// Sends `signal` to the watch and expects a clean exit 0.
fn leave(watch: Daemon, signal: Signal) -> Run {
    kill(Pid::from_raw(watch.pid()), signal).expect("signal watch");
    let run = watch.wait(DEADLINE);
    run.expect_code(0);
    run
}

/// The index of the first line starting with `prefix` (panics when none).
fn position(out: &str, prefix: &str) -> usize {
    out.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with `{prefix}` in:\n{out}"))
}

#[test]
fn watch_on_a_third_clone_shows_a_role_mode_runs_turns_as_they_happen() {
    let env = RoleEnv::with_config("budget:\n  max_turns: 50\n");
    env.seed.hook("ralph", WAIT_FOR_GO);
    let before = untouched_part(&env.seed);
    let mut watch = Daemon::spawn(
        env.seed.baton_cmd(&["watch", "--interval", "0.2s"]),
        &env.seed.ctl,
    );
    wait_line(&mut watch, "turn: galph (idle, iteration 1)");
    assert!(
        watch
            .stdout()
            .starts_with("watch: origin/main (fetched every 200ms)\n"),
        "the seed clone runs no Baton and the remote carries the state:\n{}",
        watch.stdout()
    );

    let galph = env.galph_daemon(&["--iterations", "1", "--max-wait", "60s"]);
    let mut ralph = env.ralph_daemon(&["--iterations", "1", "--max-wait", "60s"]);
    wait_line(&mut watch, "stamped: i=1 galph supervisor.md ok");
    env.wait_agent_started(&mut ralph, "ralph");
    wait_line(&mut watch, "turn: ralph (running-ralph, iteration 1)");
    wait_line(&mut watch, "lease: ");
    assert!(
        !env.ctl_has("go") && env.remote_journal().len() == 1,
        "galph's turn was shown while ralph's still ran"
    );
    wait_line(&mut watch, "budget: turns 1 of 50");

    env.touch("go");
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    wait_line(&mut watch, "stamped: i=1 ralph main.md ok");
    wait_line(&mut watch, "budget: turns 2 of 50");
    let run = leave(watch, Signal::SIGTERM);
    let out = &run.stdout;
    assert!(
        position(out, "stamped: i=1 galph") < position(out, "turn: ralph (running-ralph")
            && position(out, "turn: ralph (running-ralph") < position(out, "stamped: i=1 ralph"),
        "in the order they happened:\n{out}"
    );
    assert_eq!(
        out.matches("stamped: ").count(),
        2,
        "each turn once:\n{out}"
    );
    assert_eq!(
        untouched_part(&env.seed),
        before,
        "the watching clone is untouched"
    );
    assert_eq!(
        env.seed.git(&["rev-parse", "refs/remotes/origin/main"]),
        env.remote_git(&["rev-parse", "main"]),
        "only the remote-tracking ref moved"
    );
}

/// A fetch that hangs (a dead network: ssh waits for its keep-alive to give up) does not keep
/// the watch from leaving: SIGTERM ends the `git` child's whole process group at once.
#[test]
fn watch_on_a_clone_leaves_at_once_while_a_fetch_hangs() {
    let env = RoleEnv::new();
    let ctl = env.seed.ctl.display().to_string();
    let path = crate::common::git_wrapper(
        &env.seed.ctl.join("slow-git"),
        &format!(
            "if [ \"$1\" = ls-remote ] && [ -e \"{ctl}/hang\" ]; then\n  \
             echo $$ > \"{ctl}/git.pid\"; sleep 120 & echo $! > \"{ctl}/sleep.pid\"; wait\nfi"
        ),
    );
    let mut cmd = env.seed.baton_cmd(&["watch", "--interval", "0.2s"]);
    cmd.env("PATH", path);
    let mut watch = Daemon::spawn(cmd, &env.seed.ctl);
    wait_line(&mut watch, "turn: galph (idle, iteration 1)");
    env.touch("hang");
    watch.wait_until(DEADLINE, "an ls-remote that hangs", || {
        env.ctl_has("sleep.pid")
    });
    kill(Pid::from_raw(watch.pid()), Signal::SIGTERM).expect("signal watch");
    // Well under the 120 s the fetch would take.
    watch.wait(20).expect_code(0);
    for name in ["git.pid", "sleep.pid"] {
        let pid = crate::common::read_pid(&env.seed.ctl.join(name));
        crate::common::wait_for(5, "the hung fetch's processes to be gone", || {
            !crate::common::alive(pid)
        });
    }
}

#[test]
fn watch_in_a_running_workspace_streams_the_transcript_and_the_stamps() {
    let env = TestEnv::new();
    env.hook(
        "ralph",
        &format!("echo \"ralph says hello\"\n{WAIT_FOR_GO}echo \"ralph says bye\"\n"),
    );
    let mut run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl);
    run.wait_until(DEADLINE, "ralph's agent to start", || {
        env.ctl.join("ralph-started").exists()
    });
    let mut watch = Daemon::spawn(env.baton_cmd(&["watch"]), &env.ctl);
    wait_line(&mut watch, "| ralph says hello");
    let out = watch.stdout();
    assert!(
        out.starts_with(&format!("watch: workspace {}\n", env.root.display())),
        "a Baton runs here:\n{out}"
    );
    assert!(
        position(&out, "stamped: i=1 galph supervisor.md ok")
            < position(&out, "started: i=1 ralph main.md (agent stub)"),
        "{out}"
    );
    assert!(
        out.contains("turn: ralph (running-ralph, iteration 1)"),
        "{out}"
    );

    std::fs::write(env.ctl.join("go"), "").expect("go");
    run.wait(DEADLINE).expect_code(0);
    wait_line(&mut watch, "ended: run ended at ");
    let after_run = untouched_part(&env);
    let done = leave(watch, Signal::SIGINT);
    let out = &done.stdout;
    assert!(
        position(out, "| ralph says bye") < position(out, "stamped: i=1 ralph main.md ok"),
        "the transcript's last line, then the stamp:\n{out}"
    );
    assert!(out.contains("turn: galph (complete, iteration 2)"), "{out}");
    assert!(
        out.contains("ended: run ended at ") && out.contains("with exit 0"),
        "{out}"
    );
    assert_eq!(
        untouched_part(&env),
        after_run,
        "the workspace is untouched"
    );
}

#[test]
fn watch_once_prints_one_snapshot_and_exits() {
    let env = TestEnv::with_config("budget:\n  max_turns: 5\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let before = untouched_part(&env);
    let run = env.baton(&["watch", "--once", "--last", "1"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], format!("watch: workspace {}", env.root.display()));
    assert!(
        lines[1].starts_with("stamped: i=1 ralph main.md ok"),
        "the last turn, then where the run stands now: {lines:#?}"
    );
    assert!(
        lines[2].starts_with("turn: galph (complete, iteration 2) since 20"),
        "{lines:#?}"
    );
    assert_eq!(lines[3], "budget: turns 2 of 5", "{lines:#?}");
    assert!(lines[4].starts_with("ended: run ended at "), "{lines:#?}");
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert_eq!(untouched_part(&env), before);

    let remote = env.baton(&["watch", "--once", "--source", "remote"]);
    remote.expect_code(2);
    assert!(
        remote.stderr.contains("--source remote"),
        "{}",
        remote.stderr
    );
}

/// A journal line of `actor`'s turn in `iteration`.
fn journal_line(iteration: u64, actor: &str, prompt: &str) -> String {
    let entry = serde_json::json!({
        "iteration": iteration, "actor": actor, "prompt": prompt,
        "source": "deterministic", "reason": "r", "agent": "stub",
        "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:01:00Z",
        "duration_ms": 60_000, "outcome": "ok", "exit_code": 0,
        "head_before": null, "head_after": null, "files_changed": 0,
        "insertions": 0, "deletions": 0, "log": "l", "host": "h", "generation": 1,
        "usage": {"input_tokens": 100, "output_tokens": 10, "cost_usd": 0.5}
    });
    format!("{entry}\n")
}

#[test]
fn watch_once_on_a_clone_reads_the_remote_journal_across_archived_segments() {
    let env = RoleEnv::with_config("budget:\n  max_cost_usd: 10\n");
    let before = untouched_part(&env.galph);
    let archived = journal_line(1, "galph", "supervisor.md") + &journal_line(1, "ralph", "main.md");
    env.seed.write("sync/journal/000001.jsonl", &archived);
    env.seed.write(
        "sync/journal.jsonl",
        &journal_line(2, "galph", "reviewer.md"),
    );
    env.seed.write(
        "sync/state.json",
        "{\"iteration\": 2, \"expected_actor\": \"ralph\", \"status\": \"waiting-ralph\", \"generation\": 3}\n",
    );
    env.seed.commit_all("three turns");
    env.seed.git(&["push", "-q", "origin", "main"]);

    let run = env.galph.baton(&["watch", "--once", "--last", "2"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "watch: origin/main (fetched every 2s)",
            "stamped: i=1 ralph main.md ok 1m00s, tokens 100 in / 10 out, $0.50",
            "stamped: i=2 galph reviewer.md ok 1m00s, tokens 100 in / 10 out, $0.50",
            "turn: ralph (waiting-ralph, iteration 2) since -",
            "budget: cost $1.50 of $10.00",
        ],
        "the last two turns span both segments; the budget counts all three"
    );
    assert_eq!(untouched_part(&env.galph), before, "nothing checked out");
}

/// A child that is killed and reaped if the test fails before it exits.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn watch_on_a_terminal_draws_a_screen_and_q_leaves_with_the_terminal_restored() {
    use std::io::{Read as _, Write as _};
    use std::sync::{Arc, Mutex};

    use nix::pty::{Winsize, openpty};
    use nix::sys::termios::{LocalFlags, tcgetattr};

    let env = TestEnv::new();
    let size = Winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(&size, None).expect("openpty");
    let before = tcgetattr(&pty.master).expect("tcgetattr").local_flags;
    let side = || std::process::Stdio::from(pty.slave.try_clone().expect("dup pty"));
    let mut cmd = env.baton_cmd(&["watch"]);
    cmd.stdin(side()).stdout(side()).stderr(side());
    let mut child = Reaped(cmd.spawn().expect("spawn watch"));
    // The test's own slave descriptors (in `cmd` and `pty.slave`) go, so that reading the
    // master ends (EIO) once the child is gone.
    drop(cmd);
    drop(pty.slave);
    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut master = std::fs::File::from(pty.master.try_clone().expect("dup master"));
    let sink = Arc::clone(&screen);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = master.read(&mut buf) {
            sink.lock().expect("screen").extend_from_slice(&buf[..n]);
        }
    });
    let shown = || String::from_utf8_lossy(&screen.lock().expect("screen")).into_owned();
    crate::common::wait_for(DEADLINE, "the screen", || {
        shown().contains("turn      no state file yet")
    });
    assert!(shown().starts_with("\x1b[?1049h"), "the alternate screen");
    crate::common::wait_for(DEADLINE, "keys read without echo", || {
        let flags = tcgetattr(&pty.master).expect("tcgetattr").local_flags;
        !flags.contains(LocalFlags::ICANON)
    });
    std::fs::File::from(pty.master.try_clone().expect("dup master"))
        .write_all(b"q")
        .expect("press q");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(DEADLINE);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "watch still runs after q"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    reader.join().expect("reader");
    assert_eq!(status.code(), Some(0), "{}", shown());
    assert!(
        shown().ends_with("\x1b[?25h\x1b[?1049l"),
        "cursor shown, alternate screen left: {:?}",
        shown()
    );
    let after = tcgetattr(&pty.master).expect("tcgetattr").local_flags;
    assert_eq!(after, before, "the terminal's modes are restored");
}
