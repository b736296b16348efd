//! The redrawn screen on a terminal: a pure [`frame`] of the snapshot (the turn, its lease,
//! limit, approval and stop flag, the workflow's step, budget and totals, the last turns, one
//! row per worker, the pool's workers and claims, the running transcript's newest lines), cut
//! to the terminal's size.

use std::time::SystemTime;

use crate::journal::show::{cost, outcomes, wall};
use crate::watch::lines::{running_row, turn_row};
use crate::watch::model::{Snapshot, approval};
use crate::watch::rows;

/// How many ended workers the screen shows (the newest).
const ENDED_ROWS: usize = 4;

/// What the screen shows beside the snapshot.
pub(crate) struct Shown<'a> {
    /// What is watched.
    pub(crate) title: &'a str,
    /// The newest transcript lines, oldest first (a worker's start with its name).
    pub(crate) transcript: &'a [String],
    /// The time now, for the workers' elapsed times.
    pub(crate) now: SystemTime,
}

/// The screen's lines for `snap` (at most `height`, each at most `width` columns).
pub(crate) fn frame(
    shown: &Shown<'_>,
    snap: &Snapshot,
    width: usize,
    height: usize,
) -> Vec<String> {
    let transcript = shown.transcript;
    let mut out = vec![
        format!("baton watch: {}  (q quits)", shown.title),
        String::new(),
    ];
    let mut field = |name: &str, value: String| out.push(format!("{name:<9} {value}"));
    match &snap.state {
        None => field("turn", "no state file yet".to_owned()),
        Some(s) => {
            field(
                "turn",
                format!(
                    "{} ({}, iteration {}) since {}",
                    s.expected_actor,
                    s.status,
                    s.iteration,
                    s.last_update.as_deref().unwrap_or("-")
                ),
            );
            if let Some(lease) = s.lease_text() {
                field("lease", lease);
            }
            if let Some(limit) = crate::modes::describe_limit(s) {
                field("limit", limit);
            }
            if let Some(what) = approval(s) {
                field("approval", what);
            }
            if let Some(reason) = s.stop_requested() {
                field("stop", format!("requested ({reason})"));
            }
        }
    }
    if let Some(step) = &snap.step {
        field("step", step.clone());
    }
    if !snap.budget.is_empty() {
        field("budget", snap.budget.join(", "));
    }
    let t = &snap.totals;
    if t.turns > 0 {
        field(
            "total",
            format!(
                "{} turns ({}), {}, {}",
                t.turns,
                outcomes(t),
                cost(t.cost_usd),
                wall(t.duration_ms)
            ),
        );
    }
    if let Some(ended) = &snap.ended {
        field("ended", ended.clone());
    }
    if let Some(problem) = &snap.problem {
        field("problem", problem.clone());
    }
    out.push(String::new());
    out.push("last turns".to_owned());
    if snap.turns.is_empty() {
        out.push("  none yet".to_owned());
    }
    out.extend(
        snap.turns
            .iter()
            .rev()
            .map(|t| format!("  {}", turn_row(t))),
    );
    workers(snap, shown.now, &mut out);
    let pool = crate::observe::pool::lines(&snap.pool);
    if let Some((summary, rows)) = pool.split_first() {
        out.push(String::new());
        out.push(format!("pool: {summary}"));
        out.extend(rows.iter().map(|l| printable(l)));
    }
    out.push(String::new());
    match (&snap.running, &snap.elsewhere) {
        (Some(r), _) => out.push(format!("running: {}", running_row(r))),
        (None, Some(elsewhere)) => out.push(format!("agent: {elsewhere}")),
        (None, None) if !snap.workers.is_empty() => out.push(format!(
            "running: {} worker(s), each line with its name",
            snap.workers.len()
        )),
        (None, None) => out.push("no agent running".to_owned()),
    }
    let room = height.saturating_sub(out.len());
    let skip = transcript.len().saturating_sub(room);
    out.extend(
        transcript[skip..]
            .iter()
            .map(|l| format!("| {}", printable(l))),
    );
    out.truncate(height);
    out.iter().map(|l| fit(l, width)).collect()
}

/// The workers' rows, when there are any: each running one, then the newest ended ones with
/// their landing.
fn workers(snap: &Snapshot, now: SystemTime, out: &mut Vec<String>) {
    if snap.workers.is_empty() && snap.ended_workers.is_empty() {
        return;
    }
    out.push(String::new());
    out.push(format!("workers ({} running)", snap.workers.len()));
    for worker in &snap.workers {
        out.push(format!("  {}", printable(&rows::running(worker, now))));
    }
    let skip = snap.ended_workers.len().saturating_sub(ENDED_ROWS);
    for worker in &snap.ended_workers[skip..] {
        out.push(format!("  {}", printable(&rows::landing(worker))));
    }
}

