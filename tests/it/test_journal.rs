//! The journal stays cheap and whole: a long single-file journal becomes an
//! archived segment, history reads across segments, a full disk leaves no partial line (exit 1)
//! and a torn line is never glued to the next one.

use std::os::unix::process::CommandExt as _;

use serde_json::Value;

use crate::common::{Run, TestEnv};

/// A journal line of an earlier version (7-digit heads), iteration `i`.
fn legacy_line(i: u64) -> String {
    format!(
        r#"{{"iteration":{i},"actor":"ralph","prompt":"main.md","source":"deterministic","reason":"seeded","agent":"stub","started_at":"2026-01-01T00:00:00Z","ended_at":"2026-01-01T00:00:01Z","duration_ms":1000,"outcome":"ok","exit_code":0,"head_before":"1a2b3c4","head_after":"1a2b3c4","files_changed":0,"insertions":0,"deletions":0,"log":"logs/x.log","host":"old","generation":{i}}}"#
    ) + "\n"
}

fn seeded(lines: u64) -> String {
    (1..=lines).map(legacy_line).collect()
}

/// Every line of `text` parses; returns their iterations and actors.
fn parsed(text: &str) -> Vec<(u64, String)> {
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}"));
            (
                v["iteration"].as_u64().expect("iteration"),
                v["actor"].as_str().expect("actor").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_long_single_file_journal_is_archived_and_read_across_segments() {
    let env = TestEnv::new();
    let legacy = seeded(1_000);
    env.write("sync/journal.jsonl", &legacy);
    env.commit_all("a journal of an earlier version");

    env.baton(&["run", "--iterations", "1"]).expect_code(0);

    assert_eq!(env.read("sync/journal/000001.jsonl"), legacy, "moved whole");
    let current = parsed(&env.read("sync/journal.jsonl"));
    assert_eq!(current.len(), 2, "the new segment holds the new turns only");
    let tracked = env.git(&["ls-files", "sync"]);
    assert!(tracked.contains("sync/journal/000001.jsonl"), "{tracked}");
    assert_eq!(env.git(&["status", "--porcelain"]), "", "all committed");

    let status = env.baton(&["status", "--last", "3"]);
    status.expect_code(0);
    assert!(status.stdout.contains("i=1000 ralph"), "{}", status.stdout);
    assert!(status.stdout.contains("i=1 galph"), "{}", status.stdout);
}

#[test]
fn a_full_disk_leaves_no_partial_journal_line_and_the_next_run_completes_the_stamp() {
    let env = TestEnv::new();
    let seed = seeded(20);
    env.write("sync/journal.jsonl", &seed);
    env.commit_all("seed");
    // The kernel's answer to a writer that runs out of room: a short write, then an error.
    // RLIMIT_FSIZE produces that sequence (EFBIG) without root, where a full disk gives ENOSPC.
    let limit = seed.len() as u64 + 40;
    let mut cmd = env.baton_cmd(&["run", "--iterations", "1"]);
    if std::env::var_os("LLVM_PROFILE_FILE").is_some() {
        // A coverage profile written at exit under the same limit would be cut short.
        cmd.env("LLVM_PROFILE_FILE", "/dev/null");
    }
    // SAFETY: between fork and exec only async-signal-safe calls (setrlimit, signal).
    unsafe {
        cmd.pre_exec(move || {
            use nix::sys::resource::{Resource, setrlimit};
            use nix::sys::signal::{SigHandler, Signal, signal};
            setrlimit(Resource::RLIMIT_FSIZE, limit, limit)?;
            signal(Signal::SIGXFSZ, SigHandler::SigIgn)?;
            Ok(())
        });
    }
    let full = Run::from(cmd.output().expect("run baton"));
    full.expect_code(1);
    assert!(full.stderr.contains("journal"), "{}", full.stderr);
    assert_eq!(
        env.read("sync/journal.jsonl"),
        seed,
        "no partial line stays"
    );

    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let lines = parsed(&env.read("sync/journal.jsonl"));
    assert_eq!(lines.len(), 22, "{lines:?}");
    assert_eq!(
        lines[20..],
        [(1, "galph".to_owned()), (1, "ralph".to_owned())],
        "galph's turn journalled once, then ralph's"
    );
}

#[test]
fn a_torn_journal_line_is_cut_before_the_next_append() {
    let env = TestEnv::new();
    let seed = seeded(3);
    env.write(
        "sync/journal.jsonl",
        &format!("{seed}{{\"iteration\":4,\"actor\":\"ra"),
    );
    env.commit_all("a torn journal");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let lines = parsed(&env.read("sync/journal.jsonl"));
    let iterations: Vec<u64> = lines.iter().map(|(i, _)| *i).collect();
    assert_eq!(iterations, [1, 2, 3, 1, 1], "{lines:?}");
}
