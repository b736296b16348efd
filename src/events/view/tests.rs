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

/// A worker step: ralph's turn runs two workers; `ralph-1` lands, `ralph-2` conflicts.
fn worker_step() -> Vec<Value> {
    vec![
        json!({"kind": "run_started", "pid": 7, "mode": "combined", "ts": "T0"}),
        json!({"kind": "agent_started", "actor": "galph", "iteration": 1, "agent": "stub", "log": "logs/main/galph/g.log", "ts": "T1"}),
        json!({"kind": "transcript", "text": "galph plans\n"}),
        json!({"kind": "stamped", "actor": "galph", "iteration": 1}),
        json!({"kind": "routed", "actor": "ralph", "iteration": 1, "prompt": "main.md", "reason": "main turn"}),
        json!({"kind": "worker_started", "actor": "ralph", "iteration": 1, "worker": "ralph-2", "task": "b", "branch": "baton/ralph-2/b", "ts": "T2"}),
        json!({"kind": "worker_started", "actor": "ralph", "iteration": 1, "worker": "ralph-1", "task": "a", "branch": "baton/ralph-1/a", "ts": "T2"}),
        json!({"kind": "agent_started", "worker": "ralph-1", "task": "a", "actor": "ralph", "iteration": 1, "prompt": "main.md", "agent": "stub", "log": "logs/main/ralph-1/a.log", "ts": "T3"}),
        json!({"kind": "agent_started", "worker": "ralph-2", "task": "b", "actor": "ralph", "iteration": 1, "prompt": "main.md", "agent": "stub", "log": "logs/main/ralph-2/b.log", "ts": "T3"}),
        json!({"kind": "transcript", "worker": "ralph-1", "task": "a", "text": "working on a\n"}),
        json!({"kind": "tool_call", "worker": "ralph-2", "task": "b", "name": "Bash", "arg": "ls"}),
        json!({"kind": "transcript", "worker": "ralph-2", "task": "b", "text": "→ Bash: ls\nworking on b\n\n"}),
        json!({"kind": "retry", "worker": "ralph-2", "task": "b", "actor": "ralph", "attempt": 2, "of": 3}),
    ]
}

#[test]
fn workers_run_from_their_start_to_their_landing_apart_from_the_main_turn() {
    let mut view = fold(&worker_step());
    let turn = view.turn.as_ref().expect("the main turn");
    assert_eq!(
        (turn.actor.as_str(), turn.log.as_deref(), turn.running),
        ("galph", Some("logs/main/galph/g.log"), false),
        "a worker's agent_started is not the main turn"
    );
    let names: Vec<&str> = view
        .workers
        .running
        .iter()
        .map(|w| w.worker.as_str())
        .collect();
    assert_eq!(names, ["ralph-1", "ralph-2"], "by slot");
    let one = view.workers.find("ralph-1", "a").expect("ralph-1");
    assert_eq!(
        (
            one.branch.as_deref(),
            one.agent.as_deref(),
            one.log.as_deref(),
            one.started_at.as_deref()
        ),
        (
            Some("baton/ralph-1/a"),
            Some("stub"),
            Some("logs/main/ralph-1/a.log"),
            Some("T2")
        )
    );
    assert_eq!(one.transcript, "working on a\n");
    assert_eq!(one.last_line.as_deref(), Some("working on a"));
    let two = view.workers.find("ralph-2", "b").expect("ralph-2");
    assert_eq!(two.transcript, "→ Bash: ls\nworking on b\n\n");
    assert_eq!(two.last_line.as_deref(), Some("working on b"));
    assert_eq!(two.attempt, 2);
    assert_eq!(
        two.since(13),
        Some("working on b\n\n"),
        "after `→ Bash: ls`"
    );
    assert!(
        view.recent
            .iter()
            .all(|e| e["kind"] != "transcript" && e["kind"] != "tool_call"),
        "transcripts are not activity"
    );
    assert!(
        view.recent.iter().any(|e| e["kind"] == "retry"),
        "a worker's retry is"
    );

    view.apply(&json!({"kind": "worker_ended", "actor": "ralph", "iteration": 1, "worker": "ralph-1", "task": "a", "landing": "landed", "merge": "abc", "conflicts": [], "error": null, "ts": "T4"}));
    view.apply(&json!({"kind": "worker_ended", "actor": "ralph", "iteration": 1, "worker": "ralph-2", "task": "b", "landing": "conflict", "merge": null, "conflicts": ["shared.txt"], "error": "conflict", "ts": "T5"}));
    assert!(view.workers.running.is_empty());
    let ended: Vec<(&str, Option<&str>)> = view
        .workers
        .ended
        .iter()
        .map(|w| (w.worker.as_str(), w.landing.as_deref()))
        .collect();
    assert_eq!(
        ended,
        [("ralph-1", Some("landed")), ("ralph-2", Some("conflict"))]
    );
    let two = view.workers.find("ralph-2", "b").expect("kept");
    assert_eq!(
        (two.conflicts.as_slice(), two.ended_at.as_deref()),
        (&["shared.txt".to_owned()][..], Some("T5"))
    );
    assert_eq!(
        two.transcript, "→ Bash: ls\nworking on b\n\n",
        "its transcript stays"
    );
    let json = serde_json::to_value(&view.workers).expect("json");
    assert_eq!(json["ended"][0]["merge"], "abc");
    assert!(
        json["ended"][0].get("transcript").is_none(),
        "the transcript is not in the snapshot"
    );
    assert_eq!(json["ended"][1]["transcript_bytes"], 27);
}

