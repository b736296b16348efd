//! Unit tests of the watch screen: what a frame shows and how it fits the terminal.

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
