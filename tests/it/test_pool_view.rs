//! The pool as `baton status`, `baton watch` and `baton serve` list it (`docs/pool.md`): each
//! `baton work` process holding claims on the remote — its host, pid, workers and slots — with
//! each claim's task and lease, and the claim refs that hold no claim, read by one reader, from
//! any clone. A garbage claim ref shows as holding no claim and never breaks a view.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::browser::{self, Browser};
use crate::common::{TestEnv, wait_for};
use crate::role_env::{DEADLINE, Daemon, RoleEnv};
use crate::serve_env::{Server, http};
use crate::test_serve_page::OVERFLOWING;

/// A remote whose shared branch holds the tasks `ids`.
fn pool(ids: &[&str]) -> RoleEnv {
    let env = RoleEnv::new();
    for id in ids {
        env.seed
            .write(&format!("tasks/{id}.md"), &format!("write out/{id}.txt\n"));
    }
    env.seed.commit_all("tasks");
    env.seed.git(&["push", "-q", "origin", "main"]);
    env
}

/// This machine's name, as a worker's claims write it.
fn hostname() -> String {
    nix::unistd::gethostname()
        .expect("hostname")
        .to_string_lossy()
        .trim()
        .to_owned()
}

/// `baton status --json` in `clone`, parsed.
fn status_json(clone: &TestEnv) -> Value {
    let run = clone.baton(&["status", "--json"]);
    run.expect_code(0);
    serde_json::from_str(&run.stdout).expect("status json")
}

/// The server's snapshot, once `cond` holds.
fn snapshot_when(server: &Server, what: &str, cond: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    wait_for(DEADLINE, what, || {
        let (status, body) = http(&server.addr, "GET", "/api/snapshot", &[], "");
        assert_eq!(status, 200, "{body}");
        last = serde_json::from_str(&body).expect("snapshot json");
        cond(&last)
    });
    last
}

/// The lines of `text` that start with `pool:`.
fn pool_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("pool:")).collect()
}

