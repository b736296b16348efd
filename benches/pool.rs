//! Pool benchmark (`cargo bench --bench pool`): figures printed, never asserted. It measures
//! twice, in memory (`/dev/shm`) and on disk (the temp directory), or once in
//! `BATON_BENCH_DIR` (see `places`).
//!
//! `BATON_BENCH_CLONES` clones (default 4) of one local bare remote each run `baton work --slots
//! BATON_BENCH_SLOTS` (default 4) `--poll-interval BATON_BENCH_POLL` (default `0.2s`; `1s`, the
//! default of `baton work`, makes no difference here) over `BATON_BENCH_TASKS` tasks (default 200); the stub agent
//! sleeps `BATON_BENCH_SLEEP_MS` (default 1000) and writes its own file. Every
//! `BATON_BENCH_KILL_SECS` (default 10) one worker is SIGKILLed and started again (its claims run
//! out after `git.lease`, 3 s here, and are taken over).
//!
//! 1. Correctness under kills: tasks run twice (landed more than once), lost (never landed),
//!    landed exactly once.
//! 2. Effective parallelism: tasks per second of the pool over one worker's alone (one clone,
//!    one slot, measured in the same run), next to the slots (target ≥ 0.8 × slots).
//! 3. Claim latency (each task's `claim_ms` from the journal: the push that claimed it, which
//!    may carry several claims): p50 / p99 next to the floor, a raw `git push` of what a fresh
//!    claim pushes (a new commit to a new ref, expected absent) to the same remote, measured in
//!    the same run twice — while the pool runs (one probe push every half second, under the
//!    same load as the claims) and idle afterwards.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{env_u64, git, run};

const AGENT: &str = r#"#!/bin/sh
cat > /dev/null
sleep "$BENCH_SLEEP"
mkdir -p out
echo "$BATON_TASK by $BATON_WORKER" > "out/$BATON_TASK.txt"
"#;

struct Bench {
    dir: tempfile::TempDir,
    sleep: String,
    /// `baton work --poll-interval`: how often an idle worker looks at the remote.
    poll: String,
}

impl Bench {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A seed workspace with `tasks` tasks, pushed to a new bare remote `name.git`.
    fn remote(&self, name: &str, tasks: u64) -> PathBuf {
        let seed = self.path(&format!("{name}-seed"));
        std::fs::create_dir_all(&seed).expect("mkdir");
        let agent = self.path("agent.sh");
        support::init_workspace(&seed, &format!("[sh, \"{}\"]", agent.display()));
        let yaml = std::fs::read_to_string(seed.join("orchestration.yaml")).expect("config");
        std::fs::write(
            seed.join("orchestration.yaml"),
            format!("{yaml}git:\n  lease: 3s\n"),
        )
        .expect("config");
        std::fs::create_dir_all(seed.join("tasks")).expect("mkdir");
        for i in 1..=tasks {
            std::fs::write(
                seed.join(format!("tasks/t{i:04}.md")),
                format!("task {i}\n"),
            )
            .expect("task");
        }
        run(&mut git(&seed, &["add", "-A"]));
        run(&mut git(&seed, &["commit", "-qm", "tasks"]));
        let bare = self.path(&format!("{name}.git"));
        let bare_arg = bare.to_str().expect("utf-8");
        run(&mut git(
            self.dir.path(),
            &["init", "-q", "--bare", "-b", "main", bare_arg],
        ));
        run(&mut git(&seed, &["remote", "add", "origin", bare_arg]));
        run(&mut git(&seed, &["push", "-q", "origin", "main"]));
        bare
    }

    fn clone(&self, bare: &Path, name: &str) -> PathBuf {
        let to = self.path(name);
        run(&mut git(
            self.dir.path(),
            &[
                "clone",
                "-q",
                bare.to_str().expect("utf-8"),
                to.to_str().expect("utf-8"),
            ],
        ));
        to
    }

    fn worker(&self, clone: &Path, slots: u64) -> Child {
        let mut cmd = support::command(&support::baton(), clone);
        cmd.args([
            "work",
            "--slots",
            &slots.to_string(),
            "--poll-interval",
            &self.poll,
        ])
        .env("BENCH_SLEEP", &self.sleep)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        cmd.spawn().expect("spawn baton work")
    }
}

/// How many times each task landed, from the `[LAND …] … task <id>` subjects of `bare`'s main.
fn landings(bare: &Path) -> BTreeMap<String, u64> {
    let out = Command::new("git")
        .args([
            "--git-dir",
            bare.to_str().expect("utf-8"),
            "log",
            "--format=%s",
            "main",
        ])
        .output()
        .expect("git log");
    let mut counts = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(task) = line
            .strip_prefix("[LAND ")
            .and_then(|rest| rest.split(": task ").nth(1))
            .and_then(|rest| rest.split(' ').next())
        {
            *counts.entry(task.to_owned()).or_insert(0) += 1;
        }
    }
    counts
}

