//! What `baton serve` and `baton watch` take from files an agent can write, and what `serve`
//! takes from the network: transcripts only beneath `logs_dir` (a forged `agent_started` or a
//! planted symlink shows nothing else), an over-long event line skipped with bounded memory
//! and CPU, half-sent requests that cannot lock the token holder out, a note too long refused
//! without being echoed, and the `Authorization` scheme in any case.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use serde_json::{Value, json};

use crate::common::{TestEnv, wait_for};
use crate::role_env::{DEADLINE, Daemon};
use crate::serve_env::{JSON, Server, http};

const SECRET: &str = "TOP SECRET: not Baton's to show";

/// Appends `lines` (JSON values) to the workspace's event log.
fn log_events(env: &TestEnv, lines: &[Value]) {
    let path = env.path("logs/events.jsonl");
    std::fs::create_dir_all(path.parent().expect("logs")).expect("mkdir logs");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open the event log");
    for line in lines {
        writeln!(file, "{line}").expect("append an event");
    }
}

/// A `run_started` of a live process (this test), so that its turns count as running.
fn run_started() -> Value {
    json!({"v": 1, "kind": "run_started", "pid": std::process::id(), "mode": "combined",
           "host": "h", "ts": "2026-11-21T10:00:00Z"})
}

/// An `agent_started` naming `log` as ralph's transcript in `iteration`.
fn agent_started(iteration: u64, log: &str) -> Value {
    json!({"v": 1, "kind": "agent_started", "actor": "ralph", "iteration": iteration,
           "agent": "stub", "log": log, "ts": "2026-11-21T10:00:01Z"})
}

fn get_json(server: &Server, path: &str) -> Value {
    let (status, body) = http(&server.addr, "GET", path, &[], "");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// Waits until the snapshot names `log` as the newest turn's transcript; the transcript of
/// that poll has been read by then.
fn wait_turn(server: &Server, log: &str) {
    wait_for(DEADLINE, "the forged turn in the snapshot", || {
        get_json(server, "/api/snapshot")["events"]["turn"]["log"] == log
    });
}

#[test]
fn serve_reads_transcripts_only_beneath_logs_dir() {
    let env = TestEnv::new();
    let secret = env.ctl.join("secret.txt");
    std::fs::write(&secret, format!("{SECRET}\n")).expect("write the secret");
    let logs = env.path("logs/main/ralph");
    std::fs::create_dir_all(&logs).expect("mkdir");
    std::fs::write(logs.join("iter-00001.log"), "ralph's own line\n").expect("write");
    std::os::unix::fs::symlink(&secret, logs.join("iter-00002.log")).expect("symlink");
    let own = logs.join("iter-00001.log").display().to_string();
    let linked = logs.join("iter-00002.log").display().to_string();
    let outside = secret.display().to_string();
    log_events(&env, &[run_started(), agent_started(1, &own)]);
    let server = Server::start(&env, &[]);
    wait_for(DEADLINE, "ralph's own transcript", || {
        let t = get_json(&server, "/api/transcript");
        t["text"]
            .as_str()
            .is_some_and(|t| t.contains("ralph's own line"))
    });

    for (iteration, log) in [(2, &linked), (3, &outside)] {
        log_events(&env, &[agent_started(iteration, log)]);
        wait_turn(&server, log);
        let t = get_json(&server, "/api/transcript");
        assert!(
            !t.to_string().contains("TOP SECRET"),
            "{log} is not served: {t}"
        );
    }
    let stderr = std::fs::read_to_string(Server::stderr_path(&env)).unwrap_or_default();
    assert!(
        stderr.contains(&format!(
            "the event log names the transcript `{outside}`, outside"
        )),
        "{stderr}"
    );
}

/// An event log replaced by a symlink (an agent's) is not read through it: the page shows no
/// run from it, and says why once.
#[test]
fn serve_does_not_read_an_event_log_through_a_symlink() {
    let env = TestEnv::new();
    let outside = env.ctl.join("planted.jsonl");
    std::fs::write(&outside, format!("{}\n", run_started())).expect("write");
    std::fs::create_dir_all(env.path("logs")).expect("mkdir logs");
    std::os::unix::fs::symlink(&outside, env.path("logs/events.jsonl")).expect("symlink");
    let server = Server::start(&env, &[]);
    let stderr = Server::stderr_path(&env);
    wait_for(DEADLINE, "the warning", || {
        std::fs::read_to_string(&stderr).is_ok_and(|t| t.contains("events.jsonl"))
    });
    assert_eq!(
        get_json(&server, "/api/snapshot")["events"]["run"],
        Value::Null
    );
    let text = std::fs::read_to_string(&stderr).unwrap_or_default();
    assert!(text.contains("symbolic link"), "{text}");
    assert_eq!(
        text.matches("baton: warning:").count(),
        1,
        "said once: {text}"
    );
}

#[test]
fn watch_reads_transcripts_only_beneath_logs_dir() {
    let env = TestEnv::new();
    let secret = env.ctl.join("secret.txt");
    std::fs::write(&secret, format!("{SECRET}\n")).expect("write the secret");
    let logs = env.path("logs/main/ralph");
    std::fs::create_dir_all(&logs).expect("mkdir");
    std::os::unix::fs::symlink(&secret, logs.join("iter-00001.log")).expect("symlink");
    let linked = logs.join("iter-00001.log").display().to_string();
    log_events(&env, &[run_started(), agent_started(1, &linked)]);
    let mut watch = Daemon::spawn(env.baton_cmd(&["watch", "--plain"]), &env.ctl);
    let out = watch.stdout_path();
    let seen = |prefix: &str| {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        text.lines().any(|l| l.starts_with(prefix))
    };
    watch.wait_until(DEADLINE, "the symlinked turn", || seen("started: i=1"));
    let outside = secret.display().to_string();
    log_events(&env, &[agent_started(2, &outside)]);
    watch.wait_until(DEADLINE, "the outside turn refused", || {
        seen("problem: the event log names the transcript")
    });
    log_events(
        &env,
        &[json!({"v": 1, "kind": "run_ended", "code": 0, "ts": "2026-11-21T10:00:09Z"})],
    );
    watch.wait_until(DEADLINE, "the end of the run", || seen("ended: "));
    let out = watch.sigterm(DEADLINE);
    out.expect_code(0);
    assert!(!out.stdout.contains("TOP SECRET"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "the event log names the transcript `{outside}`, outside"
        )),
        "{}",
        out.stdout
    );
}

