//! Agents' failures explained, not retried blindly: an authentication error of each preset
//! fails its turn at once with what to do; codex waiting for the network is ended and retried
//! per `agent.retries`, not waited on for hours; retry lines say which attempt of how many and
//! the real delay. Fake CLIs on `PATH` replay `tests/fixtures/agents/*` (each citing its
//! source).

use std::time::{Duration, Instant};

use crate::agent_env::{baton, fake_cli, fake_script, output, workspace_with};
use crate::common::{alive, read_pid};
use crate::event_log::{events, of_kind};

const CLAUDE_AUTH: &str = include_str!("../fixtures/agents/claude/auth.jsonl");
const CLAUDE_OK: &str = include_str!("../fixtures/agents/claude/success.jsonl");
const CODEX_AUTH: &str = include_str!("../fixtures/agents/codex/auth.jsonl");
const CODEX_OFFLINE: &str = include_str!("../fixtures/agents/codex/offline.jsonl");
const CODEX_OK: &str = include_str!("../fixtures/agents/codex/success.jsonl");
const CODEX_TRANSIENT: &str = include_str!("../fixtures/agents/codex/transient.jsonl");
const GEMINI_AUTH: &str = include_str!("../fixtures/agents/gemini/auth.txt");
const OPENCODE_AUTH: &str = include_str!("../fixtures/agents/opencode/error.jsonl");
const AIDER_AUTH: &str = include_str!("../fixtures/agents/text/aider_auth.txt");

/// The promise no agent makes (the claude fixture's final message makes the default one).
const NO_PROMISE: &str = "completion:\n  promise: <not-made>\n";

/// Each preset's authentication failure as the CLI reports it: what it prints on stdout, on
/// stderr, its exit code, and a piece of the hint Baton must give.
const AUTH_FAILURES: &[(&str, &str, &str, i32, &str)] = &[
    (
        "claude",
        CLAUDE_AUTH,
        "",
        1,
        "run `claude` once in a terminal",
    ),
    ("codex", CODEX_AUTH, "", 1, "run `codex login`"),
    ("gemini", "", GEMINI_AUTH, 41, "set GEMINI_API_KEY"),
    (
        "opencode",
        OPENCODE_AUTH,
        "",
        1,
        "run `opencode auth login`",
    ),
    // aider exits 0 after an authentication error; its default fail patterns catch it.
    ("aider", AIDER_AUTH, "", 0, "API key of aider's model"),
];

#[test]
fn an_authentication_error_fails_at_once_and_says_what_to_do() {
    for &(agent, stdout, stderr, code, hint) in AUTH_FAILURES {
        // Retries on, and slow: an authentication error must not wait for any of them.
        let env = workspace_with(agent, "  retries: 2\n  retry_backoff: 20s\n", NO_PROMISE);
        output(&env, "auth.out", stdout);
        output(&env, "auth.err", stderr);
        fake_script(
            &env,
            agent,
            &format!(
                "cat > /dev/null\ncat \"$TEST_CTL/auth.out\"\ncat \"$TEST_CTL/auth.err\" >&2\n\
                 exit {code}\n"
            ),
        );
        let started = Instant::now();
        let run = baton(&env, &["run", "--iterations", "1"]);
        run.expect_code(1);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{agent}: no retry was waited for"
        );
        let journal = env.journal();
        assert_eq!(journal.len(), 1, "{agent}: {journal:#?}");
        assert_eq!(journal[0]["outcome"], "failed");
        assert_eq!(journal[0]["attempts"], 1, "{agent}: not retried");
        let state = env.state();
        let error = state["last_error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("agent could not authenticate: "),
            "{agent}: {error}"
        );
        assert!(
            run.stderr.contains("baton: hint: ") && run.stderr.contains(hint),
            "{agent}: the hint says what to do:\n{}",
            run.stderr
        );
        assert!(
            of_kind(&events(&env), "retry").is_empty(),
            "{agent}: no retry"
        );
    }
}

