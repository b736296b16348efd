//! Budgets stop a run cleanly (exit 3) at a turn boundary, set the stop flag where every clone
//! sees it, stay stopped across restarts without running an agent, and let the run go on once
//! raised — in combined and in role mode. Counted from the journal, so restarts cannot reset
//! them.

use serde_json::json;

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, RoleEnv};

fn budget(extra: &str) -> String {
    format!("budget:\n{extra}")
}

#[test]
fn a_turn_budget_stops_cleanly_stays_stopped_and_resumes_when_raised() {
    let env = TestEnv::with_config(&budget("  max_turns: 3\n"));
    let run = env.baton(&["run", "--iterations", "5"]);
    run.expect_code(3);
    assert!(
        run.stderr
            .contains("baton: stopped: budget: turns 3 reached budget.max_turns 3"),
        "{}",
        run.stderr
    );
    assert_eq!(env.journal().len(), 3);
    let state = env.state();
    assert_eq!(state["exit"], true);
    assert!(
        state["exit_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("budget:"))
    );
    assert!(
        env.subjects()
            .last()
            .is_some_and(|s| s.starts_with("[SYNC i=2] stop: budget: turns 3")),
        "{:?}",
        env.subjects()
    );

    let calls = env.calls().len();
    let again = env.baton(&["run", "--iterations", "5"]);
    again.expect_code(3);
    assert_eq!(env.calls().len(), calls, "no agent ran");

    env.write(
        "orchestration.yaml",
        &env.stub_config(&budget("  max_turns: 5\n")),
    );
    env.commit_all("raise the budget");
    let raised = env.baton(&["run", "--iterations", "5"]);
    raised.expect_code(3);
    assert!(
        raised
            .stdout
            .contains("budget that stopped the run was raised"),
        "{}",
        raised.stdout
    );
    assert_eq!(env.journal().len(), 5, "two more turns, then the new limit");
}

#[test]
fn a_cost_budget_counts_what_agents_reported_in_the_journal() {
    let env = TestEnv::with_config(&budget("  max_cost_usd: 1.5\n"));
    let line = |i: u64, cost: f64| {
        json!({"iteration": i, "actor": "ralph", "prompt": "main.md", "source": "deterministic",
               "reason": "r", "agent": "claude", "started_at": "2026-11-21T10:00:00Z",
               "ended_at": "2026-11-21T10:01:00Z", "duration_ms": 60_000, "outcome": "ok",
               "exit_code": 0, "head_before": null, "head_after": null, "files_changed": 0,
               "insertions": 0, "deletions": 0, "log": "l", "host": "h", "generation": i,
               "usage": {"cost_usd": cost}})
        .to_string()
            + "\n"
    };
    env.write("sync/journal/000001.jsonl", &line(1, 1.0));
    env.write("sync/journal.jsonl", &line(2, 0.75));
    env.commit_all("a journal that already spent $1.75");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(3);
    assert!(
        run.stderr
            .contains("budget: cost $1.75 reached budget.max_cost_usd $1.50"),
        "{}",
        run.stderr
    );
    assert!(env.calls().is_empty(), "no agent ran");

    let since = env
        .baton_cmd(&["run", "--iterations", "1"])
        .env("BATON_BUDGET_SINCE", "2")
        .output()
        .expect("run");
    assert_eq!(
        since.status.code(),
        Some(0),
        "from iteration 2 only $0.75 was spent"
    );
}

#[test]
fn failures_in_a_row_trip_the_circuit_breaker_across_restarts() {
    let env = TestEnv::with_config(&budget("  max_consecutive_failures: 2\n"));
    env.hook("ralph", "exit 7\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(1);
    env.baton(&["run", "--iterations", "1"]).expect_code(1);
    let calls = env.calls().len();
    let tripped = env.baton(&["run", "--iterations", "1"]);
    tripped.expect_code(3);
    assert!(
        tripped.stderr.contains("failures in a row 2 reached"),
        "{}",
        tripped.stderr
    );
    assert_eq!(env.calls().len(), calls, "no agent ran");
}

#[test]
fn role_a_budget_stops_both_daemons_and_every_clone_sees_it() {
    let env = RoleEnv::with_config(&budget("  max_turns: 3\n"));
    let galph = env.galph_daemon(&[]);
    let ralph = env.ralph_daemon(&[]);
    let galph = galph.wait(DEADLINE);
    let ralph = ralph.wait(DEADLINE);
    galph.expect_code(3);
    ralph.expect_code(3);
    assert_eq!(env.remote_journal().len(), 3);
    let state = env.remote_state();
    assert!(
        state["exit_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("budget: turns 3")),
        "{state:#}"
    );
    let again = env.run_galph(&[]);
    again.expect_code(3);
    assert_eq!(
        env.remote_journal().len(),
        3,
        "no agent ran after the restart"
    );
}

/// Token and wall-time budgets stop before any agent runs once the journal reached them,
/// and stay stopped at the next start.
#[test]
fn token_and_time_budgets_stop_and_stay_stopped() {
    for (limit, expected) in [
        (
            "  max_tokens: 1000\n",
            "budget: tokens 1500 reached budget.max_tokens 1000",
        ),
        (
            "  max_duration: 2m\n",
            "budget: time 3m reached budget.max_duration 2m",
        ),
    ] {
        let env = TestEnv::with_config(&budget(limit));
        let line = json!({"iteration": 1, "actor": "ralph", "prompt": "main.md",
            "source": "deterministic", "reason": "r", "agent": "claude",
            "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:03:00Z",
            "duration_ms": 180_000, "outcome": "ok", "exit_code": 0, "head_before": null,
            "head_after": null, "files_changed": 0, "insertions": 0, "deletions": 0, "log": "l",
            "host": "h", "generation": 1,
            "usage": {"input_tokens": 1200, "output_tokens": 300}});
        env.write("sync/journal.jsonl", &format!("{line}\n"));
        env.commit_all("spent");
        for _ in 0..2 {
            let run = env.baton(&["run", "--iterations", "1"]);
            run.expect_code(3);
            assert!(run.stderr.contains(expected), "{}", run.stderr);
        }
        assert!(env.calls().is_empty(), "no agent ran");
    }
}
