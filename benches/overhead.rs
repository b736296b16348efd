//! Baton's benchmarks (`cargo bench`): figures printed, never asserted.
//!
//! 1. Combined-mode cost per turn with a no-op agent, with and without auto-commit, next to the
//!    floor: running that agent alone plus one `git commit`.
//! 2. Executor throughput when an agent writes 1 GiB to stdout, next to `cat` of the same bytes
//!    to a file, with Baton's peak RSS after a small and after the large run.
//!
//! Environment: `BATON_BENCH_TURNS` (iterations, default 20), `BATON_BENCH_BYTES` (default 1 GiB).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};

const BATON: &str = env!("CARGO_BIN_EXE_baton");

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn");
    assert!(status.success(), "{cmd:?} failed: {status}");
    start.elapsed()
}

fn git(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(["-c", "user.name=bench", "-c", "user.email=bench@localhost"])
        .args(args);
    cmd
}

/// A workspace whose only agent is `argv`.
fn workspace(argv: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    run(&mut git(root, &["init", "-q"]));
    std::fs::create_dir_all(root.join("prompts")).expect("mkdir");
    for p in ["supervisor", "main", "reviewer", "router"] {
        std::fs::write(root.join(format!("prompts/{p}.md")), "noop\n").expect("prompt");
    }
    let yaml = format!("agent:\n  default: noop\n  heartbeat: 0\n  commands:\n    noop: {argv}\n");
    std::fs::write(root.join("orchestration.yaml"), yaml).expect("config");
    std::fs::write(root.join(".gitignore"), "logs/\n").expect("gitignore");
    run(&mut git(root, &["add", "-A"]));
    run(&mut git(root, &["commit", "-q", "-m", "init"]));
    dir
}

fn per_turn(total: Duration, turns: u64) -> f64 {
    total.as_secs_f64() * 1000.0 / turns as f64
}

fn bench_turns() {
    let iterations = env_u64("BATON_BENCH_TURNS", 20);
    let turns = iterations * 2;
    let n = iterations.to_string();
    let ws = workspace("[\"true\"]");
    let root = ws.path();
    let baton = |extra: &[&str]| {
        let mut cmd = Command::new(BATON);
        cmd.current_dir(root)
            .args(["run", "-q", "--iterations", &n])
            .args(extra);
        per_turn(run(&mut cmd), turns)
    };
    let with_git = baton(&[]);
    let no_git = baton(&["--no-git"]);
    let start = Instant::now();
    for _ in 0..turns {
        let prompt = std::fs::File::open(root.join("prompts/main.md")).expect("prompt");
        run(Command::new("true").stdin(prompt));
        run(&mut git(
            root,
            &["commit", "-q", "--allow-empty", "-m", "turn"],
        ));
    }
    let floor = per_turn(start.elapsed(), turns);
    println!("== per-turn cost, no-op agent, {turns} turns");
    println!(
        "  baton run (auto-commit + stamp commit): {with_git:8.2} ms/turn  ({:.2}x floor)",
        with_git / floor
    );
    println!(
        "  baton run --no-git:                     {no_git:8.2} ms/turn  ({:.2}x floor)",
        no_git / floor
    );
    println!("  floor: agent alone + one git commit:    {floor:8.2} ms/turn");
}

/// Peak RSS (KiB) of the largest child waited for so far.
fn children_max_rss_kib() -> i64 {
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .map(|u| u.max_rss())
        .unwrap_or(-1)
}

fn bench_stream() {
    let bytes = env_u64("BATON_BENCH_BYTES", 1 << 30);
    let small = (64 << 20).min(bytes);
    let stream = |n: u64| {
        let ws = workspace(&format!("[head, -c, \"{n}\", /dev/zero]"));
        let mut cmd = Command::new(BATON);
        cmd.current_dir(ws.path())
            .args(["loop", "-q", "--no-git", "--iterations", "1"]);
        let took = run(&mut cmd);
        (took, children_max_rss_kib())
    };
    let (_, rss_small) = stream(small);
    let (took, rss_large) = stream(bytes);
    let out = tempfile::tempdir().expect("tempdir");
    let script = format!(
        "head -c {bytes} /dev/zero | cat > {}/out",
        out.path().display()
    );
    let cat = run(Command::new("sh").args(["-c", &script]));
    let gib = bytes as f64 / f64::from(1u32 << 30);
    let rate = |d: Duration| gib / d.as_secs_f64();
    println!("== streaming {bytes} bytes of agent stdout to the turn log");
    println!(
        "  baton (console echo off):  {:6.2} GiB/s  ({:.0}% of cat)",
        rate(took),
        100.0 * rate(took) / rate(cat)
    );
    println!("  head | cat > file:         {:6.2} GiB/s", rate(cat));
    println!(
        "  baton peak RSS: {rss_small} KiB after {small} bytes, {rss_large} KiB after {bytes} bytes"
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes with --list
    }
    bench_turns();
    bench_stream();
}