#[test]
fn a_running_pool_is_listed_by_status_watch_and_serve_from_any_clone() {
    let env = pool(&["a", "b"]);
    // Each agent says it started, then waits for `go`: the worker holds both claims meanwhile.
    env.seed.hook(
        "ralph",
        r#"touch "$TEST_CTL/started-$BATON_TASK"
while [ ! -f "$TEST_CTL/go" ]; do sleep 0.05; done
mkdir -p out && echo "$BATON_TASK" > "out/$BATON_TASK.txt"
"#,
    );
    let machine = env.another_clone("m1");
    let mut work = Daemon::spawn(
        machine.baton_cmd(&["work", "--slots", "2", "--poll-interval", "0.2s"]),
        &env.seed.ctl,
    );
    work.wait_until(DEADLINE, "both agents running", || {
        env.ctl_has("started-a") && env.ctl_has("started-b")
    });
    let (host, pid) = (hostname(), u32::try_from(work.pid()).expect("pid"));
    let laptop = env.another_clone("laptop");

    // status --json: one worker process, its two workers and slots, both claims live.
    let status = status_json(&laptop);
    let pool = &status["pool"];
    assert_eq!(pool["remote"], "origin");
    assert!(pool["checked_at"].is_string(), "fetched: {pool}");
    assert_eq!(pool["no_claim"], json!([]));
    let workers = pool["workers"].as_array().expect("workers");
    assert_eq!(workers.len(), 1, "{pool}");
    let worker = &workers[0];
    assert_eq!(worker["host"], host.as_str());
    assert_eq!(worker["pid"], pid, "the `baton work` process");
    assert!(worker["start"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(worker["names"], json!(["ralph-1", "ralph-2"]));
    assert_eq!(worker["slots"], 2, "Baton-Slots of its claims");
    let claims = worker["claims"].as_array().expect("claims");
    let tasks: Vec<&str> = claims.iter().filter_map(|c| c["task"].as_str()).collect();
    assert_eq!(tasks, ["a", "b"]);
    for claim in claims {
        assert_eq!(
            (&claim["expired"], &claim["over"]),
            (&json!(false), &json!(false))
        );
        let until = humantime::parse_rfc3339(claim["lease_until"].as_str().expect("lease"))
            .expect("a UTC time");
        assert!(until > SystemTime::now(), "{claim}");
    }

    // status: the same, for people.
    let text = laptop.baton(&["status"]);
    text.expect_code(0);
    let header = format!("  {host} pid {pid} (ralph-1, ralph-2): 2 slots, 2 claim(s)");
    assert!(
        text.stdout.contains(&format!(
            "pool: 2 claim(s) on origin by 1 worker(s)\n{header}\n"
        )),
        "{}",
        text.stdout
    );
    for task in ["a", "b"] {
        let claim = text
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("    task {task} by ralph-")))
            .unwrap_or_else(|| panic!("task {task}'s claim: {}", text.stdout));
        assert!(claim.contains(", lease until 20"), "{claim}");
    }

    // watch --once, from the laptop (the remote's view): one `pool:` line per worker and claim.
    let watched = laptop.baton(&["watch", "--once"]);
    watched.expect_code(0);
    let lines = pool_lines(&watched.stdout);
    assert_eq!(lines.len(), 4, "{}", watched.stdout);
    assert_eq!(lines[0], "pool: 2 claim(s) on origin by 1 worker(s)");
    assert_eq!(lines[1], format!("pool: {header}"));
    // And in the worker's own clone, where `baton work` holds the runner lock: the claims as it
    // fetched them, no fetch of the watch's own beside it.
    let beside = machine.baton(&["watch", "--once"]);
    beside.expect_code(0);
    let lines = pool_lines(&beside.stdout);
    assert_eq!(
        lines.first().copied(),
        Some("pool: 2 claim(s) on origin by 1 worker(s) (as last fetched)"),
        "{}",
        beside.stdout
    );
    let status = status_json(&machine);
    assert!(
        status["pool"]["checked_at"].is_null(),
        "status did not fetch either: {status}"
    );
    assert_eq!(status["pool"]["workers"], pool["workers"]);

    // serve: the snapshot carries the same pool.
    let server = Server::start(&laptop, &[]);
    let snap = snapshot_when(&server, "the pool in the snapshot", |s| {
        s["pool"]["workers"][0]["claims"]
            .as_array()
            .is_some_and(|c| c.len() == 2)
    });
    let served = &snap["pool"]["workers"][0];
    assert_eq!(
        (&served["host"], &served["pid"], &served["slots"]),
        (&json!(host), &json!(pid), &json!(2))
    );
    assert_eq!(served["claims"], worker["claims"], "one reader: {snap}");

    // The tasks land; their claims are gone from every view.
    env.touch("go");
    work.wait(DEADLINE).expect_code(0);
    let status = status_json(&laptop);
    assert_eq!(status["pool"]["workers"], json!([]), "{status}");
    let text = laptop.baton(&["status"]);
    assert_eq!(
        pool_lines(&text.stdout),
        Vec::<&str>::new(),
        "{}",
        text.stdout
    );
    snapshot_when(&server, "no claim left in the snapshot", |s| {
        s["pool"]["workers"] == json!([])
    });
}

/// `git commit-tree` of the empty tree with `message` in `clone`, pushed to the claim ref of
/// `task` on its remote.
fn push_claim(clone: &TestEnv, task: &str, message: &str) {
    let tree = clone.git(&["hash-object", "-t", "tree", "-w", "/dev/null"]);
    let sha = clone.git(&["commit-tree", tree.trim(), "-m", message]);
    clone.git(&[
        "push",
        "-q",
        "origin",
        &format!("{}:refs/baton/claims/{task}", sha.trim()),
    ]);
}