/// Peak resident memory (`VmHWM`) and CPU seconds (user + system) of process `pid`.
fn usage(pid: i32) -> (u64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map_or("", |x| x.1)
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    (hwm_kib * 1024, ticks as f64 / 100.0)
}

#[test]
fn serve_skips_an_over_long_event_line_with_bounded_memory_and_cpu() {
    const LONG: usize = 64 << 20;
    let env = TestEnv::new();
    log_events(&env, &[run_started()]);
    let path = env.path("logs/events.jsonl");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open the event log");
    // An agent writes a line that never ends (yet): 64 MiB without a newline.
    let head = br#"{"kind": "notice", "text": ""#;
    file.write_all(head).expect("write");
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..LONG >> 20 {
        file.write_all(&chunk).expect("write");
    }
    let server = Server::start(&env, &[]);
    wait_for(DEADLINE, "the run in the snapshot", || {
        get_json(&server, "/api/snapshot")["events"]["run"]["pid"] == std::process::id()
    });
    let (_, before) = usage(server.pid());
    // Measured over a few polls (one every 300 ms): a partial line is not read again.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        assert_eq!(
            get_json(&server, "/api/snapshot")["events"]["stopped"],
            Value::Null
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (hwm, after) = usage(server.pid());
    assert!(
        after - before < 0.5,
        "{:.2} s of CPU in 3 s: the growing line is read again and again",
        after - before
    );

    file.write_all(b"\"}\n").expect("end the line");
    writeln!(
        file,
        "{}",
        json!({"v": 1, "kind": "stopped", "why": "flag", "reason": "after the long line"})
    )
    .expect("write");
    wait_for(DEADLINE, "the event after the long line", || {
        get_json(&server, "/api/snapshot")["events"]["stopped"]["reason"] == "after the long line"
    });
    let (hwm_end, _) = usage(server.pid());
    assert!(
        hwm.max(hwm_end) < (LONG as u64) / 2,
        "peak RSS {} MiB for a {} MiB line: not bounded",
        hwm.max(hwm_end) >> 20,
        LONG >> 20
    );
    let stderr = std::fs::read_to_string(Server::stderr_path(&env)).unwrap_or_default();
    assert!(
        stderr.contains(&format!(
            "skipped a line of {} bytes",
            head.len() + LONG + 2
        )),
        "{stderr}"
    );
}