/// `git --git-dir <bare> <args>`'s standard output.
fn bare_git(bare: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(bare)
        .args(args)
        .output()
        .expect("git");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every task's `claim_ms` in the journal of `bare`'s main (ms): its archived segments
/// (`sync/journal/NNNNNN.jsonl`) and its current one.
fn claim_times(bare: &Path) -> Vec<f64> {
    let archives = bare_git(bare, &["ls-tree", "--name-only", "main", "sync/journal/"]);
    let segments = archives
        .lines()
        .map(str::to_owned)
        .chain(std::iter::once("sync/journal.jsonl".to_owned()));
    segments
        .flat_map(|path| {
            bare_git(bare, &["show", &format!("main:{path}")])
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
        .filter_map(|e| e["tasks"][0]["claim_ms"].as_f64())
        .collect()
}

/// Git's empty tree, which a claim commit has too.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// A raw `git push` of what a fresh claim pushes — a new commit (of the empty tree, made
/// before the clock starts) to a new ref `refs/bench/<name>` of `probe`'s remote, expected
/// absent — (ms).
fn raw_push(probe: &Path, name: &str) -> f64 {
    let made = git(probe, &["commit-tree", "-m", name, EMPTY_TREE])
        .output()
        .expect("spawn git commit-tree");
    assert!(made.status.success(), "git commit-tree: {made:?}");
    let commit = String::from_utf8_lossy(&made.stdout).trim().to_owned();
    let to = format!("refs/bench/{name}");
    let took = run(&mut git(
        probe,
        &[
            "push",
            "-q",
            &format!("--force-with-lease={to}:"),
            "origin",
            &format!("{commit}:{to}"),
        ],
    ));
    took.as_secs_f64() * 1000.0
}

fn percentile(mut xs: Vec<f64>, p: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let at = ((xs.len() - 1) as f64 * p).round() as usize;
    xs[at.min(xs.len() - 1)]
}

/// Runs workers on `clones` until every one of `tasks` landed (or `deadline`), killing one and
/// starting it again every `kill`; the wall time and how many were killed.
fn drive(
    bench: &Bench,
    clones: &[PathBuf],
    slots: u64,
    tasks: u64,
    kill: Option<Duration>,
    bare: &Path,
) -> (Duration, u32) {
    let start = Instant::now();
    let mut workers: Vec<Child> = clones.iter().map(|c| bench.worker(c, slots)).collect();
    let mut killed = 0;
    let mut next_kill = start + kill.unwrap_or(Duration::MAX / 4);
    let deadline = start + Duration::from_secs(900);
    loop {
        let landed = landings(bare).len() as u64;
        if landed >= tasks || Instant::now() > deadline {
            break;
        }
        for (i, worker) in workers.iter_mut().enumerate() {
            // A worker that ran out of takeable work while others still held claims exits;
            // start it again so that it takes over a killed worker's tasks.
            if let Ok(Some(_)) = worker.try_wait() {
                *worker = bench.worker(&clones[i], slots);
            }
        }
        if let Some(period) = kill
            && Instant::now() >= next_kill
        {
            let i = killed as usize % workers.len();
            let _ = workers[i].kill();
            let _ = workers[i].wait();
            workers[i] = bench.worker(&clones[i], slots);
            killed += 1;
            next_kill += period;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let took = start.elapsed();
    for mut worker in workers {
        let _ = worker.kill();
        let _ = worker.wait();
    }
    (took, killed)
}

fn main() {
    for place in places() {
        measure(&place);
    }
}

/// Where the bench runs, each its own measurement: `BATON_BENCH_DIR` when set; else in memory
/// (`/dev/shm`, a tmpfs, when there is one) and then on disk (the temp directory).
///
/// Why both: the pool creates and deletes many small files (git's loose objects, ref locks,
/// the remote's quarantine directories, the slots' checkouts). On an ext4 without a journal —
/// this project's CI machine — every new inode costs a scan past the inodes deleted in the last
/// few seconds (the kernel's `find_inode_bit` / `recently_deleted`), which took a fifth of the
/// machine's CPU there. In memory, the figures are Baton's and git's own.
fn places() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os("BATON_BENCH_DIR") {
        return vec![PathBuf::from(dir)];
    }
    let shm = Path::new("/dev/shm");
    let mut places = Vec::new();
    if shm.is_dir() {
        places.push(shm.to_path_buf());
    }
    places.push(std::env::temp_dir());
    places
}

/// One measurement of the pool and of its floors with their temporary directory under `place`.
fn measure(place: &Path) {
    let clones_n = env_u64("BATON_BENCH_CLONES", 4);
    let slots = env_u64("BATON_BENCH_SLOTS", 4);
    let tasks = env_u64("BATON_BENCH_TASKS", 200);
    let sleep_ms = env_u64("BATON_BENCH_SLEEP_MS", 1000);
    let kill_secs = env_u64("BATON_BENCH_KILL_SECS", 10);
    let bench = Bench {
        dir: tempfile::tempdir_in(place).expect("temp dir"),
        sleep: format!("{:.3}", sleep_ms as f64 / 1000.0),
        poll: std::env::var("BATON_BENCH_POLL").unwrap_or_else(|_| "0.2s".to_owned()),
    };
    std::fs::write(bench.path("agent.sh"), AGENT).expect("agent");

    // One worker alone, one slot, 10 tasks: the rate the pool is compared with.
    let solo_tasks = 10;
    let solo_bare = bench.remote("solo", solo_tasks);
    let solo = bench.clone(&solo_bare, "solo-1");
    let (solo_took, _) = drive(&bench, &[solo], 1, solo_tasks, None, &solo_bare);
    let solo_rate = solo_tasks as f64 / solo_took.as_secs_f64();

    let bare = bench.remote("pool", tasks);
    let clones: Vec<PathBuf> = (1..=clones_n)
        .map(|i| bench.clone(&bare, &format!("m{i}")))
        .collect();
    let probe_clone = bench.clone(&bare, "probe");
    let probing = std::sync::atomic::AtomicBool::new(true);
    let cpu_before = support::cpu_ticks();
    let (took, killed, loaded_floor) = std::thread::scope(|scope| {
        let probe = scope.spawn(|| {
            let mut times = Vec::new();
            while probing.load(std::sync::atomic::Ordering::Relaxed) {
                times.push(raw_push(&probe_clone, &format!("loaded-{}", times.len())));
                std::thread::sleep(Duration::from_millis(500));
            }
            times
        });
        let (took, killed) = drive(
            &bench,
            &clones,
            slots,
            tasks,
            Some(Duration::from_secs(kill_secs)),
            &bare,
        );
        probing.store(false, std::sync::atomic::Ordering::Relaxed);
        (took, killed, probe.join().expect("the probe"))
    });
    let cpu_after = support::cpu_ticks();
    let counts = landings(&bare);
    let twice = counts.values().filter(|n| **n > 1).count();
    let once = counts.values().filter(|n| **n == 1).count();
    let lost = tasks as usize - counts.len();
    let rate = counts.len() as f64 / took.as_secs_f64();
    let total_slots = clones_n * slots;
    println!(
        "pool in {}: {clones_n} clones x {slots} slots over one bare remote, {tasks} tasks, a \
         stub agent sleeping {} s, one worker SIGKILLed every {kill_secs} s ({killed} kills)",
        place.display(),
        bench.sleep
    );
    println!("  tasks landed exactly once: {once}   run twice: {twice}   lost: {lost}");
    println!(
        "  pool: {rate:.2} tasks/s in {:.1} s; one worker alone: {solo_rate:.2} tasks/s",
        took.as_secs_f64()
    );
    println!(
        "  effective parallelism: {:.2} (slots {total_slots}; target >= {:.1})",
        rate / solo_rate,
        0.8 * total_slots as f64
    );
    // What the machine can do at most: its cores over the CPU time a task took (everything the
    // machine ran during the pool: Batons, git on both sides, agents, this bench).
    if let (Some((busy0, all0)), Some((busy1, all1))) = (cpu_before, cpu_after) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let busy = (busy1 - busy0) as f64 / (all1 - all0).max(1) as f64;
        let cpu_per_task = busy * cores * took.as_secs_f64() / counts.len().max(1) as f64;
        println!(
            "  CPU: {:.0}% of {cores} cores busy, {:.0} ms of CPU a task; this machine's \
             ceiling: {:.2} tasks/s = {:.2} x one worker alone",
            busy * 100.0,
            cpu_per_task * 1000.0,
            cores / cpu_per_task,
            cores / cpu_per_task / solo_rate
        );
    }

    // The floor of a claim, idle: a raw push of a new commit to a new ref of the same remote.
    let floor: Vec<f64> = (0..20)
        .map(|i| raw_push(&probe_clone, &format!("idle-{i}")))
        .collect();
    let claims = claim_times(&bare);
    let claimed = claims.len();
    println!(
        "  claim latency: p50 {:.1} ms, p99 {:.1} ms over {claimed} claims",
        percentile(claims.clone(), 0.5),
        percentile(claims, 0.99),
    );
    println!(
        "  floor, raw `git push` of a new commit to a new ref while the pool runs: p50 {:.1} ms, p99 {:.1} ms \
         over {} pushes",
        percentile(loaded_floor.clone(), 0.5),
        percentile(loaded_floor.clone(), 0.99),
        loaded_floor.len()
    );
    println!(
        "  floor, raw `git push` of a new commit to a new ref, idle: p50 {:.1} ms, p99 {:.1} ms",
        percentile(floor.clone(), 0.5),
        percentile(floor, 0.99)
    );
    if std::env::var_os("BATON_BENCH_KEEP").is_some() {
        // Kept for a look at the journal and the clones afterwards.
        println!("  kept: {}", bench.dir.keep().display());
    }
}
