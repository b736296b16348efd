//! Agents cannot steer Baton through what they print (combined mode, misbehaving stub agents):
//! text that tools print inside a turn never decides the outcome of a turn whose agent exited
//! 0 — not a quoted `connection refused`, not a `429` every turn, not a limit line with a reset
//! a day ahead — and limits an agent never gets past are capped like a stuck loop.

use crate::agent_env::{baton_cmd, fake_script, outcomes, output, workspace_with};
use crate::common::TestEnv;
use crate::event_log::{events, of_kind};
use crate::role_env::Daemon;

const CLAUDE_OK: &str = include_str!("../fixtures/agents/claude/success.jsonl");

/// A test's output as an agent quotes it: the error was the test's point.
const QUOTED_TEST: &str = "echo 'running 3 tests'\n\
    echo 'GET http://localhost:1/ -> connection refused (expected)'\n\
    echo 'test client::refused_connection_is_reported ... ok'\n\
    echo 'GET http://localhost:1/ -> connection refused (expected)'\n";

/// Runs `cmd` to its end, at most `secs` seconds (a run that loops is a failed test, not a
/// hung one).
fn finish(cmd: std::process::Command, env: &TestEnv, secs: u64) -> crate::common::Run {
    Daemon::spawn(cmd, &env.ctl).wait(secs)
}

#[test]
fn a_text_agent_that_exits_0_with_a_quoted_connection_error_did_its_turn() {
    let env = TestEnv::with_config("  retries: 2\n  retry_backoff: 100ms\n");
    // ralph commits its work, then its output ends on a test's expected error.
    env.hook(
        "ralph",
        &format!(
            "echo fixed > fixed.txt && git add fixed.txt && git commit -qm 'ralph: fix' \
             && echo committed\n{QUOTED_TEST}"
        ),
    );
    let run = finish(env.baton_cmd(&["run", "--iterations", "1"]), &env, 60);
    run.expect_code(0);
    let journal = env.journal();
    assert_eq!(journal[1]["actor"], "ralph");
    assert_eq!(journal[1]["outcome"], "ok", "{journal:#?}");
    assert_eq!(journal[1]["attempts"], 1, "not retried");
    assert!(of_kind(&events(&env), "retry").is_empty());
    assert!(env.subjects().iter().any(|s| s == "ralph: fix"));
}

/// Claude Code whose result is a success: what its stderr says (an MCP server's log, a tool's
/// leftover output) and what its tools returned change nothing.
#[test]
fn a_claude_turn_whose_result_succeeded_is_done_whatever_stderr_says() {
    let env = workspace_with(
        "claude",
        "  retries: 2\n  retry_backoff: 100ms\n",
        "completion:\n  promise: <not-made>\n",
    );
    output(&env, "ok.out", CLAUDE_OK);
    fake_script(
        &env,
        "claude",
        &format!("cat > /dev/null\ncat \"$TEST_CTL/ok.out\"\n(\n{QUOTED_TEST}) >&2\n"),
    );
    let run = finish(baton_cmd(&env, &["run", "--iterations", "1"]), &env, 60);
    run.expect_code(0);
    for entry in env.journal() {
        assert_eq!(entry["outcome"], "ok", "{entry:#}");
        assert_eq!(entry["attempts"], 1, "not retried: {entry:#}");
    }
}

/// An agent that prints a rate-limit line every turn and exits 0 did its turns: the run goes
/// through its iterations instead of waiting for ever.
#[test]
fn a_429_printed_by_a_turn_that_exited_0_is_not_a_limit() {
    let env = TestEnv::new();
    for actor in ["galph", "ralph"] {
        env.hook(
            actor,
            "echo 'Error: 429 Too Many Requests. Please retry in 2s.'\n",
        );
    }
    let run = finish(env.baton_cmd(&["run", "--iterations", "2"]), &env, 60);
    run.expect_code(0);
    assert_eq!(
        outcomes(&env),
        ["galph ok", "ralph ok", "galph ok", "ralph ok"]
    );
    assert_eq!(env.state()["iteration"], 3);
}

/// A limit line with a reset a day ahead, printed by a turn that finished: no day-long wait.
#[test]
fn a_limit_a_day_ahead_printed_by_a_finished_turn_parks_nothing() {
    let env = TestEnv::new();
    env.hook(
        "ralph",
        "echo \"You've hit your limit · resets $(date -u -d '+1 day' '+%b %-d, %-I%P') (UTC)\"\n",
    );
    let run = finish(env.baton_cmd(&["run", "--iterations", "1"]), &env, 60);
    run.expect_code(0);
    assert_eq!(outcomes(&env), ["galph ok", "ralph ok"]);
    assert_ne!(env.state()["status"], "limited");
}

/// An agent that fails with a limit every turn is limited, each time, until the cap: then the
/// run stops like a stuck loop (exit 4, `stuck:`), which `baton resume` clears.
#[test]
fn repeated_limits_of_one_actor_stop_the_run_as_stuck() {
    let env = TestEnv::new();
    env.hook(
        "galph",
        "echo 'Error: 429 Too Many Requests. Please retry in 1s.'\nexit 1\n",
    );
    let run = finish(env.baton_cmd(&["run", "--iterations", "3"]), &env, 90);
    run.expect_code(4);
    assert_eq!(outcomes(&env), vec!["galph limited"; 8], "the default cap");
    assert!(
        run.stderr
            .contains("baton: stopped: stuck: galph's turn was limited 8 time(s) in a row"),
        "{}",
        run.stderr
    );
    assert!(
        env.state()["exit_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("stuck:"))
    );
}

/// With `stuck.iterations`, limited turns count toward it.
#[test]
fn limited_turns_count_toward_stuck_iterations() {
    let env = TestEnv::with_config("stuck:\n  iterations: 2\n  escalate: reviewer.md\n");
    env.hook(
        "ralph",
        "echo 'Claude AI usage limit reached|'$(( $(date +%s) + 1 ))\nexit 1\n",
    );
    let run = finish(env.baton_cmd(&["run", "--iterations", "3"]), &env, 60);
    run.expect_code(4);
    assert_eq!(
        outcomes(&env),
        ["galph ok", "ralph limited", "ralph limited"],
        "no escalation turn for a limit: galph's prompt cannot lift it"
    );
    assert!(
        run.stderr
            .contains("stuck: ralph's turn was limited 2 time(s) in a row"),
        "{}",
        run.stderr
    );
}