#[test]
fn half_sent_requests_cannot_lock_the_token_holder_out() {
    let env = TestEnv::new();
    // A file limit as a small machine or a container has: 300 open connections exceed it.
    let mut command = env.command("sh");
    command.args([
        "-c",
        "ulimit -n 128 && exec \"$0\" serve --addr 127.0.0.1:0 --token s3cret",
        env!("CARGO_BIN_EXE_baton"),
    ]);
    let mut server = Server::spawn(&env, command);
    let addr = server.addr.clone();
    let mut loris = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(&addr).expect("connect");
        stream
            .write_all(b"GET /api/snapshot HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .expect("half a request");
        loris.push(stream);
    }
    let started = Instant::now();
    let bearer = ("Authorization", "Bearer s3cret");
    let (status, body) = http(&addr, "GET", "/api/snapshot", &[bearer], "");
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "served at once, not after the half-sent requests time out: {:?}",
        started.elapsed()
    );
    // Every half-sent request is cut off: room was made for newer ones, or its head did not
    // come in time (10 s).
    for stream in &mut loris {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut rest = Vec::new();
        let closed = match stream.read_to_end(&mut rest) {
            Ok(_) => true,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        };
        assert!(closed, "a half-sent request still holds its connection");
    }
    drop(loris);
    assert_eq!(server.stop(Signal::SIGTERM), Some(0));
}

#[test]
fn a_note_too_long_is_refused_in_a_few_words() {
    let env = TestEnv::new();
    let server = Server::start(&env, &[]);
    let before = env.read("sync/state.json");
    // The whole request is sent before the answer is read (a server that answers early and
    // closes would reset a client still writing).
    let big = format!(r#"{{"text": "{}"}}"#, "A".repeat(1 << 20));
    let (status, body) = http(&server.addr, "POST", "/api/note", &[JSON], &big);
    assert_eq!(status, 413, "{body}");
    assert!(body.len() < 300 && !body.contains("AAAA"), "{body}");
    let over = format!(r#"{{"text": "{}"}}"#, "B".repeat(16 * 1024 + 1));
    let (status, body) = http(&server.addr, "POST", "/api/note", &[JSON], &over);
    assert_eq!(status, 413, "{body}");
    assert!(
        body.contains("a note is at most 16384 bytes; this one has 16385")
            && !body.contains("BBBB"),
        "{body}"
    );
    let approve = format!(r#"{{"note": "{}"}}"#, "C".repeat(16 * 1024 + 1));
    let (status, body) = http(&server.addr, "POST", "/api/approve", &[JSON], &approve);
    assert_eq!(status, 413, "{body}");
    let (status, body) = http(&server.addr, "POST", "/api/note", &[JSON], r#"{"text": 5}"#);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not the JSON this endpoint takes"), "{body}");
    assert_eq!(env.read("sync/state.json"), before, "nothing written");
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let env = TestEnv::new();
    let server = Server::start(&env, &["--token", "s3cret"]);
    for scheme in ["bearer s3cret", "BEARER s3cret", "Bearer  s3cret"] {
        let (status, body) = http(
            &server.addr,
            "GET",
            "/api/snapshot",
            &[("Authorization", scheme)],
            "",
        );
        assert_eq!(status, 200, "{scheme}: {body}");
    }
    let (status, _) = http(
        &server.addr,
        "GET",
        "/api/snapshot",
        &[("Authorization", "bearer wrong")],
        "",
    );
    assert_eq!(status, 401);
}
