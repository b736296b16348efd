//! Folding the event log: a turn from its start to its stamp, a new run, answers, and a
//! bounded, quiet activity list.

use super::*;
use serde_json::json;

fn fold(lines: &[Value]) -> EventView {
    let mut view = EventView::default();
    for line in lines {
        view.apply(line);
    }
    view
}

#[test]
fn a_turn_runs_from_agent_started_to_its_stamp() {
    let started = [
        json!({"kind": "run_started", "pid": 7, "mode": "combined", "actor": null, "host": "h", "ts": "T0"}),
        json!({"kind": "turn_claimed", "actor": "galph", "iteration": 1}),
        json!({"kind": "routed", "actor": "galph", "iteration": 1, "prompt": "supervisor.md", "source": "deterministic", "reason": "first"}),
        json!({"kind": "agent_started", "actor": "galph", "iteration": 1, "agent": "stub", "log": "/w/logs/x.log", "ts": "T1"}),
    ];
    let view = fold(&started);
    let run = view.run.as_ref().expect("run");
    assert_eq!(
        (run.pid, run.mode.as_deref(), run.ended),
        (Some(7), Some("combined"), None)
    );
    let turn = view.turn.as_ref().expect("turn");
    assert!(turn.running);
    assert_eq!(turn.prompt.as_deref(), Some("supervisor.md"));
    assert_eq!(turn.log.as_deref(), Some("/w/logs/x.log"));
    assert_eq!(turn.started_at.as_deref(), Some("T1"));

    let mut view = view;
    view.apply(&json!({"kind": "approval_requested", "actor": "ralph"}));
    assert!(
        view.turn.as_ref().is_some_and(|t| t.running),
        "unknown kinds change nothing"
    );
    view.apply(&json!({"kind": "stamped", "actor": "ralph", "iteration": 1}));
    assert!(
        view.turn.as_ref().is_some_and(|t| t.running),
        "another turn's stamp"
    );
    view.apply(&json!({"kind": "approval_decided", "actor": "ralph", "iteration": 1, "approved": false, "by": "ann@l", "note": "tests first", "ts": "T2"}));
    let decided = view.decided.back().expect("the answer");
    assert_eq!(
        (
            decided.actor.as_str(),
            decided.approved,
            decided.note.as_deref(),
            decided.at.as_deref()
        ),
        ("ralph", false, Some("tests first"), Some("T2"))
    );
    view.apply(&json!({"kind": "stamped", "actor": "galph", "iteration": 1, "outcome": "ok"}));
    let turn = view.turn.as_ref().expect("the finished turn stays");
    assert!(!turn.running);
    view.apply(&json!({"kind": "stopped", "why": "budget", "reason": "budget: turns 2"}));
    view.apply(&json!({"kind": "run_ended", "code": 3, "ts": "T9"}));
    let run = view.run.as_ref().expect("run");
    assert_eq!((run.ended, run.ended_at.as_deref()), (Some(3), Some("T9")));
    assert_eq!(
        view.stopped.as_ref().map(|s| s.why.as_str()),
        Some("budget")
    );
    assert_eq!(view.recent.len(), 10);
}

#[test]
fn a_new_run_clears_the_old_one_and_the_activity_list_is_bounded_and_quiet() {
    let mut view = fold(&[
        json!({"kind": "run_started", "pid": 1}),
        json!({"kind": "waiting", "actor": "ralph", "ts": "T"}),
        json!({"kind": "stopped", "why": "flag", "reason": "r"}),
    ]);
    assert_eq!(
        view.waiting.as_ref().map(|w| w.actor.as_str()),
        Some("ralph")
    );
    view.apply(&json!({"kind": "run_started", "pid": 2}));
    assert_eq!((view.waiting.as_ref(), view.stopped.as_ref()), (None, None));
    view.apply(&json!({"kind": "heartbeat", "waited_secs": 10}));
    view.apply(&json!({"kind": "heartbeat", "waited_secs": 20}));
    view.apply(&json!({"kind": "transcript", "text": "agent output\n"}));
    view.apply(&json!({"kind": "tool_call", "name": "Bash", "arg": "ls"}));
    assert_eq!(view.recent.len(), 5, "four events, then one heartbeat");
    assert_eq!(view.recent[4]["waited_secs"], 20);
    for i in 0..RECENT * 2 {
        view.apply(&json!({"kind": "some_new_kind", "n": i}));
    }
    assert_eq!(view.recent.len(), RECENT);
    view.apply(&json!({"no kind": true}));
    assert_eq!(
        view.recent.len(),
        RECENT,
        "a line without a kind is skipped"
    );
    view.apply(&json!({"kind": "agent_started", "actor": "ralph", "iteration": 2}));
    view.mark_gone();
    assert!(view.turn.as_ref().is_some_and(|t| !t.running));
}
