//! `baton serve` on a role-mode clone where no daemon runs (a laptop, or machine A after its
//! daemon exited): the page shows the remote's view — an approval the run waits for on
//! another machine included — says so in its source, and its Approve button (the CLI, which
//! pushes) lets the run go on; a remote that hangs leaves the last fetched view, marked stale.

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::browser::{self, Browser};
use crate::common::{TestEnv, wait_for};
use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};
use crate::serve_env::{JSON, Server, http};
use crate::test_status::{all_gone, hang_uploads};

/// The server's snapshot.
fn snapshot(server: &Server) -> Value {
    let (status, body) = http(&server.addr, "GET", "/api/snapshot", &[], "");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("snapshot json")
}

/// Polls the snapshot until `cond` holds; returns it.
fn wait_snapshot(server: &Server, what: &str, cond: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    wait_for(DEADLINE, what, || {
        last = snapshot(server);
        cond(&last)
    });
    last
}

/// The state file of `clone`'s own work tree.
fn own_state(clone: &TestEnv) -> Value {
    serde_json::from_str(&clone.read("sync/state.json")).expect("state json")
}

#[test]
fn serve_on_a_clone_without_a_daemon_shows_the_remote_and_approve_releases_the_run() {
    remote_view_and_approve(false);
}

/// The same in headless Chromium: the header's badge names the remote and its freshness, and
/// Approve is enabled.
#[test]
#[ignore = "needs chromium: cargo test --test it -- --ignored browser_"]
fn browser_shows_the_remotes_view_on_a_clone_without_a_daemon() {
    remote_view_and_approve(true);
}

/// A daemon waits at an approval checkpoint on another machine; `serve` on the laptop clone
/// shows it from the remote (in a browser too when `page`), and its Approve lets the run go on.
fn remote_view_and_approve(page: bool) {
    let env = RoleEnv::with_config("approval:\n  before: [ralph]\n");
    let galph = env.galph_daemon(&["--iterations", "1"]);
    let mut ralph = env.ralph_daemon(&["--iterations", "1"]);
    env.wait_remote_status(&mut ralph, "awaiting-approval");
    let laptop = &env.seed;
    assert_eq!(
        own_state(laptop)["status"],
        "idle",
        "the laptop never pulled"
    );

    let server = Server::start(laptop, &[]);
    let snap = wait_snapshot(&server, "the remote's view, checked", |s| {
        s["source"]["kind"] == "remote" && s["source"]["checked_at"].is_string()
    });
    assert_eq!(snap["source"]["name"], "origin/main");
    assert!(snap["source"]["problem"].is_null(), "{snap}");
    assert!(
        snap["source"]["behind"].as_u64().is_some_and(|b| b > 0),
        "the laptop's files are behind: {snap}"
    );
    assert_eq!(snap["whose"]["status"], "awaiting-approval");
    assert_eq!(snap["awaiting_approval"], true, "Approve is enabled");
    assert_eq!(snap["approval"]["actor"], "ralph");
    assert_eq!(snap["turns"][0]["actor"], "galph", "the remote's journal");
    assert!(
        snap["events"]["run"].is_null(),
        "no local run is shown as if it were the remote's"
    );
    if page {
        page_shows_the_remote(laptop, &server);
    }

    let (status, body) = http(&server.addr, "POST", "/api/approve", &[JSON], "{}");
    assert_eq!(status, 200, "{body}");
    ralph.wait(DEADLINE).expect_code(0);
    galph.wait(DEADLINE).expect_code(0);
    assert_eq!(env.remote_state()["status"], "complete");
    let actors: Vec<Value> = env
        .remote_journal()
        .iter()
        .map(|t| t["actor"].clone())
        .collect();
    assert_eq!(actors, ["galph", "ralph"]);
    wait_snapshot(&server, "the finished run", |s| {
        s["whose"]["status"] == "complete" && s["awaiting_approval"] == false
    });
}

