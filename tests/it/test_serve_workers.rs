//! `baton serve` during a worker step (`workflow.workers`): the snapshot lists each running
//! worker (task, branch, since, its last transcript line) and each ended one with its landing,
//! and the workflow drawn with the running actor marked; `/api/worker/<worker>/<task>/transcript`
//! answers a worker's own transcript, live, never mixed into the main turn's. In a headless
//! Chromium: the workers table, a worker's transcript opened on click and growing, the graph,
//! and at 390 px nothing wider than the screen.

use std::process::Stdio;

use serde_json::{Value, json};

use crate::browser::{self, Browser};
use crate::common::{TestEnv, wait_for};
use crate::serve_env::{Running, Server, http};
use crate::test_serve_page::OVERFLOWING;
use crate::test_watch_workers::paced_workers;

fn get(server: &Server, path: &str) -> (u16, Value) {
    let (status, body) = http(&server.addr, "GET", path, &[], "");
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
    (status, value)
}

/// Polls the snapshot until `cond` holds (30 s at most) and returns it.
fn wait_snapshot(server: &Server, what: &str, cond: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    wait_for(30, what, || {
        last = get(server, "/api/snapshot").1;
        cond(&last)
    });
    last
}

/// The snapshot's workers of `list` (`running` or `ended`) as `(worker, task, field)`.
fn workers(snap: &Value, list: &str, field: &str) -> Vec<(String, String, Value)> {
    snap["events"]["workers"][list]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|w| {
                    let text = |k: &str| w[k].as_str().unwrap_or_default().to_owned();
                    (text("worker"), text("task"), w[field].clone())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A run of two workers on tasks a and b beside a server; both agents started.
fn two_workers() -> (TestEnv, Server, Running) {
    let env = paced_workers(2, &["a", "b"]);
    let server = Server::start(&env, &[]);
    let run = Running(
        env.baton_cmd(&["run", "--iterations", "1"])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn baton run"),
    );
    wait_for(30, "both workers' agents", || {
        env.ctl.join("started-a").exists() && env.ctl.join("started-b").exists()
    });
    (env, server, run)
}

#[test]
fn the_snapshot_lists_the_workers_and_the_graph_and_each_worker_has_its_own_transcript() {
    let (env, server, mut run) = two_workers();
    let snap = wait_snapshot(&server, "both workers with their first line", |s| {
        workers(s, "running", "last_line")
            == [
                (
                    "ralph-1".into(),
                    "a".into(),
                    json!("working on a as ralph-1"),
                ),
                (
                    "ralph-2".into(),
                    "b".into(),
                    json!("working on b as ralph-2"),
                ),
            ]
    });
    let one = &snap["events"]["workers"]["running"][0];
    assert_eq!(one["branch"], "baton/ralph-1/a");
    assert_eq!(one["actor"], "ralph");
    assert_eq!(one["iteration"], 1);
    assert!(
        one["started_at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{one}"
    );
    assert!(one.get("transcript").is_none(), "transcripts are asked for");
    // The main turn is galph's, finished: a worker's agent is not it.
    assert_eq!(snap["events"]["turn"]["actor"], "galph");
    assert_eq!(snap["events"]["turn"]["running"], false);
    let graph = &snap["graph"];
    assert_eq!(
        (&graph["pair"], &graph["running"], &graph["workers"]),
        (&json!(false), &json!(["ralph"]), &json!({"ralph": 2}))
    );
    let text = graph["text"].as_str().expect("the drawing");
    assert!(
        text.starts_with("start: galph\ngalph -> ralph\nralph -> end\n")
            && text.contains("actor ralph: engineer, 2 workers *\n")
            && text.contains("actor galph: supervisor\n"),
        "{text}"
    );

    let (status, body) = get(&server, "/api/worker/ralph-1/a/transcript");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            &body["text"],
            &body["running"],
            &body["landing"],
            &body["from"]
        ),
        (
            &json!("working on a as ralph-1\n"),
            &json!(true),
            &Value::Null,
            &json!(0)
        )
    );
    assert!(
        body["log"]
            .as_str()
            .is_some_and(|l| l.contains("/ralph-1/")),
        "{body}"
    );
    let (status, body) = get(&server, "/api/worker/ralph-9/zz/transcript");
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("ralph-9")),
        "{body}"
    );
    let (_, main) = get(&server, "/api/transcript");
    let main = main["text"].as_str().unwrap_or_default().to_owned();
    assert!(
        main.contains("galph planned") && !main.contains("working on"),
        "the main transcript is galph's own: {main}"
    );

    std::fs::write(env.ctl.join("go-a"), "").expect("go a");
    let snap = wait_snapshot(&server, "ralph-1's landing", |s| {
        workers(s, "ended", "landing") == [("ralph-1".into(), "a".into(), json!("landed"))]
    });
    assert_eq!(
        workers(&snap, "running", "task"),
        [("ralph-2".into(), "b".into(), json!("b"))]
    );
    let merge = snap["events"]["workers"]["ended"][0]["merge"]
        .as_str()
        .expect("a merge commit")
        .to_owned();
    let subject = env.git(&["log", "-1", "--format=%s", &merge]);
    assert!(
        subject.starts_with("[LAND i=1] ralph-1: task a"),
        "{subject}"
    );
    let (_, body) = get(&server, "/api/worker/ralph-1/a/transcript");
    assert_eq!(
        (&body["text"], &body["running"], &body["landing"]),
        (
            &json!("working on a as ralph-1\ndone a\n"),
            &json!(false),
            &json!("landed")
        )
    );

    std::fs::write(env.ctl.join("go-b"), "").expect("go b");
    assert_eq!(run.wait(), Some(0));
    let snap = wait_snapshot(&server, "the run's end", |s| {
        s["events"]["run"]["ended"] == 0
    });
    assert!(workers(&snap, "running", "task").is_empty());
    assert_eq!(
        workers(&snap, "ended", "landing"),
        [
            ("ralph-1".into(), "a".into(), json!("landed")),
            ("ralph-2".into(), "b".into(), json!("landed")),
        ]
    );
    assert_eq!(snap["graph"]["running"], json!([]));
    assert_eq!(snap["graph"]["ready"], json!(["galph"]));
}

