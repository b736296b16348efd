//! `baton status` against an upstream, on a role-mode clone where no Baton runs (the remote's
//! view first), on a remote that hangs, and the Python tool's state files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{TestEnv, alive, wait_for, write_script};
use crate::role_env::{DEADLINE, Daemon, RoleEnv, WAIT_FOR_GO};

#[test]
fn status_says_how_the_clone_stands_against_its_upstream() {
    let env = TestEnv::new();
    let remote = env.ctl.join("remote.git");
    let remote = remote.to_str().expect("utf-8 path");
    env.git(&["init", "-q", "--bare", "-b", "main", remote]);
    env.git(&["remote", "add", "origin", remote]);
    env.git(&["push", "-q", "-u", "origin", "main"]);
    let run = env.baton(&["status"]);
    assert!(
        run.stdout.contains("up to date with origin/main"),
        "{}",
        run.stdout
    );

    let other = env.ctl.join("other");
    env.git(&["clone", "-q", remote, other.to_str().expect("utf-8 path")]);
    let mut push = env.command("git");
    push.current_dir(&other)
        .args(["commit", "-q", "--allow-empty", "-m", "peer"]);
    assert!(push.status().expect("commit").success());
    let mut push = env.command("git");
    push.current_dir(&other)
        .args(["push", "-q", "origin", "main"]);
    assert!(push.status().expect("push").success());
    env.git(&["fetch", "-q", "origin"]);

    let run = env.baton(&["status", "--json"]);
    run.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["remote"]["upstream"], "origin/main");
    assert_eq!(v["remote"]["behind"], 1);
    assert_eq!(v["remote"]["ahead"], 0);
}

#[test]
fn python_step_index_state_is_read_and_converted_on_the_next_write() {
    let env = TestEnv::new();
    let legacy = "{\n  \"step_index\": 3,\n  \"expected_step\": \"loop\",\n  \"status\": \"waiting-ralph\",\n  \"notes\": \"kept\"\n}\n";
    env.write("sync/state.json", legacy);
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(run.stderr.contains("step_index"), "notice: {}", run.stderr);
    assert_eq!(
        env.prompts_called(),
        ["ralph main.md"],
        "ralph was expected"
    );
    let state = env.state();
    assert_eq!(
        state["iteration"], 3,
        "step_index 3 → iteration 2, then ralph's turn"
    );
    assert_eq!(state["notes"], "kept", "unknown keys survive");
    assert!(state.get("step_index").is_none());
    assert!(state.get("expected_step").is_none());
}

/// A laptop clone where no Baton runs, while ralph's agent runs on its own clone: `status`
/// leads with the remote's view (whose turn, the lease, where the agent runs, the remote's
/// journal) and says how far the laptop's own files are behind.
#[test]
fn status_on_a_clone_without_a_daemon_leads_with_the_remotes_view() {
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

    let run = env.run_in(&env.seed, &["status"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0], "view:      origin/main, fetched just now; no Baton runs in this clone",
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with("turn:      ralph (running-ralph, iteration 1) since 20"),
        "the remote's turn first, not the laptop's idle galph:\n{}",
        run.stdout
    );
    let agent = format!(
        "agent:     runs on {owner} (the lease holder); its transcript stays on that machine"
    );
    assert!(lines.contains(&agent.as_str()), "{}", run.stdout);
    let behind = env.seed.git(&["rev-list", "--count", "HEAD..origin/main"]);
    let local = format!(
        "local:     this clone is {} commits behind origin/main; its own state says galph \
         (idle, iteration 1) (`git pull --ff-only` brings it up to date)",
        behind.trim()
    );
    assert!(lines.contains(&local.as_str()), "{}", run.stdout);
    assert_eq!(lines[1], "state:     sync/state.json at origin/main");
    let turns = &run.stdout[run.stdout.find("last turns:").expect("last turns")..];
    assert!(
        turns.contains("i=1 galph supervisor.md ok"),
        "the remote's journal:\n{}",
        run.stdout
    );

    let json = env.run_in(&env.seed, &["status", "--json"]);
    json.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["view"]["source"], "remote");
    assert_eq!(v["view"]["name"], "origin/main");
    assert_eq!(v["view"]["stale"], false);
    assert_eq!(v["state"]["status"], "running-ralph");
    assert_eq!(v["lease"]["owner"], owner.as_str());
    assert_eq!(v["last_turns"][0]["actor"], "galph");
    assert_eq!(v["local"]["state"]["status"], "idle");
    assert_eq!(v["local"]["behind"].to_string(), behind.trim());

    env.touch("go");
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
}

/// A remote whose `git-upload-pack` hangs: `status` ends after `git.read_timeout`, its git
/// child and what that started killed, and shows the last fetched view marked stale.
#[test]
fn status_on_a_remote_that_hangs_shows_the_last_fetched_view_marked_stale() {
    let env = RoleEnv::new();
    let pids = hang_uploads(&env.seed);
    let mut cmd = env.seed.baton_cmd(&["status"]);
    cmd.env("BATON_GIT_READ_TIMEOUT", "2s");
    let started = Instant::now();
    let run = Daemon::spawn(cmd, &env.seed.ctl).wait(60);
    run.expect_code(0);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded by the 2 s read timeout (and the kill's grace)"
    );
    assert!(
        run.stdout.starts_with(
            "view:      origin/main, as last fetched — stale: `git ls-remote --heads origin \
             refs/heads/main` timed out after 2s"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("turn:      galph (idle, iteration 1)"),
        "{}",
        run.stdout
    );
    let mut cmd = env.seed.baton_cmd(&["status", "--json"]);
    cmd.env("BATON_GIT_READ_TIMEOUT", "2s");
    let json = Daemon::spawn(cmd, &env.seed.ctl).wait(60);
    json.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["view"]["source"], "remote");
    assert_eq!(v["view"]["stale"], true);
    assert!(
        v["view"]["problem"]
            .as_str()
            .is_some_and(|p| p.ends_with("timed out after 2s")),
        "{v}"
    );
    all_gone(&pids);
}

/// Makes `clone`'s `origin` hang: its upload-pack (what `ls-remote` and `fetch` run on a local
/// remote) writes its pid and a child's to the returned file, then sleeps.
pub(crate) fn hang_uploads(clone: &TestEnv) -> PathBuf {
    let pids = clone.ctl.join("upload-pack.pids");
    let script = write_script(
        &clone.ctl.join("hung"),
        "upload-pack",
        &format!(
            "#!/bin/sh\necho $$ >> '{0}'\nsleep 300 &\necho $! >> '{0}'\nwait\n",
            pids.display()
        ),
    );
    clone.git(&[
        "config",
        "remote.origin.uploadpack",
        script.to_str().expect("utf-8 path"),
    ]);
    pids
}

/// Waits until every pid listed in `pids` is gone (the hung upload-pack and its sleep).
pub(crate) fn all_gone(pids: &Path) {
    let listed = std::fs::read_to_string(pids).expect("the upload-pack ran");
    for pid in listed.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
        wait_for(10, "the hung upload-pack's processes to end", || {
            !alive(pid)
        });
    }
}
