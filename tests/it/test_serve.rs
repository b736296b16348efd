//! `baton serve`: the dashboard's access rules (loopback by default, a token for anything else,
//! no cross-site writes), its snapshot, a clean stop on SIGINT/SIGTERM with a browser's event
//! stream open, and — in a real headless Chromium — a page that shows a new turn without a
//! reload and whose Approve button releases a run waiting for approval.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::browser::{self, Browser};
use crate::common::{TestEnv, wait_for};
use crate::serve_env::{JSON, Running, Server, http};

/// What a write could change: the state file and HEAD.
fn written(env: &TestEnv) -> (String, String) {
    (env.read("sync/state.json"), env.git(&["rev-parse", "HEAD"]))
}

#[test]
fn serve_refuses_a_non_loopback_address_without_a_token() {
    let env = TestEnv::new();
    let run = env.baton(&["serve", "--addr", "0.0.0.0:0"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("needs a token") && run.stderr.contains("BATON_SERVE_TOKEN"),
        "{}",
        run.stderr
    );
    let mut child = env
        .baton_cmd(&["serve", "--addr", "0.0.0.0:0"])
        .env("BATON_SERVE_TOKEN", "s3cret")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    assert!(line.contains("dashboard on http://0.0.0.0:"), "{line}");
    let mut server = Server {
        child,
        addr: String::new(),
    };
    assert_eq!(server.stop(Signal::SIGTERM), Some(0));
}

#[test]
fn with_a_token_every_request_needs_it_and_a_write_without_it_changes_nothing() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let server = Server::start(&env, &["--token", "s3cret"]);
    let addr = server.addr.as_str();
    let before = written(&env);

    assert_eq!(http(addr, "GET", "/api/snapshot", &[], "").0, 401);
    assert_eq!(http(addr, "GET", "/", &[], "").0, 401);
    assert_eq!(http(addr, "GET", "/?token=wrong", &[], "").0, 401);
    let bearer = ("Authorization", "Bearer s3cret");
    let (status, body) = http(addr, "GET", "/api/snapshot", &[bearer], "");
    assert_eq!(status, 200, "{body}");
    let (status, page) = http(addr, "GET", "/?token=s3cret", &[], "");
    assert_eq!(status, 200);
    assert!(page.contains("id=\"approve\""), "the page");
    let (status, script) = http(addr, "GET", "/app.js", &[], "");
    assert_eq!(
        status, 200,
        "the page's script holds no data: no token needed"
    );
    assert!(script.contains("EventSource"));

    let note = r#"{"text": "sneaky"}"#;
    assert_eq!(http(addr, "POST", "/api/note", &[JSON], note).0, 401);
    let wrong = ("Authorization", "Bearer s3cre");
    assert_eq!(http(addr, "POST", "/api/note", &[JSON, wrong], note).0, 401);
    assert_eq!(
        http(addr, "POST", "/api/note?token=s3cret", &[JSON], note).0,
        401,
        "a write needs the header, not the URL"
    );
    assert_eq!(http(addr, "POST", "/api/approve", &[JSON], "{}").0, 401);
    assert_eq!(written(&env), before, "nothing written");
    assert!(env.state().get("pending_notes").is_none());

    let (status, body) = http(addr, "POST", "/api/note", &[JSON, bearer], note);
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("json answer");
    assert_eq!(answer["code"], 0);
    assert_eq!(env.state()["pending_notes"][0]["text"], "sneaky");
}