#[test]
#[ignore = "needs chromium: cargo test --test it -- --ignored browser_"]
fn browser_shows_the_workers_a_workers_live_transcript_on_click_and_the_graph() {
    let chromium = browser::find().expect("chromium is installed (the test asks for it)");
    let (env, server, mut run) = two_workers();
    let url = format!("http://{}/", server.addr);
    let mut page = Browser::open(&chromium, &url, &env.ctl.join("chromium.log"));
    page.wait_for(
        30,
        "two running workers and the graph",
        "document.body && document.body.dataset.ready === '1' && \
         !document.getElementById('workers-card').hidden && \
         document.querySelectorAll('#workers tr.worker.running').length === 2 && \
         document.querySelector('#workers tr.worker[data-worker=\"ralph-2\"] td.last').textContent === 'working on b as ralph-2' && \
         !document.getElementById('graph-card').hidden",
    );
    let rows = page.eval(
        "[...document.querySelectorAll('#workers tr.worker')].map(r => \
           [r.dataset.worker, r.dataset.task, r.querySelector('td.branch').textContent, \
            r.querySelector('td.landing').textContent])",
    );
    assert_eq!(
        rows,
        json!([
            ["ralph-1", "a", "baton/ralph-1/a", "running"],
            ["ralph-2", "b", "baton/ralph-2/b", "running"]
        ])
    );
    let marked = page
        .eval("[...document.querySelectorAll('#graph .g-line.running')].map(l => l.dataset.actor)");
    assert_eq!(marked, json!(["ralph"]));

    // A click opens ralph-1's transcript; it grows as the worker writes, then it lands.
    page.eval("document.querySelector('#workers tr.worker[data-worker=\"ralph-1\"]').click()");
    page.wait_for(
        30,
        "ralph-1's transcript",
        "(document.querySelector('#workers tr.detail pre.log') || {}).textContent === 'working on a as ralph-1\\n'",
    );
    std::fs::write(env.ctl.join("go-a"), "").expect("go a");
    page.wait_for(
        30,
        "ralph-1's last line and landing, its transcript still open",
        "((document.querySelector('#workers tr.detail pre.log') || {}).textContent || '').endsWith('done a\\n') && \
         (document.querySelector('#workers tr.worker.ended[data-worker=\"ralph-1\"] td.landing .badge.ok') || {}).textContent === 'landed'",
    );

    shot(&mut page, "workers.png");

    // A phone: one running and one ended worker, nothing wider than the screen.
    page.set_viewport(390, 844);
    let overflowing = page.eval(OVERFLOWING);
    assert_eq!(overflowing, json!([]), "elements wider than 390 px");
    shot(&mut page, "workers-390.png");

    std::fs::write(env.ctl.join("go-b"), "").expect("go b");
    assert_eq!(run.wait(), Some(0));
    page.wait_for(
        30,
        "both landed, nothing running",
        "document.querySelectorAll('#workers tr.worker.ended').length === 2 && \
         document.querySelectorAll('#workers tr.worker.running').length === 0 && \
         document.getElementById('workers-count').textContent === '0 running, 2 ended'",
    );
}

/// Saves a screenshot of the page as `name` in `$BATON_TEST_SHOTS`, when set.
fn shot(page: &mut Browser, name: &str) {
    if let Some(dir) = std::env::var_os("BATON_TEST_SHOTS") {
        let png = page.screenshot();
        std::fs::write(std::path::Path::new(&dir).join(name), png).expect("save the screenshot");
    }
}
