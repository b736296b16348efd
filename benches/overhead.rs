//! Baton's benchmarks (`cargo bench`): figures printed, never asserted.
//!
//! 1. Combined-mode cost per turn with a no-op agent, with and without auto-commit, next to the
//!    floor: running that agent alone plus one `git commit`.
//! 2. Executor throughput when an agent writes 1 GiB to stdout, once without line ends
//!    (`/dev/zero`) and once as 80-byte lines, each next to `cat` of the same pipeline to a
//!    file, with Baton's peak RSS after a small and after the large run.
//!
//! Environment: `BATON_BENCH_TURNS` (iterations, default 20), `BATON_BENCH_BYTES` (default 1 GiB),
//! `BATON_BENCH_BIN` (another build of Baton to measure instead of this one).

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use support::{baton, env_u64, git, init_workspace, per_turn, run};

/// A temporary workspace whose only agent is `argv`.
fn workspace(argv: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    init_workspace(dir.path(), argv);
    dir
}

fn bench_turns() {
    let iterations = env_u64("BATON_BENCH_TURNS", 20);
    let turns = iterations * 2;
    let n = iterations.to_string();
    let ws = workspace("[\"true\"]");
    let root = ws.path();
    let time_run = |extra: &[&str]| {
        let mut cmd = Command::new(baton());
        cmd.current_dir(root)
            .args(["run", "-q", "--iterations", &n])
            .args(extra);
        per_turn(run(&mut cmd), turns)
    };
    let with_git = time_run(&[]);
    let no_git = time_run(&["--no-git"]);
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

/// What an agent prints in the streaming benchmark: `bytes` from a shell pipeline.
#[derive(Clone, Copy)]
enum Output {
    /// `head -c N /dev/zero`: no line ends at all.
    Zeros,
    /// 80-byte lines (79 characters and a newline), as agents and the tools they run print.
    Lines,
}

impl Output {
    /// The shell pipeline that prints `bytes` of this output.
    fn script(self, bytes: u64) -> String {
        match self {
            Output::Zeros => format!("head -c {bytes} /dev/zero"),
            Output::Lines => format!("yes {} | head -c {bytes}", "x".repeat(79)),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Output::Zeros => "bytes of /dev/zero",
            Output::Lines => "bytes of 80-byte lines",
        }
    }
}

fn bench_stream(output: Output) {
    let bytes = env_u64("BATON_BENCH_BYTES", 1 << 30);
    let small = (64 << 20).min(bytes);
    let stream = |n: u64| {
        let ws = workspace(&format!("[sh, -c, \"{}\"]", output.script(n)));
        let mut cmd = Command::new(baton());
        cmd.current_dir(ws.path())
            .args(["loop", "-q", "--no-git", "--iterations", "1"]);
        let took = run(&mut cmd);
        (took, children_max_rss_kib())
    };
    let (_, rss_small) = stream(small);
    let (took, rss_large) = stream(bytes);
    let out = tempfile::tempdir().expect("tempdir");
    let script = format!(
        "{} | cat > {}/out",
        output.script(bytes),
        out.path().display()
    );
    let cat = run(Command::new("sh").args(["-c", &script]));
    let gib = bytes as f64 / f64::from(1u32 << 30);
    let rate = |d: Duration| gib / d.as_secs_f64();
    println!(
        "== streaming {bytes} {} of agent stdout to the turn log",
        output.describe()
    );
    println!(
        "  baton (console echo off):  {:6.2} GiB/s  ({:.0}% of cat)",
        rate(took),
        100.0 * rate(took) / rate(cat)
    );
    println!("  the same | cat > file:     {:6.2} GiB/s", rate(cat));
    println!(
        "  baton peak RSS: {rss_small} KiB after {small} bytes, {rss_large} KiB after {bytes} bytes"
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes with --list
    }
    bench_turns();
    bench_stream(Output::Zeros);
    bench_stream(Output::Lines);
}