#[test]
fn a_cross_site_post_is_refused_even_on_loopback() {
    let env = TestEnv::new();
    let server = Server::start(&env, &[]);
    let addr = server.addr.as_str();
    let before = written(&env);
    let note = r#"{"text": "from elsewhere"}"#;
    let origin = ("Origin", "http://evil.example");
    assert_eq!(
        http(addr, "POST", "/api/note", &[JSON, origin], note).0,
        403
    );
    let site = ("Sec-Fetch-Site", "cross-site");
    assert_eq!(http(addr, "POST", "/api/note", &[JSON, site], note).0, 403);
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    assert_eq!(
        http(addr, "POST", "/api/note", &[form], "text=from+elsewhere").0,
        415
    );
    let rebound = ("Host", "evil.example:7878");
    assert_eq!(http(addr, "GET", "/api/snapshot", &[rebound], "").0, 403);
    assert_eq!(
        http(addr, "POST", "/api/note", &[JSON, rebound], note).0,
        403
    );
    assert_eq!(written(&env), before, "nothing written");

    let own = format!("http://{addr}");
    let same = [
        JSON,
        ("Origin", own.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
    ];
    let (status, body) = http(addr, "POST", "/api/note", &same, r#"{"text": "mine"}"#);
    assert_eq!(
        status, 200,
        "the dashboard's own write goes through: {body}"
    );
    assert_eq!(env.state()["pending_notes"][0]["text"], "mine");
    let (status, body) = http(addr, "POST", "/api/approve", &same, "{}");
    assert_eq!(status, 409, "nothing awaits approval: {body}");
    let answer: Value = serde_json::from_str(&body).expect("json answer");
    assert_ne!(answer["code"], 0);
}

#[test]
fn the_snapshot_shows_the_turns_of_a_run() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let server = Server::start(&env, &[]);
    let (status, body) = http(&server.addr, "GET", "/api/snapshot", &[], "");
    assert_eq!(status, 200);
    let snapshot: Value = serde_json::from_str(&body).expect("snapshot json");
    let turns: Vec<(String, String, String)> = snapshot["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .map(|t| {
            (
                t["actor"].as_str().unwrap_or_default().to_owned(),
                t["prompt"].as_str().unwrap_or_default().to_owned(),
                t["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let turn = |a: &str, p: &str| (a.to_owned(), p.to_owned(), "ok".to_owned());
    assert_eq!(
        turns,
        vec![turn("galph", "supervisor.md"), turn("ralph", "main.md")]
    );
    assert_eq!(
        snapshot["turns"][1]["head_after"],
        env.git(&["rev-parse", "HEAD~1"]).trim()
    );
    assert_eq!(snapshot["totals"]["by_actor"]["ralph"]["turns"], 1);
    assert_eq!(snapshot["totals"]["total"]["turns"], 2);
    assert_eq!(snapshot["whose"]["actor"], "galph");
    assert_eq!(snapshot["events"]["run"]["ended"], 0);
    assert_eq!(snapshot["events"]["turn"]["actor"], "ralph");
    assert_eq!(snapshot["events"]["turn"]["running"], false);
}

/// Opens the event stream and reads until the first snapshot arrived.
fn open_stream(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let request = format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("event: snapshot") {
        let n = stream.read(&mut buf).expect("read the stream");
        assert!(n > 0, "stream closed early");
        seen.extend_from_slice(&buf[..n]);
    }
    stream
}

#[test]
fn serve_stops_cleanly_on_sigint_and_sigterm_with_a_stream_open() {
    let env = TestEnv::new();
    for signal in [Signal::SIGTERM, Signal::SIGINT] {
        let mut server = Server::start(&env, &[]);
        let mut stream = open_stream(&server.addr);
        assert_eq!(server.stop(signal), Some(0), "{signal}");
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(
            TcpStream::connect(&server.addr).is_err(),
            "nothing listens any more"
        );
    }
}

/// A hook that writes a line to the transcript, says it started, and waits for `go-<actor>`.
fn paced(actor: &str) -> String {
    format!(
        "echo \"{actor} is at work on its turn\"\ntouch \"$TEST_CTL/{actor}-started\"\nwhile [ ! -f \"$TEST_CTL/go-{actor}\" ]; do sleep 0.05; done\n"
    )
}

const ROWS: &str = "document.querySelectorAll('#turns tr.turn')";

// Ignored unless asked for, so that a machine without Chromium reports it `ignored` rather than
// passed: `cargo test --test it -- --ignored browser_` runs it (.ci/run does), and there a
// missing Chromium fails it.
#[test]
#[ignore = "needs chromium: cargo test --test it -- --ignored browser_"]
fn browser_shows_a_new_turn_without_a_reload_and_approve_releases_the_run() {
    let chromium = browser::find()
        .expect("chromium is not installed (apt-get install chromium; .ci/run does)");
    let env = TestEnv::with_config("approval:\n  before: [ralph]\n");
    env.hook("galph", &paced("galph"));
    env.hook("ralph", &paced("ralph"));
    let server = Server::start(&env, &[]);
    let url = format!("http://{}/", server.addr);
    let mut page = Browser::open(&chromium, &url, &env.ctl.join("chromium.log"));
    page.wait_for(
        30,
        "its first snapshot",
        &format!(
            "document.body && document.body.dataset.ready === '1' && {ROWS}.length === 0 && \
             document.getElementById('conn').textContent === 'workspace files · no Baton runs here'"
        ),
    );
    page.eval("window.sameDocument = true");

    let mut run = Running(
        env.baton_cmd(&["run", "--iterations", "1"])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn baton run"),
    );
    wait_for(30, "galph's agent", || {
        env.ctl.join("galph-started").exists()
    });
    page.wait_for(
        30,
        "galph running, its transcript live",
        "document.getElementById('whose').textContent.includes('running-galph') && \
         document.getElementById('transcript').textContent.includes('galph is at work') && \
         /^local run · pid \\d+ · live$/.test(document.getElementById('conn').textContent)",
    );
    std::fs::write(env.ctl.join("go-galph"), "").expect("go galph");
    page.wait_for(
        30,
        "galph's turn in the timeline",
        &format!("{ROWS}.length === 1 && {ROWS}[0].dataset.actor === 'galph'"),
    );

    page.wait_for(
        30,
        "the approval request",
        "!document.getElementById('approve').disabled && \
         document.getElementById('approval').classList.contains('on')",
    );
    assert_eq!(env.state()["status"], "awaiting-approval");
    assert!(!env.ctl.join("ralph-started").exists(), "ralph waits");
    page.eval("document.getElementById('approve').click()");
    wait_for(30, "ralph's agent after the approval", || {
        env.ctl.join("ralph-started").exists()
    });
    page.wait_for(
        30,
        "the command's answer",
        "document.getElementById('result').textContent.includes('exit 0')",
    );
    std::fs::write(env.ctl.join("go-ralph"), "").expect("go ralph");
    page.wait_for(
        30,
        "ralph's turn in the timeline",
        &format!("{ROWS}.length === 2 && {ROWS}[0].dataset.actor === 'ralph'"),
    );
    assert_eq!(
        page.eval("window.sameDocument === true"),
        Value::Bool(true),
        "no reload"
    );
    assert_eq!(run.wait(), Some(0));
    let journal = env.journal();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[1]["actor"], "ralph");
    assert!(env.state().get("approval").is_none());
}

#[test]
fn reject_from_the_dashboard_sends_the_turn_back_to_galph_with_the_note() {
    let env = TestEnv::with_config("approval:\n  before: [ralph]\n");
    env.hook(
        "galph",
        "if [ -f \"$TEST_CTL/galph-once\" ]; then printf %s \"$BATON_NOTE\" > \"$TEST_CTL/galph-note\"; else touch \"$TEST_CTL/galph-once\"; fi\n",
    );
    let server = Server::start(&env, &[]);
    let addr = server.addr.as_str();
    let mut run = Running(
        env.baton_cmd(&["run", "--iterations", "1"])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn baton run"),
    );
    let awaiting = || env.read("sync/state.json").contains("awaiting-approval");
    wait_for(30, "the approval checkpoint", awaiting);
    let (status, _) = http(addr, "POST", "/api/reject", &[JSON], r#"{"note": " "}"#);
    assert_eq!(status, 400, "a rejection needs a note");
    let note = r#"{"note": "split the parser change first"}"#;
    let (status, body) = http(addr, "POST", "/api/reject", &[JSON], note);
    assert_eq!(status, 200, "{body}");
    // The hook's `>` makes the file before printf fills it: wait for the whole note.
    wait_for(30, "galph's turn with the note", || {
        std::fs::read_to_string(env.ctl.join("galph-note"))
            .is_ok_and(|note| note.ends_with("first"))
    });
    let got = std::fs::read_to_string(env.ctl.join("galph-note")).expect("note");
    assert!(
        got.contains("rejected") && got.ends_with(": split the parser change first"),
        "{got}"
    );
    wait_for(30, "the checkpoint again", awaiting);
    let (status, body) = http(addr, "POST", "/api/approve", &[JSON], "{}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(run.wait(), Some(0));
    let actors: Vec<_> = env.journal().iter().map(|t| t["actor"].clone()).collect();
    assert_eq!(actors, ["galph", "galph", "ralph"]);
}
