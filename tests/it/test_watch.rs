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
