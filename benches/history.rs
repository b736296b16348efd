//! History and repository-size benchmark (`cargo bench --bench history`): figures printed
//! next to their floors and targets, never asserted.
//!
//! 1. One long combined run (`BATON_BENCH_HISTORY_ITERATIONS`, default 1000 = 2000 turns), the
//!    agent logging its start time: the time per turn of turns 1–100 against the last 100;
//!    `.git` size and loose objects afterwards; Baton's peak RSS against a 10-iteration run.
//! 2. A fresh workspace against one seeded with a 20,000-line single-file journal (an earlier
//!    version's): time per turn over `BATON_BENCH_TURNS` iterations (default 50).
//! 3. A 50,000-file repository (`BATON_BENCH_FILES`) against a tiny one, ralph changing one
//!    file per turn: time per turn, next to `git status` + one `git commit` in the big one.

mod support;

use std::path::Path;
use std::time::Instant;

use support::{
    baton as baton_bin, command, dir_bytes, env_u64, git, init_workspace, median_worst, per_turn,
    populate, run, run_sampling_rss,
};

/// An agent that logs its start (ns) to `$BENCH_TIMES`; ralph also changes `work.txt`.
const AGENT: &str = r#"[sh, -c, "date +%s%N >> \"$BENCH_TIMES\"; if [ \"$BATON_ACTOR\" = ralph ]; then date +%s%N >> work.txt; fi; cat > /dev/null"]"#;

fn baton(root: &Path, iterations: u64) -> std::process::Command {
    let mut cmd = command(&baton_bin(), root);
    cmd.args(["run", "-q", "--iterations", &iterations.to_string()])
        .env("BENCH_TIMES", root.join("../times.txt"));
    cmd
}

/// Milliseconds between consecutive agent starts logged in `times`.
fn gaps(times: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(times).expect("times");
    let ns: Vec<u64> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
    ns.windows(2)
        .map(|w| (w[1].saturating_sub(w[0])) as f64 / 1e6)
        .collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

fn loose_objects(root: &Path) -> String {
    let out = git(root, &["count-objects", "-v"])
        .output()
        .expect("count-objects");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .map_or("?".to_owned(), |v| v.trim().to_owned())
    };
    format!("{} loose, {} packs", field("count:"), field("packs:"))
}

fn bench_long_run() {
    let iterations = env_u64("BATON_BENCH_HISTORY_ITERATIONS", 1000);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("ws");
    init_workspace(&root, AGENT);
    let (_, rss_small) = run_sampling_rss(&mut baton(&root, 10));
    let _ = std::fs::remove_file(dir.path().join("times.txt"));
    let start = Instant::now();
    let (_, rss_long) = run_sampling_rss(&mut baton(&root, iterations));
    let took = start.elapsed();
    let turns = iterations * 2;
    let gaps = gaps(&dir.path().join("times.txt"));
    let window = 100.min(gaps.len() / 2).max(1);
    let first = mean(&gaps[..window]);
    let last = mean(&gaps[gaps.len() - window..]);
    let (median, worst) = median_worst(gaps.clone());
    let git_mb = dir_bytes(&root.join(".git")) as f64 / 1e6;
    println!("== long run: {iterations} iterations ({turns} turns) after 10, no-op agent");
    println!(
        "  time per turn: first {window} {first:6.2} ms, last {window} {last:6.2} ms: \
         last/first {:.2} (target <= 1.10); median {median:.2} ms, worst {worst:.2} ms, \
         overall {:.2} ms",
        last / first,
        per_turn(took, turns)
    );
    println!(
        "  .git after {} turns: {git_mb:.1} MB ({}) (target < 40 MB after 2000)",
        turns + 20,
        loose_objects(&root)
    );
    println!(
        "  peak RSS: {rss_small} KiB after 10 iterations, {rss_long} KiB after {iterations}: \
         {:.2}x (target <= 1.5x)",
        rss_long as f64 / rss_small as f64
    );
}

/// `lines` journal lines of an earlier version (7-digit heads, one file).
fn legacy_journal(lines: u64) -> String {
    (1..=lines)
        .map(|i| {
            format!(
                r#"{{"iteration":{i},"actor":"ralph","prompt":"main.md","source":"deterministic","reason":"seeded","agent":"noop","started_at":"2026-01-01T00:00:00Z","ended_at":"2026-01-01T00:00:01Z","duration_ms":1000,"outcome":"ok","exit_code":0,"head_before":"1a2b3c4","head_after":"1a2b3c4","files_changed":1,"insertions":1,"deletions":0,"log":"logs/main/ralph/iter-{i:05}.log","host":"old","generation":{i}}}"#
            ) + "\n"
        })
        .collect()
}

fn bench_seeded_journal() {
    let iterations = env_u64("BATON_BENCH_TURNS", 50);
    let time = |seed: Option<&str>| {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("ws");
        init_workspace(&root, AGENT);
        if let Some(seed) = seed {
            std::fs::create_dir_all(root.join("sync")).expect("mkdir");
            std::fs::write(root.join("sync/journal.jsonl"), seed).expect("seed");
            run(&mut git(&root, &["add", "-A"]));
            run(&mut git(&root, &["commit", "-q", "-m", "seed"]));
        }
        let took = per_turn(run(&mut baton(&root, iterations)), iterations * 2);
        let gaps = gaps(&dir.path().join("times.txt"));
        let first = gaps.first().copied().unwrap_or(0.0);
        (took, median_worst(gaps).0, first)
    };
    let seed = legacy_journal(20_000);
    let (fresh, fresh_median, _) = time(None);
    let (seeded, seeded_median, conversion) = time(Some(&seed));
    println!("== {iterations} iterations: fresh workspace vs a 20,000-line journal");
    println!("  fresh:  {fresh:6.2} ms/turn, median {fresh_median:6.2} ms");
    println!(
        "  seeded: {seeded:6.2} ms/turn, median {seeded_median:6.2} ms  ({:.2}x fresh; \
         target <= 1.10); first turn (archives the old file once) {conversion:.1} ms",
        seeded_median / fresh_median
    );
}

fn bench_big_repository() {
    let files = env_u64("BATON_BENCH_FILES", 50_000);
    let iterations = env_u64("BATON_BENCH_TURNS", 50).min(20);
    let turns = iterations * 2;
    let measure = |files: u64| {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("ws");
        init_workspace(&root, AGENT);
        populate(&root, files);
        run(&mut git(&root, &["status", "--porcelain"])); // warm the cache like baton's turns
        let took = per_turn(run(&mut baton(&root, iterations)), turns);
        let status = run(&mut git(&root, &["status", "--porcelain"]));
        std::fs::write(root.join("work.txt"), "floor\n").expect("write");
        let commit = run(&mut git(&root, &["commit", "-q", "-a", "-m", "floor"]));
        (took, (status + commit).as_secs_f64() * 1000.0)
    };
    let (tiny, _) = measure(10);
    let (big, floor) = measure(files);
    println!(
        "== {files}-file repository vs a tiny one, {iterations} iterations, ralph changes one file"
    );
    println!("  tiny repository: {tiny:7.2} ms/turn");
    println!(
        "  big repository:  {big:7.2} ms/turn  ({:.2}x floor; target <= 1.5x)",
        big / floor
    );
    println!("  floor: git status + one git commit there: {floor:7.2} ms");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes with --list
    }
    bench_seeded_journal();
    bench_big_repository();
    bench_long_run();
}
