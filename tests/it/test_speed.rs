//! What Baton's fast paths must still get right: a text agent's output is read only at its end
//! (its last lines), yet what those lines say decides the turn as before.

use crate::common::TestEnv;

/// 200,000 lines of 80 bytes, then what the test wants last, from ralph's stub agent.
fn lines_then(env: &TestEnv, last: &str) {
    let line = "x".repeat(79);
    env.hook(
        "ralph",
        &format!("yes {line} | head -n 200000\nprintf '%s' '{last}'\n"),
    );
}

#[test]
fn the_last_lines_of_a_long_text_stream_still_decide_the_turn() {
    let env = TestEnv::with_config("  fail_patterns: ['^AuthenticationError']\n");
    lines_then(
        &env,
        "AuthenticationError: invalid x-api-key\n\n   \nretrying is pointless\nbye",
    );
    let run = env.baton(&["run", "-q", "--iterations", "1"]);
    run.expect_code(1);
    let state = env.state();
    assert!(
        // A matched line that is an authentication error fails the turn as one.
        state["last_error"]
            .as_str()
            .is_some_and(|e| e
                .contains("agent could not authenticate: AuthenticationError: invalid x-api-key")),
        "{state:#}"
    );
    let journal = env.journal();
    let log = env.read(journal[1]["log"].as_str().expect("log"));
    assert_eq!(
        log.lines().filter(|l| l.len() == 79).count(),
        200_000,
        "the turn log has every line"
    );
}

#[test]
fn a_line_too_long_to_read_decides_nothing() {
    // Longer than the 4 KiB a text line may have to be read (docs/agents.md).
    let long = format!("AuthenticationError: {}", "y".repeat(5000));
    let env = TestEnv::with_config("  fail_patterns: ['^AuthenticationError']\n");
    lines_then(&env, &format!("{long}\n"));
    env.baton(&["run", "-q", "--iterations", "1"])
        .expect_code(0);
    assert_eq!(env.journal()[1]["outcome"], "ok");
}

/// A journal line as Baton writes it (`docs/state.md`), costing `cost`.
fn journal_line(iteration: u64, cost: f64) -> String {
    let actor = if iteration.is_multiple_of(2) {
        "galph"
    } else {
        "ralph"
    };
    serde_json::json!({
        "iteration": iteration, "actor": actor, "prompt": "main.md", "source": "deterministic",
        "reason": "seeded", "agent": "claude", "started_at": "2026-11-21T10:00:00Z",
        "ended_at": "2026-11-21T10:01:00Z", "duration_ms": 60_000, "outcome": "ok",
        "exit_code": 0, "head_before": null, "head_after": null, "files_changed": 0,
        "insertions": 0, "deletions": 0, "log": "logs/l.log", "host": "h",
        "generation": iteration, "usage": {"cost_usd": cost}
    })
    .to_string()
        + "\n"
}

/// A journal of three archived segments of 100 turns and a current one of 10, each turn
/// costing a tenth of a dollar more than the one before.
fn long_journal(env: &TestEnv) {
    let lines = |from: u64, n: u64| -> String {
        (from..from + n)
            .map(|i| journal_line(i, i as f64 / 10.0))
            .collect()
    };
    for k in 0..3 {
        env.write(
            &format!("sync/journal/{:06}.jsonl", k + 1),
            &lines(k * 100 + 1, 100),
        );
    }
    env.write("sync/journal.jsonl", &lines(301, 10));
    env.write("sync/journal/opened", "");
}

/// The names of the journal segments (`*.jsonl`) in `dir` opened while `during` runs, as inotify
/// reports them: the events are read up to this test's own opening of `dir/opened`, which comes
/// after them all.
fn opened_during(dir: &std::path::Path, during: impl FnOnce()) -> Vec<String> {
    use notify::event::{AccessKind, EventKind};
    use notify::{RecursiveMode, Watcher as _};
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx).expect("watcher");
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .expect("watch");
    during();
    std::fs::read(dir.join("opened")).expect("open the sentinel");
    let mut names = Vec::new();
    loop {
        let event = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the sentinel's event")
            .expect("no watch error");
        if !matches!(event.kind, EventKind::Access(AccessKind::Open(_))) {
            continue;
        }
        for path in &event.paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            match name.as_deref() {
                Some("opened") => return names,
                Some(name) if name.ends_with(".jsonl") => names.push(name.to_owned()),
                _ => {}
            }
        }
    }
}

#[test]
fn stats_and_status_read_each_archived_segment_once() {
    let env = TestEnv::new();
    long_journal(&env);
    let first = env.baton(&["stats", "--json"]);
    first.expect_code(0);
    let archive = env.path("sync/journal");
    let mut again = None;
    let mut status = None;
    let opened = opened_during(&archive, || {
        again = Some(env.baton(&["stats", "--json"]));
        status = Some(env.baton(&["status", "--json", "--no-fetch"]));
    });
    assert_eq!(opened, Vec::<String>::new(), "no archive is read again");
    let again = again.expect("ran");
    again.expect_code(0);
    assert_eq!(
        again.stdout, first.stdout,
        "the same sums, to the last digit"
    );
    let stats: serde_json::Value = serde_json::from_str(&again.stdout).expect("json");
    assert_eq!(stats["total"]["turns"], 310);
    let expected: f64 = (1..=310).map(|i| f64::from(i) / 10.0).sum();
    assert_eq!(
        stats["total"]["cost_usd"], expected,
        "summed in journal order"
    );
    let status = status.expect("ran");
    status.expect_code(0);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).expect("json");
    assert_eq!(status["cost"]["turns"], 310);
    assert_eq!(status["cost"]["total_usd"], expected);

    // A new archive is read, once; an archive that changed is read again.
    env.write("sync/journal/000004.jsonl", &journal_line(311, 1.0));
    let opened = opened_during(&archive, || {
        env.baton(&["stats", "--json"]).expect_code(0);
    });
    assert_eq!(opened, ["000004.jsonl"]);
    let text = env.read("sync/journal/000002.jsonl");
    env.write(
        "sync/journal/000002.jsonl",
        text.split_inclusive('\n').next().expect("line"),
    );
    let stats = env.baton(&["stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_str(&stats.stdout).expect("json");
    assert_eq!(
        stats["total"]["turns"],
        311 - 99,
        "the rewritten archive counted as it is"
    );
}
