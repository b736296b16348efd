//! `baton demo`: offline, in a temporary workspace it keeps (or discards) — combined, two
//! machines through a remote, and the workflow examples.

use serde_json::Value;

use crate::common::TestEnv;

/// `baton demo` run with its temporary directory under the test's own.
fn demo(env: &TestEnv, args: &[&str]) -> crate::common::Run {
    let mut cmd = env.baton_cmd(args);
    cmd.env("TMPDIR", &env.ctl);
    crate::common::Run::from(cmd.output().expect("run the demo"))
}

/// The workspace a demo kept: the directory its `cd …` line names.
fn kept_workspace(stdout: &str) -> std::path::PathBuf {
    let line = stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("cd "))
        .unwrap_or_else(|| panic!("no `cd` line in\n{stdout}"));
    std::path::PathBuf::from(line.split("  #").next().unwrap_or(line).trim_end())
}

#[test]
fn demo_runs_offline_and_shows_turns_receipts_commits_and_state() {
    let env = TestEnv::bare();
    for args in [&["demo", "--combined"][..], &["demo"][..]] {
        let run = demo(&env, args);
        run.expect_code(0);
        for needle in [
            "== Turns",
            "reviewer.md",
            "RALPH AUTO (prompt=main.md)",
            "ralph: add step 3",
            "\"iteration\": 4",
            " out, $0.0",
            "6 turns, ",
            "== Look around: the workspace is kept in ",
            " stats ",
            " watch --once ",
            " serve ",
        ] {
            assert!(
                run.stdout.contains(needle),
                "{args:?}: missing {needle:?} in\n{}",
                run.stdout
            );
        }
        // The kept workspace answers the commands the demo points at, receipts included.
        let kept = kept_workspace(&run.stdout);
        assert!(kept.starts_with(&env.ctl), "{}", kept.display());
        let mut stats = env.baton_cmd(&["stats", "--json"]);
        stats.current_dir(&kept);
        let stats = crate::common::Run::from(stats.output().expect("stats"));
        stats.expect_code(0);
        let stats: Value = serde_json::from_str(&stats.stdout).expect("stats json");
        assert_eq!(stats["total"]["turns"], 6, "{stats}");
        assert_eq!(stats["total"]["cost_reported_turns"], 6, "{stats}");
        assert!(
            stats["total"]["cost_usd"].as_f64().unwrap_or(0.0) > 0.0,
            "{stats}"
        );
        assert!(
            stats["total"]["input_tokens"].as_u64().unwrap_or(0) > 0,
            "{stats}"
        );
    }
    let discarded = demo(&env, &["demo", "--combined", "--discard"]);
    discarded.expect_code(0);
    assert!(
        !discarded.stdout.contains("Look around"),
        "{}",
        discarded.stdout
    );
    let left: Vec<_> = std::fs::read_dir(&env.ctl)
        .expect("read ctl")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("baton-demo-"))
        .collect();
    assert_eq!(left.len(), 2, "the two kept, the discarded one gone");
}

#[test]
fn demo_shows_two_machines_handing_over_through_the_remote() {
    let env = TestEnv::bare();
    let run = demo(&env, &["demo", "--iterations", "2", "--discard"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("[A galph] [router] iteration=1 actor=galph"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("[B ralph] [router] iteration=1 actor=ralph"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("read from the shared remote"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("[SYNC i=3] actor=ralph → next=galph status=ok"),
        "{}",
        run.stdout
    );
}

#[test]
fn demo_examples_run_offline_a_review_pipeline_and_parallel_workers_that_land() {
    let env = TestEnv::bare();
    let review = demo(
        &env,
        &[
            "demo",
            "--example",
            "pr-review",
            "--iterations",
            "1",
            "--discard",
        ],
    );
    review.expect_code(0);
    for needle in [
        "galph -> sec, arch",
        "[worker] sec runs its turn on baton/sec/i1",
        "[worker] arch runs its turn on baton/arch/i1",
        "BATON-NEXT: revise",
        "synth: wrote reports/review.md",
        "\"iteration\": 2",
    ] {
        assert!(
            review.stdout.contains(needle),
            "{needle} in\n{}",
            review.stdout
        );
    }
    let parallel = demo(
        &env,
        &[
            "demo",
            "--example",
            "parallel",
            "--iterations",
            "2",
            "--discard",
        ],
    );
    parallel.expect_code(0);
    for needle in [
        "actor ralph: engineer, 4 workers",
        "[LAND i=1] ralph-",
        "task notes-b",
        "landed",
    ] {
        assert!(
            parallel.stdout.contains(needle),
            "{needle} in\n{}",
            parallel.stdout
        );
    }
    let unknown = demo(&env, &["demo", "--example", "nope"]);
    unknown.expect_code(2);
    assert!(
        unknown.stderr.contains("pr-review, parallel"),
        "{}",
        unknown.stderr
    );
}
