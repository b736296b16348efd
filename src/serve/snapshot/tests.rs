//! The snapshot of a running turn, of no state or a broken one, and of an approval request.

use super::*;
use crate::state::{Actor, Status};
use serde_json::json;

fn entry(iteration: u64, actor: &str, prompt: &str, cost: f64) -> JournalEntry {
    serde_json::from_value(json!({
        "iteration": iteration, "actor": actor, "prompt": prompt,
        "source": "deterministic", "reason": "r", "agent": "stub",
        "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:01:00Z",
        "duration_ms": 60_000, "outcome": "ok", "exit_code": 0,
        "head_before": "a".repeat(40), "head_after": "b".repeat(40), "files_changed": 2,
        "insertions": 5, "deletions": 1, "log": "logs/x.log", "host": "h", "generation": 3,
        "usage": {"input_tokens": 100, "output_tokens": 10, "cost_usd": cost}
    }))
    .expect("journal entry")
}

#[test]
fn a_running_turn_with_its_history_sums_and_events() {
    let mut state = State {
        iteration: 2,
        expected_actor: Actor::RALPH,
        status: Status::Running(Actor::RALPH),
        last_update: Some("2026-11-21T10:02:00Z".into()),
        lease_owner: Some("h:42".into()),
        ..State::default()
    };
    state.request_stop("enough for today");
    let turns = vec![
        entry(1, "galph", "supervisor.md", 0.5),
        entry(1, "ralph", "main.md", 0.25),
        entry(2, "galph", "reviewer.md", 1.0),
    ];
    let mut summary = Summary::default();
    for t in &turns {
        summary.add(t);
    }
    let mut events = EventView::default();
    events.apply(&json!({"kind": "run_started", "pid": 9, "mode": "combined"}));
    events.apply(&json!({"kind": "agent_started", "actor": "ralph", "iteration": 2, "log": "/l"}));
    let snapshot = build(&Sources {
        workspace: "/w".into(),
        state: Ok(Some(state)),
        turns,
        turns_before: 4,
        summary,
        events,
        commit_url: Some("https://h/c/{sha}".into()),
        ..Sources::default()
    });
    let whose = snapshot.whose.as_ref().expect("whose");
    assert_eq!(
        (whose.actor.as_str(), whose.status.as_str(), whose.iteration),
        ("ralph", "running-ralph", 2)
    );
    assert_eq!(whose.since.as_deref(), Some("2026-11-21T10:02:00Z"));
    assert!(!snapshot.awaiting_approval);
    assert_eq!(snapshot.stop_flag.as_deref(), Some("enough for today"));
    assert_eq!(snapshot.turns.len(), 3);
    assert_eq!(
        snapshot.turns[2].entry.prompt, "reviewer.md",
        "oldest first"
    );
    assert_eq!(snapshot.turns[2].n, 7, "four lines before these three");
    assert_eq!(snapshot.totals.total.turns, 3);
    assert_eq!(snapshot.totals.by_actor["galph"].cost_usd, Some(1.5));
    assert_eq!(snapshot.totals.by_actor["ralph"].turns, 1);
    assert!(snapshot.events.turn.as_ref().is_some_and(|t| t.running));
    let wire = serde_json::to_value(&snapshot).expect("serializes");
    assert_eq!(wire["state"]["status"], "running-ralph");
    assert_eq!(wire["turns"][0]["head_after"], "b".repeat(40));
    assert_eq!(
        wire["turns"][0]["n"], 5,
        "the number beside the line's own fields"
    );
    assert_eq!(wire["commit_url"], "https://h/c/{sha}");
}

#[test]
fn no_state_a_broken_state_and_a_long_journal() {
    let empty = Snapshot::default();
    assert_eq!((empty.state.as_ref(), empty.whose.as_ref()), (None, None));
    let turns: Vec<_> = (1..=TURNS as u64 + 7)
        .map(|i| entry(i, "ralph", "main.md", 0.0))
        .collect();
    let broken = build(&Sources {
        state: Err("state file `sync/state.json`: line 1".into()),
        turns,
        ..Sources::default()
    });
    assert_eq!(
        broken.state_error.as_deref(),
        Some("state file `sync/state.json`: line 1")
    );
    assert_eq!(broken.turns.len(), TURNS);
    assert_eq!(broken.turns[0].entry.iteration, 8, "the newest are kept");
    assert_eq!(broken.turns[0].n, 8);
}

#[test]
fn an_awaiting_approval_state_carries_its_request() {
    let state = State {
        status: Status::AwaitingApproval,
        expected_actor: Actor::RALPH,
        approval: Some(crate::state::Approval {
            actor: Actor::RALPH,
            iteration: 1,
            prompt: Some("main.md".into()),
            requested_at: "2026-11-21T10:02:00Z".into(),
            resume_status: Status::Waiting(Actor::RALPH),
            approved_by: None,
            approved_at: None,
        }),
        ..State::default()
    };
    let snapshot = build(&Sources {
        state: Ok(Some(state)),
        ..Sources::default()
    });
    assert!(snapshot.awaiting_approval);
    let approval = snapshot.approval.expect("the request");
    assert_eq!(
        (approval["actor"].as_str(), approval["prompt"].as_str()),
        (Some("ralph"), Some("main.md"))
    );
    let approved = build(&Sources::default());
    assert!(!approved.awaiting_approval && approved.approval.is_none());
}
