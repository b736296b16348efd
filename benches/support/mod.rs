//! Helpers shared by the benchmarks: hermetic commands, timing, workspaces, `/proc` figures.

#![allow(dead_code)] // each bench uses a different subset

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under measurement: `BATON_BENCH_BIN` when set (another build, to be measured in
/// the same run as this one, on the same loaded machine), else this build's.
pub(crate) fn baton() -> String {
    std::env::var("BATON_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_baton").to_owned())
}

/// `key` from the environment as a number, else `default`.
pub(crate) fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A command in `cwd` with git's identity and configuration pinned (no user config read).
pub(crate) fn command(program: &str, cwd: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(cwd)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@localhost")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@localhost")
        .stdin(Stdio::null());
    cmd
}

/// `git <args>` in `cwd`, pinned as [`command`].
pub(crate) fn git(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = command("git", cwd);
    cmd.args(args);
    cmd
}

/// Runs `cmd` to its end (stdout discarded), panicking on failure with the end of its stderr;
/// returns its wall time (the command's alone: not the file its stderr goes to).
pub(crate) fn run(cmd: &mut Command) -> Duration {
    let err = tempfile::tempfile().expect("stderr file");
    cmd.stdout(Stdio::null())
        .stderr(err.try_clone().expect("stderr file"));
    let start = Instant::now();
    let status = cmd.status().expect("spawn");
    let took = start.elapsed();
    check(cmd, status, err);
    took
}

/// Panics unless `status` is a success, with the last lines `cmd` wrote to `err`.
fn check(cmd: &Command, status: std::process::ExitStatus, mut err: std::fs::File) {
    use std::io::{Read as _, Seek as _};
    if status.success() {
        return;
    }
    let mut text = String::new();
    let _ = err.rewind();
    let _ = err.read_to_string(&mut text);
    let tail: Vec<&str> = text.lines().rev().take(20).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    panic!("{cmd:?} failed: {status}\n{}", tail.join("\n"));
}

/// A committed workspace whose only agent is `argv` (YAML flow sequence), in `root`.
pub(crate) fn init_workspace(root: &Path, argv: &str) {
    std::fs::create_dir_all(root.join("prompts")).expect("mkdir");
    run(&mut git(root, &["init", "-q", "-b", "main"]));
    for p in ["supervisor", "main", "reviewer", "router"] {
        std::fs::write(root.join(format!("prompts/{p}.md")), "noop\n").expect("prompt");
    }
    let yaml = format!("agent:\n  default: noop\n  heartbeat: 0\n  commands:\n    noop: {argv}\n");
    std::fs::write(root.join("orchestration.yaml"), yaml).expect("config");
    std::fs::write(root.join(".gitignore"), "logs/\n").expect("gitignore");
    run(&mut git(root, &["add", "-A"]));
    run(&mut git(root, &["commit", "-q", "-m", "init"]));
}

/// Milliseconds per turn.
pub(crate) fn per_turn(total: Duration, turns: u64) -> f64 {
    total.as_secs_f64() * 1000.0 / turns as f64
}

/// `VmHWM` (peak resident set, KiB) of the live process `pid`, `None` once it is gone.
pub(crate) fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `cmd` to its end while sampling its peak RSS every 10 ms; returns the wall time and
/// the last peak seen (KiB; the process's own, not its children's).
pub(crate) fn run_sampling_rss(cmd: &mut Command) -> (Duration, u64) {
    let start = Instant::now();
    let err = tempfile::tempfile().expect("stderr file");
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(err.try_clone().expect("stderr file"))
        .spawn()
        .expect("spawn");
    let mut peak = 0;
    loop {
        if let Some(hwm) = vm_hwm_kib(child.id()) {
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            check(cmd, status, err);
            return (start.elapsed(), peak);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Bytes under `dir`, recursively (apparent file sizes).
pub(crate) fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// The median and the worst of `xs` (milliseconds).
pub(crate) fn median_worst(mut xs: Vec<f64>) -> (f64, f64) {
    xs.sort_by(f64::total_cmp);
    let median = xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN);
    (median, xs.last().copied().unwrap_or(f64::NAN))
}

/// Writes `files` small files under `root/src/dNNN/` and commits them (nothing for 0).
pub(crate) fn populate(root: &Path, files: u64) {
    if files == 0 {
        return;
    }
    for i in 0..files {
        let dir = root.join(format!("src/d{:03}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&dir).expect("mkdir");
        }
        std::fs::write(dir.join(format!("f{i}.txt")), format!("{i}\n")).expect("write");
    }
    run(&mut git(root, &["add", "-A"]));
    run(&mut git(root, &["commit", "-q", "-m", "populate"]));
}

/// The machine's CPU time so far, busy and all (in `/proc/stat` ticks: the first `cpu` line's
/// fields, busy being all but idle and iowait), `None` where `/proc/stat` is not there.
pub(crate) fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let all: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    Some((all.saturating_sub(idle), all))
}
