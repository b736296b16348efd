//! The verdict over what agents print: plain text never decides a run that exited 0; the
//! agent's own structured result does; an authentication error is never retried.

use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::agent::output::{Adapter, Clock};

/// A config with default settings and no `agent.fail_patterns`.
fn config() -> Config {
    let mut config = Config::defaults(Path::new("/workspace"));
    config.agent.fail_patterns.clear();
    config
}

fn agent(name: &str, format: Format) -> AgentChoice {
    AgentChoice {
        name: name.to_owned(),
        argv: vec![name.to_owned()],
        rule: "agent.default".to_owned(),
        format,
    }
}

/// A run of an agent speaking `format` that printed `stdout` and `stderr` and ended with
/// `exit_code` (the report built as the executor builds it).
fn run(format: Format, stdout: &str, stderr: &str, exit_code: i32) -> RunResult {
    let clock = Clock::fixed(1_763_780_400, "UTC");
    let mut adapter = Adapter::with_clock(format, clock.clone());
    for line in stdout.lines() {
        adapter.line(line);
    }
    let mut report = adapter.finish();
    let last: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = last[last.len().saturating_sub(5)..].join("\n");
    report.read_printed(&last, &clock);
    RunResult {
        outcome: if exit_code == 0 {
            RunOutcome::Ok
        } else {
            RunOutcome::Failed
        },
        exit_code: Some(exit_code),
        signal: None,
        interrupted_by: None,
        duration: Duration::ZERO,
        stdout: None,
        report,
    }
}

/// Lines an agent's tools print inside a turn: what makes Baton wait, retry or fail when the
/// agent itself says it.
const DANGEROUS: &[&str] = &[
    "GET http://localhost:1/ -> connection refused (expected)",
    "Error: 429 Too Many Requests. Please retry in 2s.",
    "You've hit your limit · resets 4:20am (Europe/Warsaw)",
    "Claude AI usage limit reached|1763790000",
    "API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}",
    "Not logged in · Please run /login",
    "litellm.AuthenticationError: AnthropicException - invalid x-api-key",
    "Please set an Auth method in your settings.json",
    "Service Unavailable",
    "stream disconnected before completion",
];

proptest! {
    /// Whatever a text agent and its tools print, on stdout or stderr, a run that exited 0 is
    /// done.
    #[test]
    fn printed_text_never_decides_a_run_that_exited_0(
        lines in proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(DANGEROUS).prop_map(str::to_owned),
                "[ -~]{0,60}",
            ],
            0..12,
        ),
        split in 0usize..12,
    ) {
        let split = split.min(lines.len());
        let (out, err) = lines.split_at(split);
        let result = run(Format::Text, &out.join("\n"), &err.join("\n"), 0);
        let verdict = judge(&result, &config(), &agent("aider", Format::Text));
        prop_assert!(matches!(verdict, Verdict::Done), "{verdict:?} for {lines:?}");
        // A structured agent whose result succeeded: stderr and stray lines change nothing.
        let claude = format!(
            "{}\n{{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"done\"}}",
            out.join("\n")
        );
        let result = run(Format::ClaudeStreamJson, &claude, &err.join("\n"), 0);
        let verdict = judge(&result, &config(), &agent("claude", Format::ClaudeStreamJson));
        prop_assert!(matches!(verdict, Verdict::Done), "{verdict:?} for {lines:?}");
    }
}

#[test]
fn printed_text_decides_a_run_that_failed() {
    let text = agent("aider", Format::Text);
    let judge_text = |line: &str| judge(&run(Format::Text, line, "", 1), &config(), &text);
    assert!(matches!(
        judge_text("Error: 429 Too Many Requests. Please retry in 2s."),
        Verdict::Limit { .. }
    ));
    assert!(matches!(
        judge_text("GET http://localhost:1/ -> connection refused"),
        Verdict::Retry(Retryable::Transient(_))
    ));
    match judge_text("litellm.AuthenticationError: AnthropicException - invalid x-api-key") {
        Verdict::Fail(TurnFailure::Auth { hint, .. }) => assert!(hint.contains("aider's model")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        judge_text("FAILED: 3 tests"),
        Verdict::Fail(TurnFailure::AgentExited(1))
    ));
}

#[test]
fn a_structured_result_decides_even_after_exit_0() {
    const LIMIT: &str = include_str!("../../../tests/fixtures/agents/claude/limit.jsonl");
    const AUTH: &str = include_str!("../../../tests/fixtures/agents/claude/auth.jsonl");
    const ERROR: &str = include_str!("../../../tests/fixtures/agents/claude/error.jsonl");
    let claude = agent("claude", Format::ClaudeStreamJson);
    let judged = |stdout: &str| {
        judge(
            &run(Format::ClaudeStreamJson, stdout, "", 0),
            &config(),
            &claude,
        )
    };
    // Claude Code reports API errors, a usage limit among them, with `is_error` and exit 0.
    assert!(matches!(judged(LIMIT), Verdict::Limit { .. }));
    match judged(AUTH) {
        Verdict::Fail(TurnFailure::Auth { message, hint }) => {
            assert_eq!(message, "Not logged in · Please run /login");
            assert!(hint.contains("run `claude` once"), "{hint}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        judged(ERROR),
        Verdict::Fail(TurnFailure::Reported(_))
    ));
}

#[test]
fn a_fail_pattern_that_names_an_authentication_error_says_how_to_log_in() {
    let mut config = config();
    config.agent.fail_patterns = vec![r"AuthenticationError".to_owned()];
    const AIDER_AUTH: &str = include_str!("../../../tests/fixtures/agents/text/aider_auth.txt");
    let result = run(Format::Text, AIDER_AUTH, "", 0);
    match judge(&result, &config, &agent("aider", Format::Text)) {
        Verdict::Fail(TurnFailure::Auth { message, hint }) => {
            assert!(
                message.starts_with("litellm.AuthenticationError"),
                "{message}"
            );
            assert!(hint.contains("API key of aider's model"), "{hint}");
        }
        other => panic!("{other:?}"),
    }
    let result = run(Format::Text, "make: *** [all] Error 2", "", 0);
    config.agent.fail_patterns = vec![r"^make: \*\*\*".to_owned()];
    assert!(matches!(
        judge(&result, &config, &agent("aider", Format::Text)),
        Verdict::Fail(TurnFailure::Pattern(_))
    ));
}

#[test]
fn retries_count_runs_of_how_many() {
    let mut config = config();
    config.agent.retries = 2;
    let transient = Retryable::Transient("overloaded".to_owned());
    assert_eq!(max_runs(&transient, &config), 3);
    assert_eq!(max_runs(&Retryable::Stalled(None), &config), 2);
    config.agent.retries = 0;
    assert_eq!(max_runs(&Retryable::Stalled(None), &config), 1);
    assert_eq!(transient.to_string(), "transient error: overloaded");
    assert_eq!(
        transient.into_failure(3).to_string(),
        "transient error, 3 attempt(s): overloaded"
    );
}
