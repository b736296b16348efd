use super::*;
use crate::state::Status;

fn entry(iteration: u64, actor: Actor, outcome: &str) -> JournalEntry {
    serde_json::from_value(serde_json::json!({
        "iteration": iteration, "actor": actor, "prompt": "main.md",
        "source": "deterministic", "reason": "r", "agent": "stub",
        "started_at": format!("2026-11-21T10:0{iteration}:00Z"),
        "ended_at": "2026-11-21T10:09:00Z",
        "duration_ms": 1500, "outcome": outcome, "exit_code": 0,
        "head_before": null, "head_after": null, "files_changed": 0,
        "insertions": 0, "deletions": 0, "log": "l", "host": "h", "generation": iteration
    }))
    .expect("entry")
}

fn running(actor: Actor, iteration: u64) -> Running {
    Running {
        actor,
        iteration,
        prompt: Some("main.md".to_owned()),
        agent: "stub".to_owned(),
        log: PathBuf::from(format!("logs/main/{actor}/iter-{iteration}.log")),
        since: "2026-11-21T10:00:00Z".to_owned(),
    }
}

fn snapshot(status: Status, actor: Actor, turns: Vec<JournalEntry>) -> Snapshot {
    let state = State {
        status,
        expected_actor: actor,
        last_update: Some("2026-11-21T10:00:00Z".to_owned()),
        ..State::default()
    };
    Snapshot {
        state: Some(state),
        turns,
        ..Snapshot::default()
    }
}

#[test]
fn the_first_snapshot_shows_the_turn_and_every_recent_stamp_and_nothing_unset() {
    let snap = snapshot(
        Status::Waiting(Actor::RALPH),
        Actor::RALPH,
        vec![entry(1, Actor::GALPH, "ok")],
    );
    let all = changes(None, &snap);
    assert_eq!(
        all,
        [
            Change::Stamped(Box::new(entry(1, Actor::GALPH, "ok"))),
            Change::Turn {
                actor: Actor::RALPH,
                status: "waiting-ralph".to_owned(),
                iteration: 1,
                since: Some("2026-11-21T10:00:00Z".to_owned()),
            },
        ]
    );
    assert_eq!(
        changes(Some(&snap), &snap),
        [],
        "the same read is no change"
    );
}

#[test]
fn a_new_stamp_a_started_agent_and_the_end_are_each_one_change() {
    let before = snapshot(
        Status::Running(Actor::RALPH),
        Actor::RALPH,
        vec![entry(1, Actor::GALPH, "ok")],
    );
    let mut during = before.clone();
    during.running = Some(running(Actor::RALPH, 1));
    assert_eq!(
        changes(Some(&before), &during),
        [Change::Started(running(Actor::RALPH, 1))]
    );
    let mut after = snapshot(
        Status::Failed,
        Actor::RALPH,
        vec![
            entry(1, Actor::GALPH, "ok"),
            entry(1, Actor::RALPH, "failed"),
        ],
    );
    after.ended = Some("run ended with exit 1".to_owned());
    let found = changes(Some(&during), &after);
    assert_eq!(
        found[0],
        Change::Stamped(Box::new(entry(1, Actor::RALPH, "failed")))
    );
    assert!(matches!(&found[1], Change::Turn { status, .. } if status == "failed"));
    assert_eq!(
        found[2..],
        [Change::Ended("run ended with exit 1".to_owned())]
    );
}

#[test]
fn only_stamps_not_seen_before_are_new_when_the_window_slides() {
    let old = snapshot(
        Status::Waiting(Actor::RALPH),
        Actor::RALPH,
        vec![entry(1, Actor::GALPH, "ok"), entry(1, Actor::RALPH, "ok")],
    );
    let new = snapshot(
        Status::Waiting(Actor::RALPH),
        Actor::RALPH,
        vec![entry(1, Actor::RALPH, "ok"), entry(2, Actor::GALPH, "ok")],
    );
    assert_eq!(
        changes(Some(&old), &new),
        [Change::Stamped(Box::new(entry(2, Actor::GALPH, "ok")))]
    );
}

#[test]
fn a_lease_change_counts_but_its_countdown_does_not() {
    let mut old = snapshot(Status::Running(Actor::GALPH), Actor::GALPH, vec![]);
    let mut new = old.clone();
    if let Some(s) = new.state.as_mut() {
        s.lease_owner = Some("laptop:42".to_owned());
        s.lease_expires_at = Some("2999-01-01T00:00:00Z".to_owned());
    }
    let found = changes(Some(&old), &new);
    assert!(
        matches!(&found[..], [Change::Lease(Some(text))] if text.starts_with("laptop:42, expires in")),
        "{found:?}"
    );
    old = new.clone();
    assert_eq!(changes(Some(&old), &new), []);
    if let Some(s) = new.state.as_mut() {
        s.lease_owner = None;
        s.lease_expires_at = None;
    }
    assert_eq!(changes(Some(&old), &new), [Change::Lease(None)]);
}