/// A claim commit's message, exactly as `docs/pool.md` ("Claim commits") writes one.
fn claim_message(task: &str, host: &str, pid: u32, worker: &str, until: &str) -> String {
    format!(
        "[CLAIM] {task} by {worker}@{host}\n\nBaton-Task: {task}\nBaton-Holder: {host}:{pid}:boot/{pid}\n\
         Baton-Worker: {worker}\nBaton-Lease: {until}\nBaton-Claim: 0123456789abcdef\n"
    )
}

/// A remote whose claim refs were written by hand: a claim of an older Baton (no slots) whose
/// lease is live, one whose lease ran out long ago, a plain commit, a claim-shaped message with
/// a terminal escape in its subject, and a ref that names no task.
fn planted() -> RoleEnv {
    let env = RoleEnv::new();
    let seed = &env.seed;
    // Within two leases (`git.lease` is 10 minutes): a live claim, not one too far ahead.
    let later =
        humantime::format_rfc3339_seconds(SystemTime::now() + Duration::from_secs(300)).to_string();
    push_claim(
        seed,
        "old",
        &claim_message("old", "old-box", 7, "ralph-1", &later),
    );
    push_claim(
        seed,
        "gone",
        &format!(
            "{}Baton-Slots: 3\n",
            claim_message("gone", "gone-box", 99, "ralph-3", "2020-01-01T00:00:00Z")
        ),
    );
    seed.git(&["push", "-q", "origin", "HEAD:refs/baton/claims/junk"]);
    push_claim(
        seed,
        "evil",
        &claim_message("evil", "h", 1, "w", &later)
            .replace("[CLAIM] evil by w@h", "\x1b[2J\x1b[31mowned"),
    );
    push_claim(seed, "x/y", &claim_message("y", "h", 1, "w", &later));
    env
}

#[test]
fn claim_refs_written_by_hand_show_and_garbage_holds_no_claim_in_every_view() {
    let env = planted();
    let laptop = env.another_clone("laptop");
    let status = status_json(&laptop);
    let pool = &status["pool"];
    let workers: Vec<Value> = pool["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|w| {
            let claims: Vec<Value> = w["claims"]
                .as_array()
                .expect("claims")
                .iter()
                .map(|c| json!([c["task"], c["worker"], c["expired"], c["over"]]))
                .collect();
            json!([w["host"], w["pid"], w["names"], w["slots"], claims])
        })
        .collect();
    assert_eq!(
        workers,
        [
            json!([
                "gone-box",
                99,
                ["ralph-3"],
                3,
                [["gone", "ralph-3", true, true]]
            ]),
            json!([
                "old-box",
                7,
                ["ralph-1"],
                null,
                [["old", "ralph-1", false, false]]
            ]),
        ],
        "an older claim has no slots; the ref that names no task is left out: {pool}"
    );
    let none: Vec<&str> = pool["no_claim"]
        .as_array()
        .expect("no_claim")
        .iter()
        .filter_map(|n| n["task"].as_str())
        .collect();
    assert_eq!(none, ["evil", "junk"]);

    let text = laptop.baton(&["status"]);
    text.expect_code(0);
    assert_eq!(
        pool_lines(&text.stdout),
        ["pool: 4 claim(s) on origin by 2 worker(s)"],
        "{}",
        text.stdout
    );
    for line in [
        "  gone-box pid 99 (ralph-3): 3 slots, 1 claim(s)",
        "    task gone by ralph-3, lease ran out at 2020-01-01T00:00:00Z",
        "  old-box pid 7 (ralph-1): slots unknown, 1 claim(s)",
        "  task junk: its claim ref holds no claim (counts as over): not a claim commit: no \
         blank line before the trailers",
    ] {
        assert!(
            text.stdout.contains(&format!("{line}\n")),
            "{line}\n{}",
            text.stdout
        );
    }
    assert!(
        text.stdout
            .contains("  task evil: its claim ref holds no claim (counts as over): "),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains('\x1b'),
        "no escape reaches the terminal"
    );

    let watched = laptop.baton(&["watch", "--once"]);
    watched.expect_code(0);
    let lines = pool_lines(&watched.stdout);
    assert_eq!(lines.len(), 7, "{}", watched.stdout);
    assert!(
        lines.contains(
            &"pool:   task junk: its claim ref holds no claim (counts as over): not a claim \
              commit: no blank line before the trailers"
        ),
        "{}",
        watched.stdout
    );
    assert!(!watched.stdout.contains('\x1b'));
    // This workspace's own files (no Baton runs here: the claims are fetched).
    let local = laptop.baton(&["watch", "--once", "--source", "local"]);
    local.expect_code(0);
    assert_eq!(pool_lines(&local.stdout), lines, "{}", local.stdout);

    let server = Server::start(&laptop, &[]);
    let snap = snapshot_when(&server, "the pool in the snapshot", |s| {
        s["pool"]["no_claim"]
            .as_array()
            .is_some_and(|n| n.len() == 2)
    });
    assert_eq!(snap["pool"]["workers"], pool["workers"], "one reader");
    assert_eq!(snap["pool"]["no_claim"], pool["no_claim"]);
}

