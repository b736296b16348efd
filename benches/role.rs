//! Role-mode benchmark (`cargo bench --bench role`): figures printed, never asserted.
//!
//! Two clones of a local bare remote at default settings (poll interval 1s, notify on), a no-op
//! agent that appends `date +%s%N` at its start and end to one file.
//!
//! 1. Hop latency: one actor's agent ends → the other actor's agent starts, median and worst,
//!    next to the raw git floor measured in the same run: commit + push on one clone, then
//!    `ls-remote` + fetch + `merge --ff-only` on another.
//! 2. A waiting daemon: CPU share (utime + stime over wall time, its own and its reaped git
//!    children's, from `/proc/<pid>/stat`) and peak RSS (`VmHWM`).
//!
//! Environment: `BATON_BENCH_HOPS` (default 10), `BATON_BENCH_WAIT_SECS` (default 60),
//! `BATON_BENCH_FILES` (files committed besides the workspace, default 0: a big repository's
//! hop), `BATON_BENCH_BIN` (another build of Baton to measure instead of this one).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{env_u64, median_worst, populate, vm_hwm_kib};

use support::baton;

const AGENT: &str = r#"#!/bin/sh
echo "$BATON_ACTOR $BATON_ITERATION start $(date +%s%N)" >> "$BENCH_TIMES"
cat > /dev/null
echo "$BATON_ACTOR $BATON_ITERATION end $(date +%s%N)" >> "$BENCH_TIMES"
"#;

const STATE: &str = "{\n  \"iteration\": 1,\n  \"expected_actor\": \"galph\",\n  \"status\": \"idle\",\n  \"generation\": 0\n}\n";

/// The bench's directories: ctl (agent, timestamps, daemon logs), a bare remote, clones.
struct Bench {
    dir: tempfile::TempDir,
}

impl Bench {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn command(&self, program: &str, cwd: &Path) -> Command {
        let mut cmd = support::command(program, cwd);
        cmd.env("BENCH_TIMES", self.path("ctl/times.txt"));
        cmd
    }

    fn git(&self, cwd: &Path, args: &[&str]) -> Duration {
        let mut cmd = self.command("git", cwd);
        cmd.args(args);
        run(&mut cmd)
    }

    fn clone(&self, name: &str) -> PathBuf {
        let to = self.path(name);
        let remote = self.path("remote.git");
        self.git(
            self.dir.path(),
            &["clone", "-q", path_str(&remote), path_str(&to)],
        );
        to
    }

    /// Spawns baton in `cwd`, stderr to `ctl/<log>.err`.
    fn spawn(&self, cwd: &Path, args: &[&str], log: &str) -> Child {
        let err = std::fs::File::create(self.path(&format!("ctl/{log}.err"))).expect("log");
        self.command(&baton(), cwd)
            .args(args)
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("spawn baton")
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn run(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

fn setup() -> Bench {
    let bench = Bench {
        dir: tempfile::tempdir().expect("tempdir"),
    };
    let seed = bench.path("seed");
    for dir in ["ctl", "seed/prompts", "seed/sync"] {
        std::fs::create_dir_all(bench.path(dir)).expect("mkdir");
    }
    let agent = bench.path("ctl/agent.sh");
    std::fs::write(&agent, AGENT).expect("agent");
    for p in ["supervisor", "main", "reviewer", "router"] {
        std::fs::write(seed.join(format!("prompts/{p}.md")), "noop\n").expect("prompt");
    }
    let yaml = format!(
        "agent:\n  default: noop\n  heartbeat: 0\n  commands:\n    noop: [sh, \"{}\"]\n",
        agent.display()
    );
    std::fs::write(seed.join("orchestration.yaml"), yaml).expect("config");
    std::fs::write(seed.join(".gitignore"), "logs/\n").expect("gitignore");
    std::fs::write(seed.join("sync/state.json"), STATE).expect("state");
    let remote = bench.path("remote.git");
    bench.git(&seed, &["init", "-q", "-b", "main"]);
    bench.git(&seed, &["add", "-A"]);
    bench.git(&seed, &["commit", "-q", "-m", "seed"]);
    populate(&seed, env_u64("BATON_BENCH_FILES", 0));
    bench.git(
        &seed,
        &["init", "-q", "--bare", "-b", "main", path_str(&remote)],
    );
    bench.git(&seed, &["push", "-q", path_str(&remote), "main"]);
    bench
}

fn wait(child: &mut Child, secs: u64, what: &str, bench: &Bench) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let err = std::fs::read_to_string(bench.path(&format!("ctl/{what}.err")));
            assert!(
                status.success(),
                "{what}: {status}\n{}",
                err.unwrap_or_default()
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} still running after {secs}s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Milliseconds from each agent's end to the next agent's start, in turn order.
fn hops(times: &str) -> Vec<f64> {
    let stamps: Vec<(String, u128)> = times
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, _, kind, ns) = (f.next()?, f.next()?, f.next()?, f.next()?);
            Some((kind.to_owned(), ns.parse().ok()?))
        })
        .collect();
    stamps
        .windows(2)
        .filter(|w| w[0].0 == "end" && w[1].0 == "start")
        .map(|w| (w[1].1 - w[0].1) as f64 / 1e6)
        .collect()
}