#[test]
fn approval_stop_budget_and_problems_show_and_clear() {
    let old = snapshot(Status::Waiting(Actor::RALPH), Actor::RALPH, vec![]);
    let mut new = old.clone();
    if let Some(s) = new.state.as_mut() {
        s.extra.insert(
            "approval".to_owned(),
            serde_json::json!({"actor": "ralph", "prompt": "main.md", "requested_at": "x"}),
        );
        s.request_stop("enough");
    }
    new.budget = vec!["turns 3 of 10".to_owned()];
    new.problem = Some("fetch failed".to_owned());
    assert_eq!(
        changes(Some(&old), &new),
        [
            Change::Approval(Some("waiting for ralph main.md".to_owned())),
            Change::Stop(Some("enough".to_owned())),
            Change::Budget(vec!["turns 3 of 10".to_owned()]),
            Change::Problem(Some("fetch failed".to_owned())),
        ]
    );
    assert_eq!(
        changes(Some(&new), &old),
        [
            Change::Approval(None),
            Change::Stop(None),
            Change::Budget(vec![]),
            Change::Problem(None),
        ]
    );
}

#[test]
fn an_approved_checkpoint_says_who_gave_it() {
    let mut state = State::default();
    state.extra.insert(
        "approval".to_owned(),
        serde_json::json!({"actor": "ralph", "approved_by": "ann@laptop"}),
    );
    assert_eq!(
        approval(&state).as_deref(),
        Some("given by ann@laptop for ralph")
    );
    assert_eq!(approval(&State::default()), None);
}

#[test]
fn a_missing_state_file_is_said_once() {
    let empty = Snapshot::default();
    assert_eq!(changes(None, &empty), [Change::NoState]);
    assert_eq!(changes(Some(&empty), &empty), []);
}

fn worker(n: u64, landing: Option<&str>) -> crate::events::WorkerRun {
    crate::events::WorkerRun {
        n,
        worker: format!("ralph-{n}"),
        task: format!("t{n}"),
        landing: landing.map(str::to_owned),
        ..crate::events::WorkerRun::default()
    }
}

#[test]
fn a_worker_is_a_change_when_it_starts_and_when_it_ends_and_the_step_when_it_moves() {
    let mut old = snapshot(Status::Running(Actor::RALPH), Actor::RALPH, vec![]);
    old.workers = vec![worker(1, None)];
    old.ended_workers = vec![worker(0, Some("landed"))];
    let first = changes(None, &old);
    assert_eq!(
        first[1..],
        [
            Change::Worker(Box::new(worker(1, None))),
            Change::Landing(Box::new(worker(0, Some("landed")))),
        ],
        "joining: the running ones and the newest ended"
    );
    let mut new = old.clone();
    new.step = Some("running ralph".to_owned());
    new.workers = vec![worker(2, None)];
    new.ended_workers = vec![
        worker(0, Some("landed")),
        worker(1, Some("conflict")),
        worker(3, Some("failed")),
    ];
    assert_eq!(
        changes(Some(&old), &new),
        [
            Change::Step("running ralph".to_owned()),
            Change::Worker(Box::new(worker(2, None))),
            Change::Landing(Box::new(worker(1, Some("conflict")))),
            Change::Worker(Box::new(worker(3, Some("failed")))),
            Change::Landing(Box::new(worker(3, Some("failed")))),
        ],
        "a worker that started and ended between two reads is both"
    );
    assert_eq!(changes(Some(&new), &new), []);
}

#[test]
fn the_pool_is_a_change_when_its_claims_change_not_when_a_lease_is_renewed() {
    use crate::observe::pool::{PoolClaim, PoolWorker};
    let claim = |task: &str, until: &str, expired: bool| PoolClaim {
        task: task.to_owned(),
        worker: "ralph-1".to_owned(),
        lease_until: until.to_owned(),
        expired,
        over: expired,
    };
    let pool = |claims: Vec<PoolClaim>| PoolView {
        remote: "origin".to_owned(),
        workers: vec![PoolWorker {
            host: "m1".to_owned(),
            pid: 42,
            start: "boot/1".to_owned(),
            names: vec!["ralph-1".to_owned()],
            slots: Some(1),
            claims,
        }],
        ..PoolView::default()
    };
    let base = snapshot(Status::Idle, Actor::GALPH, Vec::new());
    let empty = changes(None, &base);
    assert!(
        !empty.iter().any(|c| matches!(c, Change::Pool(_))),
        "no pool, no line: {empty:?}"
    );
    let held = Snapshot {
        pool: pool(vec![claim("a", "2026-11-21T10:10:00Z", false)]),
        ..base.clone()
    };
    assert_eq!(
        changes(Some(&base), &held),
        [Change::Pool(Box::new(held.pool.clone()))]
    );
    let renewed = Snapshot {
        pool: pool(vec![claim("a", "2026-11-21T10:13:20Z", false)]),
        ..base.clone()
    };
    assert_eq!(changes(Some(&held), &renewed), [], "a renewal");
    let ran_out = Snapshot {
        pool: pool(vec![claim("a", "2026-11-21T10:13:20Z", true)]),
        ..base.clone()
    };
    assert_eq!(
        changes(Some(&renewed), &ran_out).len(),
        1,
        "a lease that ran out"
    );
    let released = Snapshot {
        pool: PoolView {
            remote: "origin".to_owned(),
            ..PoolView::default()
        },
        ..base.clone()
    };
    let last = changes(Some(&ran_out), &released);
    assert_eq!(last, [Change::Pool(Box::new(released.pool.clone()))]);
    assert_eq!(
        crate::watch::lines::line(&last[0]),
        "pool: no claims on origin"
    );
    assert_eq!(
        crate::watch::lines::line(&changes(Some(&base), &held)[0]),
        "pool: 1 claim(s) on origin by 1 worker(s) (as last fetched)\n\
         pool:   m1 pid 42 (ralph-1): 1 slot, 1 claim(s)\n\
         pool:     task a by ralph-1, lease until 2026-11-21T10:10:00Z"
    );
}