/// The same in headless Chromium: the pool's card lists each worker process with its claims
/// and leases, and the refs that hold no claim; on a phone nothing is wider than the screen.
#[test]
#[ignore = "needs chromium: cargo test --test it -- --ignored browser_"]
fn browser_shows_the_pools_workers_claims_and_leases() {
    let chromium = browser::find().expect("chromium is installed (the test asks for it)");
    let env = planted();
    let laptop = env.another_clone("laptop");
    let server = Server::start(&laptop, &[]);
    let url = format!("http://{}/", server.addr);
    let mut page = Browser::open(&chromium, &url, &env.seed.ctl.join("chromium.log"));
    page.wait_for(
        DEADLINE,
        "the pool's card",
        "document.body && document.body.dataset.ready === '1' && \
         !document.getElementById('pool-card').hidden && \
         document.querySelectorAll('#pool tr.pool-worker').length === 2",
    );
    let rows = page.eval(
        "[...document.querySelectorAll('#pool tr.pool-worker')].map(r => \
           [r.dataset.host, r.dataset.pid, r.querySelector('td.slots').textContent, \
            [...r.querySelectorAll('.claim')].map(c => [c.dataset.task, c.dataset.state, \
              c.querySelector('.lease').textContent.startsWith(c.dataset.state === 'expired' ? 'ran out at ' : 'until ')])])",
    );
    assert_eq!(
        rows,
        json!([
            ["gone-box", "99", "3", [["gone", "expired", true]]],
            ["old-box", "7", "?", [["old", "live", true]]],
        ])
    );
    let none = page.eval(
        "[...document.querySelectorAll('#pool tr.pool-none')].map(r => \
           [r.dataset.task, r.querySelector('.badge').textContent])",
    );
    assert_eq!(none, json!([["evil", "no claim"], ["junk", "no claim"]]));
    assert_eq!(
        page.eval("document.getElementById('pool-count').textContent"),
        json!("4 claims on origin by 2 workers")
    );
    shot(&mut page, "pool.png");
    page.set_viewport(390, 844);
    assert_eq!(
        page.eval(OVERFLOWING),
        json!([]),
        "elements wider than 390 px"
    );
    shot(&mut page, "pool-390.png");
}

/// Saves a screenshot of the page as `name` in `$BATON_TEST_SHOTS`, when set.
fn shot(page: &mut Browser, name: &str) {
    if let Some(dir) = std::env::var_os("BATON_TEST_SHOTS") {
        let png = page.screenshot();
        std::fs::write(std::path::Path::new(&dir).join(name), png).expect("save the screenshot");
    }
}
