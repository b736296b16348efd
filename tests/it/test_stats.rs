//! `baton stats` sums the journal across its segments, counting only what agents reported;
//! `baton status` shows the total cost and the last turn's.

use serde_json::{Value, json};

use crate::common::TestEnv;

fn line(iteration: u64, actor: &str, agent: &str, outcome: &str, usage: Value) -> String {
    let mut v = json!({
        "iteration": iteration, "actor": actor,
        "prompt": if actor == "galph" { "supervisor.md" } else { "main.md" },
        "source": "deterministic", "reason": "seeded", "agent": agent,
        "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:02:00Z",
        "duration_ms": 120_000, "outcome": outcome, "exit_code": 0,
        "head_before": null, "head_after": null, "files_changed": 0, "insertions": 0,
        "deletions": 0, "log": "logs/x.log", "host": "h", "generation": iteration,
        "attempts": 1,
    });
    if !usage.is_null() {
        v["usage"] = usage;
    }
    v.to_string() + "\n"
}

#[test]
fn stats_sum_reported_usage_by_actor_prompt_agent_and_iteration() {
    let env = TestEnv::new();
    let claude = |cost: f64, input: u64| {
        json!({"input_tokens": input, "output_tokens": 10, "cached_input_tokens": null,
               "cost_usd": cost, "model": "claude-x", "session_id": "s", "tool_calls": 2})
    };
    // An archived segment (an earlier version's line: no usage at all), then the current one.
    env.write(
        "sync/journal/000001.jsonl",
        &line(1, "galph", "aider", "ok", Value::Null),
    );
    env.write(
        "sync/journal.jsonl",
        &[
            line(1, "ralph", "claude", "ok", claude(0.50, 1000)),
            line(2, "galph", "claude", "ok", claude(0.25, 500)),
            line(2, "ralph", "codex", "limited", Value::Null),
        ]
        .concat(),
    );
    env.commit_all("journal");

    let run = env.baton(&["stats", "--json"]);
    run.expect_code(0);
    let stats: Value = serde_json::from_str(&run.stdout).expect("json");
    let total = &stats["total"];
    assert_eq!(total["turns"], 4);
    assert_eq!(total["cost_usd"], 0.75);
    assert_eq!(total["cost_reported_turns"], 2);
    assert_eq!(total["input_tokens"], 1500);
    assert_eq!(total["cached_input_tokens"], Value::Null, "never reported");
    assert_eq!(total["duration_ms"], 480_000);
    assert_eq!(total["outcomes"], json!({"ok": 3, "limited": 1}));
    assert_eq!(stats["by_actor"]["ralph"]["turns"], 2);
    assert_eq!(stats["by_actor"]["galph"]["cost_usd"], 0.25);
    assert_eq!(stats["by_prompt"]["main.md"]["input_tokens"], 1000);
    assert_eq!(stats["by_agent"]["aider"]["cost_usd"], Value::Null);
    assert_eq!(stats["by_agent"]["codex"]["outcomes"]["limited"], 1);
    assert_eq!(stats["by_iteration"]["2"]["turns"], 2);

    let text = env.baton(&["stats"]);
    text.expect_code(0);
    assert!(
        text.stdout.contains("4 turns (limited 1, ok 3)"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("cost: $0.75 (2 of 4 turns reported one)"),
        "{}",
        text.stdout
    );

    let status = env.baton(&["status", "--no-fetch"]);
    status.expect_code(0);
    assert!(
        status
            .stdout
            .contains("cost:      $0.75 in total (2 of 4 turns reported one); last turn -"),
        "{}",
        status.stdout
    );
}

#[test]
fn stats_of_an_empty_journal_say_so() {
    let env = TestEnv::new();
    let run = env.baton(&["stats"]);
    run.expect_code(0);
    assert_eq!(run.stdout.trim(), "no turns in the journal yet");
}
