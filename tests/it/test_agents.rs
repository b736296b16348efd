//! Agents Baton understands: fake `claude` / `codex` CLIs on PATH replay output
//! derived from the real CLIs' sources (`tests/fixtures/agents/*`, each citing its source).
//! A transcript instead of raw JSON, receipts in the journal and in `baton stats`, an error
//! reported on exit 0, a usage limit that waits and reruns the same turn, transient retries,
//! stalls, text-agent fail patterns and the `limited` notification.

use serde_json::Value;

use crate::agent_env::{baton, fake_cli, now_secs, workspace};
use crate::common::TestEnv;
use crate::event_log::{events, of_kind};

const CLAUDE_OK: &str = include_str!("../fixtures/agents/claude/success.jsonl");
const CLAUDE_ERROR: &str = include_str!("../fixtures/agents/claude/error.jsonl");
const CLAUDE_LIMIT: &str = include_str!("../fixtures/agents/claude/limit_legacy.jsonl");
const CODEX_OK: &str = include_str!("../fixtures/agents/codex/success.jsonl");
const CODEX_LIMIT: &str = include_str!("../fixtures/agents/codex/limit.jsonl");
const CODEX_TRANSIENT: &str = include_str!("../fixtures/agents/codex/transient.jsonl");

#[test]
fn a_claude_stream_is_a_readable_transcript_with_receipts() {
    let env = workspace("claude", "");
    fake_cli(&env, "claude", CLAUDE_OK, 0, CLAUDE_OK);
    let run = baton(&env, &["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("→ "),
        "tool calls shown: {}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("\"type\":"),
        "no raw JSON: {}",
        run.stdout
    );
    let journal = env.journal();
    assert_eq!(journal.len(), 2);
    let first = &journal[0];
    assert_eq!(first["usage"]["cost_usd"], 0.086_123_5);
    assert!(first["usage"]["input_tokens"].as_u64().is_some());
    assert!(first["usage"]["session_id"].is_string());
    assert_eq!(first["attempts"], 1);
    let log = env.path(first["log"].as_str().expect("log"));
    let text = std::fs::read_to_string(&log).expect("turn log");
    assert!(text.contains("→ ") && !text.contains("\"type\":"), "{text}");
    let raw = std::fs::read_to_string(format!("{}.jsonl", log.display())).expect("raw stream");
    assert_eq!(raw, CLAUDE_OK, "the raw stream is kept beside the log");
    // The event log has the tool calls as structured events, each before the transcript
    // piece that shows it.
    let events = events(&env);
    let calls: Vec<&str> = of_kind(&events, "tool_call")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(
        calls,
        ["Bash", "Read", "Edit", "Bash", "Read", "Edit"],
        "two turns"
    );
    let first_call = events.iter().position(|e| e["kind"] == "tool_call");
    let shown = events.iter().position(|e| {
        e["kind"] == "transcript" && e["text"].as_str().is_some_and(|t| t.contains("→ Bash"))
    });
    assert!(first_call < shown, "{events:#?}");

    let stats = baton(&env, &["stats", "--json"]);
    let stats: Value = serde_json::from_str(&stats.stdout).expect("json");
    assert_eq!(stats["total"]["cost_usd"], 0.172_247);
    assert_eq!(stats["by_agent"]["claude"]["turns"], 2);
}