#[test]
fn a_worker_joined_late_a_dead_run_and_a_bounded_history_and_tail() {
    // Joined after its worker_started: the first tagged line makes it.
    let mut view = fold(&[
        json!({"kind": "run_started", "pid": 7}),
        json!({"kind": "transcript", "worker": "ralph-3", "task": "c", "actor": "ralph", "text": "half way\n", "ts": "T1"}),
        json!({"kind": "transcript", "text": "the main turn's line\n"}),
    ]);
    let three = view.workers.find("ralph-3", "c").expect("joined");
    assert_eq!(three.transcript, "half way\n");
    // A run that ends (or dies) ends its workers, with no landing.
    view.apply(&json!({"kind": "run_ended", "code": 130, "ts": "T9"}));
    assert!(view.workers.running.is_empty());
    let gone = view.workers.ended.back().expect("ended");
    assert_eq!(
        (gone.landing.as_deref(), gone.ended_at.as_deref()),
        (None, Some("T9"))
    );
    view.apply(&json!({"kind": "worker_started", "worker": "ralph-1", "task": "d"}));
    view.mark_gone();
    assert!(view.workers.running.is_empty());

    for i in 0..super::workers::ENDED * 2 {
        let task = format!("t{i}");
        view.apply(&json!({"kind": "worker_started", "worker": "ralph-10", "task": task}));
        view.apply(&json!({"kind": "worker_ended", "worker": "ralph-10", "task": task, "landing": "landed"}));
    }
    assert_eq!(view.workers.ended.len(), super::workers::ENDED);
    assert_eq!(
        view.workers.ended.back().map(|w| w.n),
        Some(2 + 2 * super::workers::ENDED as u64)
    );

    let line = format!("{}\n", "x".repeat(99));
    view.apply(&json!({"kind": "worker_started", "worker": "ralph-2", "task": "big"}));
    for _ in 0..2000 {
        view.apply(
            &json!({"kind": "transcript", "worker": "ralph-2", "task": "big", "text": line}),
        );
    }
    view.apply(&json!({"kind": "transcript", "worker": "ralph-2", "task": "big", "text": "the end\n", "truncated": true}));
    let big = view.workers.find("ralph-2", "big").expect("big");
    assert!(big.transcript.len() <= super::workers::TAIL_BYTES);
    assert!(big.transcript.starts_with('x') && big.transcript.ends_with("the end\n"));
    assert_eq!(big.transcript_bytes, 200_008);
    assert!(big.truncated);
    assert_eq!(big.since(0), None, "no longer kept");
    assert_eq!(big.since(200_000), Some("the end\n"));
}