/// codex offline says `Reconnecting... waiting for network` and then waits for the network with
/// no deadline of its own: Baton ends that run at once and runs the turn again after
/// `agent.retry_backoff` (here the network is back by then).
#[test]
fn codex_waiting_for_the_network_is_ended_and_the_turn_runs_again() {
    let env = workspace_with(
        "codex",
        "  retries: 1\n  retry_backoff: 200ms\n  timeout: 10m\n",
        NO_PROMISE,
    );
    output(&env, "offline.out", CODEX_OFFLINE);
    output(&env, "ok.out", CODEX_OK);
    fake_script(
        &env,
        "codex",
        "cat > /dev/null\nif [ ! -f \"$TEST_CTL/was-offline\" ]; then\n  touch \"$TEST_CTL/was-offline\"\n  \
         echo $$ > \"$TEST_CTL/offline.pid\"\n  cat \"$TEST_CTL/offline.out\"\n  sleep 600\nfi\n\
         cat \"$TEST_CTL/ok.out\"\n",
    );
    let started = Instant::now();
    let run = baton(&env, &["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "not waited on: {:?}",
        started.elapsed()
    );
    assert!(
        !alive(read_pid(&env.ctl.join("offline.pid"))),
        "the offline codex was ended"
    );
    let journal = env.journal();
    assert_eq!(journal[0]["outcome"], "ok");
    assert_eq!(journal[0]["attempts"], 2, "{journal:#?}");
    let events = events(&env);
    let retries = of_kind(&events, "retry");
    assert_eq!(retries.len(), 1, "{events:#?}");
    assert_eq!(
        retries[0]["reason"],
        "transient error: Reconnecting... waiting for network"
    );
    assert!(
        run.stderr
            .contains("Reconnecting... waiting for network: stopping it"),
        "{}",
        run.stderr
    );
}

/// Offline for good: the turn fails as a transient error once `agent.retries` are spent,
/// minutes rather than `agent.timeout`.
#[test]
fn codex_offline_for_good_fails_after_its_retries() {
    let env = workspace_with(
        "codex",
        "  retries: 1\n  retry_backoff: 200ms\n  timeout: 10m\n",
        NO_PROMISE,
    );
    output(&env, "offline.out", CODEX_OFFLINE);
    fake_script(
        &env,
        "codex",
        "cat > /dev/null\ncat \"$TEST_CTL/offline.out\"\nexec sleep 600\n",
    );
    let started = Instant::now();
    let run = baton(&env, &["run", "--iterations", "1"]);
    run.expect_code(1);
    assert!(started.elapsed() < Duration::from_secs(60));
    let journal = env.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["outcome"], "failed");
    assert_eq!(journal[0]["attempts"], 2);
    assert_eq!(
        env.state()["last_error"],
        "transient error, 2 attempt(s): Reconnecting... waiting for network"
    );
}

#[test]
fn a_retry_line_gives_the_attempt_of_how_many_and_the_real_delay() {
    let env = workspace_with(
        "codex",
        "  retries: 2\n  retry_backoff: 1500ms\n",
        NO_PROMISE,
    );
    fake_cli(&env, "codex", CODEX_TRANSIENT, 1, CODEX_OK);
    let run = baton(&env, &["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains(
            "[turn] galph: transient error: stream disconnected before completion: error \
             sending request for url (https://chatgpt.com/backend-api/codex/responses); \
             attempt 2 of 3 in 1500ms"
        ),
        "{}",
        run.stdout
    );
    let events = events(&env);
    let retry = of_kind(&events, "retry")[0];
    assert_eq!(retry["attempt"], 2);
    assert_eq!(retry["of"], 3);
    assert_eq!(retry["wait_ms"], 1500);
}

/// Claude Code's own API retries: `retry_delay_ms` has a fraction (jitter), shown to the tenth
/// of a second.
#[test]
fn claudes_api_retry_shows_its_real_delay() {
    let env = workspace_with("claude", "", NO_PROMISE);
    fake_cli(&env, "claude", CLAUDE_OK, 0, CLAUDE_OK);
    let run = baton(&env, &["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("· API retry 1/10 in 1.2s (overloaded)"),
        "{}",
        run.stdout
    );
}