fn bench_hops(bench: &Bench) {
    let n = env_u64("BATON_BENCH_HOPS", 10);
    let (a, b) = (bench.clone("a"), bench.clone("b"));
    let galph_turns = (n / 2 + 1).to_string();
    let ralph_turns = n.div_ceil(2).to_string();
    let mut galph = bench.spawn(
        &a,
        &[
            "supervisor",
            "-q",
            "--sync-via-git",
            "--iterations",
            &galph_turns,
        ],
        "galph",
    );
    let mut ralph = bench.spawn(
        &b,
        &["loop", "-q", "--sync-via-git", "--iterations", &ralph_turns],
        "ralph",
    );
    wait(&mut galph, 600, "galph", bench);
    wait(&mut ralph, 600, "ralph", bench);
    let times = std::fs::read_to_string(bench.path("ctl/times.txt")).unwrap_or_default();
    let (median, worst) = median_worst(hops(&times));

    let (c, d) = (bench.clone("c"), bench.clone("d"));
    let floor: Vec<f64> = (0..n)
        .map(|i| {
            let start = Instant::now();
            let msg = format!("floor {i}");
            bench.git(&c, &["commit", "-q", "--allow-empty", "-m", &msg]);
            bench.git(&c, &["push", "-q", "origin", "HEAD:refs/heads/floor"]);
            bench.git(&d, &["ls-remote", "origin", "refs/heads/floor"]);
            bench.git(&d, &["fetch", "-q", "origin", "floor"]);
            bench.git(&d, &["merge", "-q", "--ff-only", "FETCH_HEAD"]);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let (floor_median, floor_worst) = median_worst(floor);
    let files = env_u64("BATON_BENCH_FILES", 0);
    let size = if files > 0 {
        format!(", {files} more files in the repository")
    } else {
        String::new()
    };
    println!(
        "== hop latency over {n} hops (agent end -> other agent start), default settings{size}"
    );
    println!("  baton role mode:  median {median:8.1} ms   worst {worst:8.1} ms");
    println!("  raw git floor:    median {floor_median:8.1} ms   worst {floor_worst:8.1} ms");
    println!("    (commit + push on one clone; ls-remote + fetch + merge --ff-only on the other)");
}

/// utime + stime and cutime + cstime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    (at(11) + at(12), at(13) + at(14))
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn bench_waiting(bench: &Bench) {
    let secs = env_u64("BATON_BENCH_WAIT_SECS", 60);
    // After the hops galph has had the last turn: its daemon now waits for ralph.
    let mut galph = bench.spawn(
        &bench.path("a"),
        &["supervisor", "--sync-via-git"],
        "waiting",
    );
    std::thread::sleep(Duration::from_secs(2)); // let it start and settle into waiting
    let pid = galph.id();
    let (self0, kids0) = cpu_ticks(pid);
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let (self1, kids1) = cpu_ticks(pid);
    let wall = start.elapsed().as_secs_f64();
    let hwm = vm_hwm_kib(pid).map_or_else(|| "?".to_owned(), |k| format!("{k} kB"));
    let alive = galph.try_wait().expect("try_wait").is_none();
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid).expect("pid")),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = galph.wait();
    let tck = clock_ticks();
    let share = |ticks: u64| 100.0 * ticks as f64 / tck / wall;
    println!("== a waiting daemon over {wall:.0} s (poll interval 1s, notify on)");
    if !alive {
        println!("  (the daemon exited early; see its stderr)");
    }
    println!("  CPU, baton itself:       {:6.2} %", share(self1 - self0));
    println!("  CPU, its git children:   {:6.2} %", share(kids1 - kids0));
    println!("  peak RSS (VmHWM):        {hwm}");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes with --list
    }
    let bench = setup();
    bench_hops(&bench);
    bench_waiting(&bench);
}