#[test]
fn an_agent_that_exits_0_but_reports_an_error_fails_its_turn() {
    let env = workspace("claude", "");
    fake_cli(&env, "claude", CLAUDE_ERROR, 0, CLAUDE_ERROR);
    let run = baton(&env, &["run", "--iterations", "1"]);
    run.expect_code(1);
    let state = env.state();
    assert_eq!(state["status"], "failed");
    assert!(
        state["last_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("agent reported an error")),
        "{state:#}"
    );
    assert_eq!(env.journal()[0]["outcome"], "failed");
}

/// Waits out a limit a few seconds ahead, reruns the same turn, and does not consume the
/// iteration.
fn limit_then_ok(agent: &str, limited: &str, ok: &str) {
    let notify = "notify:\n  command: [sh, -c, 'echo \"$BATON_EVENT $BATON_ACTOR\" >> \"$TEST_CTL/notified\"']\n";
    let env = workspace(agent, notify);
    fake_cli(&env, agent, limited, 1, ok);
    let run = baton(&env, &["run", "--iterations", "1"]);
    run.expect_code(0);
    let journal = env.journal();
    let outcomes: Vec<&str> = journal
        .iter()
        .map(|e| e["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(outcomes, ["limited", "ok", "ok"], "{journal:#?}");
    assert_eq!(journal[0]["actor"], "galph");
    assert_eq!(journal[1]["actor"], "galph", "the same turn ran again");
    assert!(journal[0]["retry_at"].is_string());
    assert_eq!(env.state()["iteration"], 2, "one iteration, not two");
    assert!(
        run.stderr.contains("galph waits for its usage limit until"),
        "{}",
        run.stderr
    );
    let notified = std::fs::read_to_string(env.ctl.join("notified")).unwrap_or_default();
    assert_eq!(notified.trim(), "limited galph");
    let events = events(&env);
    let limited = of_kind(&events, "stamped")[0];
    assert_eq!(limited["outcome"], "limited");
    assert!(limited["retry_at"].is_string(), "{limited}");
    assert_eq!(limited["status"], "limited");
    assert!(
        of_kind(&events, "heartbeat").iter().any(|e| e["detail"]
            .as_str()
            .is_some_and(|d| d.contains("usage limit"))),
        "the wait beats with its reason: {events:#?}"
    );
}

#[test]
fn a_claude_usage_limit_waits_and_reruns_the_same_turn() {
    let limited = CLAUDE_LIMIT.replace("1763778000", &(now_secs() + 3).to_string());
    limit_then_ok("claude", &limited, CLAUDE_OK);
}

#[test]
fn a_codex_usage_limit_waits_and_reruns_the_same_turn() {
    let limited = CODEX_LIMIT.replace("try again at 4:20 PM.", "try again in 3 seconds.");
    limit_then_ok("codex", &limited, CODEX_OK);
}

#[test]
fn a_transient_error_is_retried_and_the_attempts_journalled() {
    let env = workspace("codex", "");
    fake_cli(&env, "codex", CODEX_TRANSIENT, 1, CODEX_OK);
    baton(&env, &["run", "--iterations", "1"]).expect_code(0);
    let journal = env.journal();
    assert_eq!(journal[0]["outcome"], "ok");
    assert_eq!(journal[0]["attempts"], 2);
    assert_eq!(journal[1]["attempts"], 1);
    let events = events(&env);
    let retries = of_kind(&events, "retry");
    assert_eq!(retries.len(), 1, "{events:#?}");
    assert_eq!(retries[0]["actor"], "galph");
}

#[test]
fn a_silent_agent_stalls_but_one_that_writes_files_does_not() {
    let agent = |name: &str, body: &str| format!("    {name}: [sh, -c, '{body}']\n");
    let env = TestEnv::bare();
    env.write(
        "orchestration.yaml",
        &format!(
            "agent:\n  default: quiet\n  heartbeat: 0\n  idle_timeout: 1s\n  retry_backoff: 100ms\n  roles:\n    galph: busy\n  commands:\n{}{}",
            agent("quiet", "cat > /dev/null; sleep 30"),
            agent(
                "busy",
                "cat > /dev/null; for i in 1 2 3 4 5 6; do sleep 0.4; echo $i > reports/tick; done"
            ),
        ),
    );
    env.write("reports/.keep", "");
    env.commit_all("init");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(1);
    let journal = env.journal();
    assert_eq!(journal[0]["outcome"], "ok", "galph wrote files silently");
    assert_eq!(journal[1]["outcome"], "stalled");
    assert_eq!(journal[1]["attempts"], 2, "a stall is run once more");
    assert!(
        env.state()["last_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("stalled")),
    );
}

#[test]
fn a_text_agent_whose_output_matches_a_fail_pattern_fails_despite_exit_0() {
    let env = TestEnv::bare();
    env.write(
        "orchestration.yaml",
        "agent:\n  default: fake-aider\n  heartbeat: 0\n  fail_patterns: ['^make: \\*\\*\\*']\n  commands:\n    fake-aider: [sh, -c, 'cat > /dev/null; echo \"make: *** [all] Error 2\"; exit 0']\n",
    );
    env.commit_all("init");
    env.baton(&["run", "--iterations", "1"]).expect_code(1);
    let state = env.state();
    assert!(
        state["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("agent.fail_patterns") && e.contains("make: ***")),
        "{state:#}"
    );
}

#[test]
fn a_usage_limit_runs_the_next_agent_of_the_fallback_chain() {
    let env = workspace("claude", "  fallbacks: { claude: [codex] }\n");
    // Both fake CLIs in one directory: claude is always limited, codex always answers.
    let limited = CLAUDE_LIMIT.replace("1763778000", &(now_secs() + 3600).to_string());
    for (name, out) in [("claude", limited.as_str()), ("codex", CODEX_OK)] {
        std::fs::write(env.ctl.join(format!("{name}.out")), out).expect("write");
        let script = format!("#!/bin/sh\ncat > /dev/null\ncat \"$TEST_CTL/{name}.out\"\n");
        crate::common::write_script(&env.ctl.join("bin"), name, &script);
    }
    let run = baton(&env, &["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("running codex instead"),
        "{}",
        run.stdout
    );
    for entry in env.journal() {
        assert_eq!(entry["outcome"], "ok");
        assert_eq!(entry["agent"], "codex");
        assert_eq!(entry["attempts"], 2);
    }
    let events = events(&env);
    let fallbacks = of_kind(&events, "fallback");
    assert_eq!(fallbacks.len(), 2, "one a turn: {events:#?}");
    assert_eq!(fallbacks[0]["from"], "claude");
    assert_eq!(fallbacks[0]["to"], "codex");
}

/// Role mode: the limited state is pushed, so the peer and `baton status` on any clone show
/// the countdown; then the same turn runs again and the run goes on.
#[test]
fn role_a_usage_limit_is_pushed_and_the_same_turn_runs_again() {
    use crate::role_env::{DEADLINE, RoleEnv};
    let env = RoleEnv::new();
    env.seed.hook(
        "galph",
        "if [ ! -f \"$TEST_CTL/limited-once\" ]; then touch \"$TEST_CTL/limited-once\"; \
         echo \"Claude AI usage limit reached|$(( $(date +%s) + 8 ))\"; exit 1; fi\n",
    );
    let mut galph = env.galph_daemon(&["--iterations", "1"]);
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    env.wait_remote_status(&mut galph, "limited");
    // A third clone, as a person's laptop: it only fetches.
    let laptop = env.another_clone("laptop");
    let status = env.run_in(&laptop, &["status"]);
    assert!(
        status
            .stdout
            .contains("galph waits for its usage limit until"),
        "{}\n{}",
        status.stdout,
        status.stderr
    );
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    let outcomes: Vec<String> = env
        .remote_journal()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["actor"].as_str().unwrap_or(""),
                e["outcome"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(outcomes, ["galph limited", "galph ok", "ralph ok"]);
}

/// `baton stop` during a usage-limit wait ends the wait at once (the stop is taken at the
/// boundary).
#[test]
fn a_stop_request_ends_a_usage_limit_wait() {
    let env = TestEnv::new();
    env.hook(
        "galph",
        "echo \"Claude AI usage limit reached|$(( $(date +%s) + 600 ))\"\nexit 1\n",
    );
    let mut baton = env
        .baton_cmd(&["run", "--iterations", "1"])
        .spawn()
        .expect("spawn");
    crate::common::wait_for(30, "the limited state", || {
        env.read("sync/state.json")
            .contains("\"status\": \"limited\"")
    });
    env.baton(&["stop", "--reason", "not tonight"])
        .expect_code(0);
    let status = baton.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    assert_eq!(env.state()["exit_reason"], "not tonight");
}
