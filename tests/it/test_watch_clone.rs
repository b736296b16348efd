//! `baton watch` on a clone where no Baton runs: a running turn is shown with where its agent
//! works (the lease holder) instead of "no agent running", and a remote that hangs ends
//! `--once` after `git.read_timeout` with the last fetched view and the problem.

use std::time::{Duration, Instant};

use crate::role_env::{DEADLINE, Daemon, RoleEnv, WAIT_FOR_GO};
use crate::test_status::{all_gone, hang_uploads};

#[test]
fn watch_once_on_a_clone_says_where_the_running_agent_works() {
    let env = RoleEnv::new();
    env.seed.hook("ralph", WAIT_FOR_GO);
    let galph = env.galph_daemon(&["--iterations", "1", "--max-wait", "60s"]);
    let mut ralph = env.ralph_daemon(&["--iterations", "1", "--max-wait", "60s"]);
    env.wait_agent_started(&mut ralph, "ralph");
    env.wait_remote_status(&mut ralph, "running-ralph");
    let owner = env.remote_state()["lease_owner"]
        .as_str()
        .expect("a lease")
        .to_owned();

    let run = env.run_in(&env.seed, &["watch", "--once"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0], "watch: origin/main (fetched every 2s)",
        "{lines:#?}"
    );
    let agent =
        format!("agent: runs on {owner} (the lease holder); its transcript stays on that machine");
    let turn = lines
        .iter()
        .position(|l| l.starts_with("turn: ralph (running-ralph, iteration 1)"))
        .unwrap_or_else(|| panic!("the running turn: {lines:#?}"));
    assert!(
        lines[turn..].contains(&agent.as_str()),
        "after the turn, where its agent works: {lines:#?}"
    );

    env.touch("go");
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
}

#[test]
fn watch_once_on_a_remote_that_hangs_ends_with_the_last_fetched_view() {
    let env = RoleEnv::new();
    let pids = hang_uploads(&env.seed);
    let mut cmd = env.seed.baton_cmd(&["watch", "--once"]);
    cmd.env("BATON_GIT_READ_TIMEOUT", "2s");
    let started = Instant::now();
    let run = Daemon::spawn(cmd, &env.seed.ctl).wait(60);
    run.expect_code(0);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "one bounded ls-remote, not a wait for ever"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0], "watch: origin/main (fetched every 2s)",
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"turn: galph (idle, iteration 1) since -"),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "problem: fetch failed, showing the last fetched view: `git ls-remote --heads \
             origin refs/heads/main` timed out after 2s"
        )),
        "{lines:#?}"
    );
    all_gone(&pids);
}