/// In a headless Chromium: the header's badge names the remote and its freshness, and Approve
/// is enabled.
fn page_shows_the_remote(env: &TestEnv, server: &Server) {
    let chromium = browser::find().expect("chromium is installed (the test asks for it)");
    let url = format!("http://{}/", server.addr);
    let mut page = Browser::open(&chromium, &url, &env.ctl.join("chromium.log"));
    page.wait_for(
        DEADLINE,
        "the remote's badge and an enabled Approve",
        "document.body && document.body.dataset.ready === '1' && \
         document.getElementById('conn').dataset.source === 'remote' && \
         /^remote origin\\/main · checked (just now|\\d+s ago)$/.test(document.getElementById('conn').textContent) && \
         !document.getElementById('approve').disabled && \
         document.getElementById('whose').textContent.includes('awaiting-approval')",
    );
    assert_eq!(
        page.eval("document.getElementById('conn').className"),
        Value::String("remote".into())
    );
}

/// Machine B while its daemon's agent runs shows the local run; once the daemon exited, the
/// remote's view.
#[test]
fn serve_beside_a_daemon_shows_the_local_run_then_the_remote_once_it_exited() {
    let env = RoleEnv::new();
    env.seed.hook("ralph", WAIT_FOR_GO);
    let galph = env.galph_daemon(&["--iterations", "1", "--max-wait", "60s"]);
    let mut ralph = env.ralph_daemon(&["--iterations", "1", "--max-wait", "60s"]);
    env.wait_agent_started(&mut ralph, "ralph");
    let server = Server::start(&env.ralph, &[]);
    let snap = wait_snapshot(&server, "the local run", |s| s["source"]["kind"] == "local");
    assert!(snap["source"]["pid"].is_number(), "{snap}");
    assert_eq!(snap["events"]["turn"]["running"], true, "{snap}");

    env.touch("go");
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    let snap = wait_snapshot(&server, "the remote's view after the daemon exited", |s| {
        s["source"]["kind"] == "remote" && s["source"]["checked_at"].is_string()
    });
    assert_eq!(snap["whose"]["status"], env.remote_state()["status"]);
}

/// Without a role-mode remote the page shows this workspace's files, and says so; the budget
/// card shows the configured limits before the first turn.
#[test]
fn serve_on_a_workspace_at_rest_shows_its_files_and_its_budget_from_the_start() {
    let env = TestEnv::with_config("budget:\n  max_turns: 5\n  max_cost_usd: 2\n");
    let server = Server::start(&env, &[]);
    let snap = snapshot(&server);
    assert_eq!(snap["source"]["kind"], "files");
    assert!(
        snap["source"]["why"]
            .as_str()
            .is_some_and(|w| w.contains("no Baton runs here")),
        "{snap}"
    );
    let budget: Vec<(String, String, String)> = snap["budget"]
        .as_array()
        .expect("budget lines")
        .iter()
        .map(|l| {
            let text = |k: &str| l[k].as_str().unwrap_or_default().to_owned();
            (text("key"), text("spent"), text("limit"))
        })
        .collect();
    assert_eq!(
        budget,
        [
            (
                "budget.max_cost_usd".to_owned(),
                "$0.00".to_owned(),
                "$2.00".to_owned()
            ),
            (
                "budget.max_turns".to_owned(),
                "0".to_owned(),
                "5".to_owned()
            ),
        ],
        "every limit set, before any turn: {snap}"
    );
}

/// A remote whose `git-upload-pack` hangs: the page answers at once (the last fetched view),
/// marks it stale once a check timed out, and the server still stops at once, the hung git
/// children ended.
#[test]
fn serve_on_a_remote_that_hangs_answers_at_once_and_marks_the_view_stale() {
    let env = RoleEnv::new();
    let pids = hang_uploads(&env.seed);
    let mut command = env.seed.baton_cmd(&["serve", "--addr", "127.0.0.1:0"]);
    command.env("BATON_GIT_READ_TIMEOUT", "2s");
    let mut server = Server::spawn(&env.seed, command);
    let snap = snapshot(&server);
    assert_eq!(snap["source"]["kind"], "remote", "{snap}");
    assert_eq!(snap["whose"]["status"], "idle", "as last fetched");
    let snap = wait_snapshot(&server, "a check that timed out", |s| {
        s["source"]["problem"]
            .as_str()
            .is_some_and(|p| p.contains("timed out after 2s"))
    });
    assert!(
        snap["source"]["checked_at"].is_null(),
        "never answered: {snap}"
    );
    let started = Instant::now();
    assert_eq!(server.stop(Signal::SIGTERM), Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a check in flight does not hold the server: {:?}",
        started.elapsed()
    );
    all_gone(&pids);
}
