//! The running turn and the end of the run, as the event log tells them.

use super::*;
use serde_json::json;

fn folded(lines: &[serde_json::Value]) -> EventView {
    let mut view = EventView::default();
    for line in lines {
        view.apply(line);
    }
    view
}

#[test]
fn the_running_turn_and_the_end_of_the_run_come_from_the_event_log() {
    let started = [
        json!({"kind": "run_started", "pid": 42, "mode": "combined"}),
        json!({"kind": "routed", "actor": "ralph", "iteration": 3, "prompt": "main.md"}),
        json!({"kind": "agent_started", "actor": "ralph", "iteration": 3, "agent": "stub",
               "log": "logs/main/ralph/iter-00003.log", "ts": "2026-11-21T10:00:02Z"}),
    ];
    let view = folded(&started);
    let turn = running(&view, std::path::Path::new("/ws")).expect("running");
    assert_eq!(turn.actor, crate::state::Actor::RALPH);
    assert_eq!(turn.prompt.as_deref(), Some("main.md"));
    assert_eq!(
        turn.log,
        std::path::Path::new("/ws/logs/main/ralph/iter-00003.log")
    );
    assert_eq!(turn.since, "2026-11-21T10:00:02Z");
    assert_eq!(ended(&view), None);

    let mut view = view;
    view.apply(&json!({"kind": "stamped", "actor": "ralph", "iteration": 3}));
    assert_eq!(running(&view, std::path::Path::new("/ws")), None);
    view.apply(&json!({"kind": "stopped", "why": "budget", "reason": "budget: turns 2"}));
    view.apply(&json!({"kind": "run_ended", "code": 3, "ts": "2026-11-21T11:00:00Z"}));
    assert_eq!(
        ended(&view).as_deref(),
        Some("run ended at 2026-11-21T11:00:00Z with exit 3 (budget: turns 2)")
    );
}