/// `line` without control characters (an agent's own colour codes would garble the screen).
fn printable(line: &str) -> String {
    line.replace('\t', "    ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `line` cut to `width` visible columns; colour sequences (`ESC [ … m`) take none, and a cut
/// inside a coloured stretch ends with a reset.
fn fit(line: &str, width: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut coloured = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            coloured = true;
            out.push(c);
            for next in chars.by_ref() {
                out.push(next);
                if next == 'm' {
                    break;
                }
            }
            continue;
        }
        if shown == width {
            if coloured {
                out.push_str("\x1b[0m");
            }
            break;
        }
        out.push(c);
        shown += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{State, Status};

    #[test]
    fn the_frame_fits_the_terminal_and_keeps_the_newest_transcript_lines() {
        let snap = Snapshot {
            state: Some(State {
                status: Status::Running(crate::state::Actor::RALPH),
                ..State::default()
            }),
            budget: vec!["turns 3 of 10".to_owned()],
            ..Snapshot::default()
        };
        let transcript: Vec<String> = (1..=50).map(|i| format!("line {i}\tend")).collect();
        let shown = Shown {
            title: "workspace /ws",
            transcript: &transcript,
            now: SystemTime::now(),
        };
        let lines = frame(&shown, &snap, 30, 14);
        assert_eq!(lines.len(), 14);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:#?}");
        assert_eq!(lines[0], "baton watch: workspace /ws  (q");
        assert!(
            lines[13].starts_with("| line 50"),
            "the newest line is last"
        );
        assert!(
            lines[2].starts_with("turn      galph (running-ralph"),
            "{lines:#?}"
        );
        assert_eq!(lines[3], "budget    turns 3 of 10");
        assert!(lines.iter().any(|l| l == "no agent running"), "{lines:#?}");
        let elsewhere = Snapshot {
            elsewhere: Some("runs on box:7 (the lease holder)".to_owned()),
            ..snap
        };
        let shown = Shown {
            title: "origin/main",
            transcript: &[],
            now: SystemTime::now(),
        };
        let lines = frame(&shown, &elsewhere, 80, 14);
        assert!(
            lines
                .iter()
                .any(|l| l == "agent: runs on box:7 (the lease holder)")
                && !lines.iter().any(|l| l == "no agent running"),
            "{lines:#?}"
        );
    }

    #[test]
    fn the_step_and_one_row_per_worker_then_the_newest_landings() {
        use crate::events::WorkerRun;
        let worker = |n: u64, landing: Option<&str>| WorkerRun {
            n,
            worker: format!("ralph-{n}"),
            task: format!("t{n}"),
            started_at: Some("2026-11-21T10:00:00Z".to_owned()),
            ended_at: landing.map(|_| "2026-11-21T10:00:05Z".to_owned()),
            landing: landing.map(str::to_owned),
            last_line: Some("compiling\u{1b}[0m".to_owned()),
            attempt: 1,
            ..WorkerRun::default()
        };
        let snap = Snapshot {
            state: Some(State::default()),
            step: Some("running ralph".to_owned()),
            workers: vec![worker(1, None), worker(2, None)],
            ended_workers: (3..9).map(|n| worker(n, Some("landed"))).collect(),
            ..Snapshot::default()
        };
        let shown = Shown {
            title: "workspace /ws",
            transcript: &[],
            now: humantime::parse_rfc3339("2026-11-21T10:00:12Z").expect("time"),
        };
        let lines = frame(&shown, &snap, 80, 40);
        let at = lines
            .iter()
            .position(|l| l == "workers (2 running)")
            .expect("the workers' rows");
        assert_eq!(
            lines[at + 1..at + 4],
            [
                "  ralph-1  task t1  12s  compiling [0m",
                "  ralph-2  task t2  12s  compiling [0m",
                "  ralph-5  task t5  landed after 5s",
            ],
            "{lines:#?}"
        );
        assert_eq!(lines[at + 6], "  ralph-8  task t8  landed after 5s");
        assert!(
            lines.contains(&"step      running ralph".to_owned()),
            "{lines:#?}"
        );
    }

    #[test]
    fn the_pool_follows_the_workers_one_row_per_worker_process_and_claim() {
        use crate::observe::pool::{NoClaim, PoolClaim, PoolWorker};
        let snap = Snapshot {
            pool: crate::observe::PoolView {
                remote: "origin".to_owned(),
                workers: vec![PoolWorker {
                    host: "m1".to_owned(),
                    pid: 42,
                    start: "boot/1".to_owned(),
                    names: vec!["ralph-1".to_owned()],
                    slots: Some(4),
                    claims: vec![PoolClaim {
                        task: "a".to_owned(),
                        worker: "ralph-1".to_owned(),
                        lease_until: "2026-11-21T10:10:00Z".to_owned(),
                        expired: false,
                        over: false,
                    }],
                }],
                no_claim: vec![NoClaim {
                    task: "junk".to_owned(),
                    why: "not a claim commit".to_owned(),
                }],
                checked_at: Some("2026-11-21T10:00:00Z".to_owned()),
                problem: None,
            },
            ..Snapshot::default()
        };
        let shown = Shown {
            title: "origin/main",
            transcript: &[],
            now: SystemTime::now(),
        };
        let lines = frame(&shown, &snap, 100, 40);
        let at = lines
            .iter()
            .position(|l| l == "pool: 2 claim(s) on origin by 1 worker(s)")
            .expect("the pool's rows");
        assert_eq!(
            lines[at + 1..at + 4],
            [
                "  m1 pid 42 (ralph-1): 4 slots, 1 claim(s)",
                "    task a by ralph-1, lease until 2026-11-21T10:10:00Z",
                "  task junk: its claim ref holds no claim (counts as over): not a claim commit",
            ],
            "{lines:#?}"
        );
    }

    #[test]
    fn colour_takes_no_columns_and_a_cut_resets_it() {
        assert_eq!(
            fit("\x1b[32mok\x1b[0m done", 4),
            "\x1b[32mok\x1b[0m d\x1b[0m"
        );
        assert_eq!(fit("short", 10), "short");
    }
}
