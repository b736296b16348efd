//! Parallel-workers benchmark (`cargo bench --bench workers`): figures printed, never asserted.
//!
//! galph writes `BATON_BENCH_TASKS` independent task files (default 64); ralph's stub agent
//! sleeps `BATON_BENCH_SLEEP_MS` (default 1000) and writes its own file. One iteration runs with
//! one worker, then with `BATON_BENCH_WORKERS` (default 8):
//!
//! 1. Speed-up: ralph's step (its journal line's `duration_ms`) with one worker over with N.
//!    The floor is the ideal, `min(N, tasks)`.
//! 2. Merge cost per task: each landing's `land_ms` (the 3-way merge with the shared head and
//!    moving the shared branch), mean and worst, next to the floor measured in the same run:
//!    a raw `git merge --no-edit` of an equal branch (one new file, forked from the same
//!    base) in a plain clone, one after another.
//!
//! `BATON_BENCH_BIN` measures another build of Baton instead of this one.

mod support;

use std::path::Path;
use std::time::Duration;

use support::{env_u64, git, run};

const AGENT: &str = r#"#!/bin/sh
cat > /dev/null
if [ "$BATON_ACTOR" = galph ]; then
  if [ ! -d tasks ]; then
    mkdir -p tasks
    i=1
    while [ "$i" -le "$BENCH_TASKS" ]; do
      printf 'write out/t%03d.txt\n' "$i" > "$(printf 'tasks/t%03d.md' "$i")"
      i=$((i + 1))
    done
  fi
  exit 0
fi
sleep "$BENCH_SLEEP"
mkdir -p out
echo "$BATON_TASK by $BATON_WORKER" > "out/$BATON_TASK.txt"
"#;

/// One run of an iteration with `workers`: ralph's step (ms) and every landing's `land_ms`.
fn one_run(dir: &Path, workers: u64, tasks: u64, sleep_ms: u64) -> (f64, Vec<f64>) {
    let root = dir.join(format!("w{workers}"));
    std::fs::create_dir_all(&root).expect("mkdir");
    let agent = dir.join("agent.sh");
    support::init_workspace(&root, &format!("[sh, \"{}\"]", agent.display()));
    let yaml = std::fs::read_to_string(root.join("orchestration.yaml")).expect("config");
    std::fs::write(
        root.join("orchestration.yaml"),
        format!("{yaml}workflow:\n  workers: {{ralph: {workers}}}\n"),
    )
    .expect("config");
    run(&mut git(&root, &["commit", "-qam", "workers"]));
    let mut cmd = support::command(&support::baton(), &root);
    cmd.args(["run", "--iterations", "1"])
        .env("BENCH_TASKS", tasks.to_string())
        .env("BENCH_SLEEP", format!("{:.3}", sleep_ms as f64 / 1000.0));
    run(&mut cmd);
    let journal = std::fs::read_to_string(root.join("sync/journal.jsonl")).expect("journal");
    let ralph: serde_json::Value = journal
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["actor"] == "ralph")
        .expect("ralph's step in the journal");
    let runs = ralph["tasks"].as_array().cloned().unwrap_or_default();
    let landed = runs.iter().filter(|r| r["landing"] == "landed").count();
    assert_eq!(landed as u64, tasks, "every task lands: {ralph:#}");
    let lands = runs.iter().filter_map(|r| r["land_ms"].as_f64()).collect();
    (ralph["duration_ms"].as_f64().unwrap_or(0.0), lands)
}

/// The floor of a landing: `git merge --no-edit` of `count` branches, each adding one file to
/// the same base, into a branch that moves on with every merge (ms per merge).
fn raw_merges(dir: &Path, count: u64) -> Vec<f64> {
    let root = dir.join("raw");
    std::fs::create_dir_all(&root).expect("mkdir");
    support::init_workspace(&root, "[true]");
    for i in 1..=count {
        let name = format!("t{i:03}");
        run(&mut git(&root, &["checkout", "-q", "-b", &name, "main"]));
        std::fs::create_dir_all(root.join("out")).expect("mkdir");
        std::fs::write(root.join(format!("out/{name}.txt")), format!("{name}\n")).expect("w");
        run(&mut git(&root, &["add", "-A"]));
        run(&mut git(&root, &["commit", "-qm", &name]));
    }
    run(&mut git(&root, &["checkout", "-q", "-b", "shared", "main"]));
    (1..=count)
        .map(|i| {
            let took = run(&mut git(
                &root,
                &["merge", "--no-edit", &format!("t{i:03}")],
            ));
            took.as_secs_f64() * 1000.0
        })
        .collect()
}

fn mean_worst(xs: &[f64]) -> (f64, f64) {
    let mean = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    (mean, xs.iter().copied().fold(0.0, f64::max))
}

fn main() {
    let tasks = env_u64("BATON_BENCH_TASKS", 64);
    let workers = env_u64("BATON_BENCH_WORKERS", 8);
    let sleep_ms = env_u64("BATON_BENCH_SLEEP_MS", 1000);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("agent.sh"), AGENT).expect("agent");
    println!(
        "workers: {tasks} independent tasks, a stub agent sleeping {} per task",
        format_ms(sleep_ms as f64)
    );
    let (one, _) = one_run(dir.path(), 1, tasks, sleep_ms);
    let (many, lands) = one_run(dir.path(), workers, tasks, sleep_ms);
    let floor = workers.min(tasks) as f64;
    println!("  ralph's step, 1 worker:     {:>9}", format_ms(one));
    println!(
        "  ralph's step, {workers} workers:    {:>9}   speed-up {:.2}x (ideal {floor:.0}x)",
        format_ms(many),
        one / many.max(1.0)
    );
    let raw = raw_merges(dir.path(), tasks);
    let (land_mean, land_worst) = mean_worst(&lands);
    let (raw_mean, raw_worst) = mean_worst(&raw);
    println!(
        "  landing per task (merge + move the branch): mean {land_mean:.1} ms, worst {land_worst:.1} ms"
    );
    println!(
        "  floor, raw `git merge --no-edit`:           mean {raw_mean:.1} ms, worst {raw_worst:.1} ms   ratio {:.2}x",
        land_mean / raw_mean.max(0.001)
    );
}

fn format_ms(ms: f64) -> String {
    let d = Duration::from_secs_f64(ms / 1000.0);
    format!("{:.2} s", d.as_secs_f64())
}
