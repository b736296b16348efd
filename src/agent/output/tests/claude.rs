//! `claude-stream-json` fixtures.

use pretty_assertions::assert_eq;

use super::{NOW, at, run};
use crate::agent::output::{Format, Usage};

const SUCCESS: &str = include_str!("../../../../tests/fixtures/agents/claude/success.jsonl");
const ERROR: &str = include_str!("../../../../tests/fixtures/agents/claude/error.jsonl");
const LIMIT: &str = include_str!("../../../../tests/fixtures/agents/claude/limit.jsonl");
const LIMIT_LEGACY: &str =
    include_str!("../../../../tests/fixtures/agents/claude/limit_legacy.jsonl");
const OVERLOADED: &str = include_str!("../../../../tests/fixtures/agents/claude/overloaded.jsonl");
const AUTH: &str = include_str!("../../../../tests/fixtures/agents/claude/auth.jsonl");

#[test]
fn a_successful_turn_renders_text_and_one_line_per_tool_call() {
    let (transcript, report) = run(Format::ClaudeStreamJson, SUCCESS);
    assert_eq!(
        transcript,
        [
            "· claude session 8f0c1d2e-3b4a-4c5d-9e6f-7a8b9c0d1e2f, model claude-sonnet-4-5-20250929",
            "I'll run the tests first to see what fails.",
            "→ Bash: cargo test --lib 2>&1 | tail -20",
            "· API retry 1/10 in 1.2s (overloaded)",
            "→ Read: /work/repo/src/parse.rs",
            "→ Edit: /work/repo/src/parse.rs",
            "✗ Edit failed: String to replace not found in file. …",
            "Fixed the off-by-one in `parse.rs`; all 42 tests pass.",
            "<promise>COMPLETE</promise>",
            "· done, 5 turns, $0.0861",
        ]
    );
    assert_eq!(
        report.usage,
        Usage {
            input_tokens: Some(18 + 4120 + 59330),
            output_tokens: Some(325),
            cached_input_tokens: Some(59330),
            cost_usd: Some(0.086_123_5),
            model: Some("claude-sonnet-4-5-20250929".to_owned()),
            session_id: Some("8f0c1d2e-3b4a-4c5d-9e6f-7a8b9c0d1e2f".to_owned()),
            tool_calls: Some(3),
        }
    );
    assert_eq!(report.reported_error, None);
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    let final_message = report
        .final_message
        .expect("the result carries the final text");
    assert!(final_message.ends_with("<promise>COMPLETE</promise>"));
}

#[test]
fn an_error_result_is_reported_even_without_a_failing_exit() {
    let (transcript, report) = run(Format::ClaudeStreamJson, ERROR);
    assert_eq!(transcript[1], "→ Bash: make check");
    assert_eq!(
        transcript[2],
        "✗ Bash failed: make: *** No rule to make target 'check'.  Stop."
    );
    assert_eq!(transcript[3], "✗ Reached maximum number of turns (1)");
    assert_eq!(
        report.reported_error.as_deref(),
        Some("Reached maximum number of turns (1)")
    );
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    assert_eq!(report.final_message, None);
    assert_eq!(report.usage.input_tokens, Some(2009));
    assert_eq!(report.usage.cost_usd, Some(0.02175));
}

#[test]
fn a_session_limit_resolves_its_reset_in_the_named_zone() {
    let (transcript, report) = run(Format::ClaudeStreamJson, LIMIT);
    assert_eq!(
        transcript[1],
        "✗ You've hit your session limit · resets 4:20am (Europe/Warsaw)"
    );
    let limit = report.limit.expect("a usage limit");
    assert_eq!(
        limit.reason,
        "You've hit your session limit · resets 4:20am (Europe/Warsaw)"
    );
    // 04:20 in Warsaw (UTC+1) is 03:20Z, twenty minutes after NOW.
    assert_eq!(limit.resets_at, Some(at(NOW as u64 + 20 * 60)));
    assert!(report.reported_error.is_some());
    assert_eq!(report.transient, None);
    assert_eq!(report.final_message, None);
}

#[test]
fn the_legacy_limit_form_carries_a_unix_reset_time() {
    let (_, report) = run(Format::ClaudeStreamJson, LIMIT_LEGACY);
    let limit = report.limit.expect("a usage limit");
    assert_eq!(limit.reason, "Claude AI usage limit reached|1763778000");
    assert_eq!(limit.resets_at, Some(at(1_763_778_000)));
}

#[test]
fn an_overloaded_api_is_transient_not_a_limit() {
    let (transcript, report) = run(Format::ClaudeStreamJson, OVERLOADED);
    assert_eq!(transcript[1], "· API retry 10/10 in 32s (overloaded)");
    assert_eq!(report.limit, None);
    let transient = report.transient.expect("overloaded is transient");
    assert!(transient.starts_with("API Error: 529"), "{transient}");
    assert!(report.reported_error.is_some());
}

#[test]
fn a_rejected_rate_limit_event_supplies_the_reset_when_the_text_has_none() {
    let fixture = concat!(
        r#"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1763790000}}"#,
        "\n",
        r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"result":"You've hit your limit"}"#,
    );
    let (_, report) = run(Format::ClaudeStreamJson, fixture);
    let limit = report.limit.expect("a usage limit");
    assert_eq!(limit.resets_at, Some(at(1_763_790_000)));
}

#[test]
fn a_stream_without_a_result_reports_no_usage_and_no_error() {
    let first_two: String = SUCCESS.lines().take(4).map(|l| format!("{l}\n")).collect();
    let (_, report) = run(Format::ClaudeStreamJson, &first_two);
    assert_eq!(report.usage.input_tokens, None);
    assert_eq!(report.usage.cost_usd, None);
    assert_eq!(report.usage.tool_calls, Some(0));
    assert_eq!(report.reported_error, None);
    assert_eq!(
        report.final_message.as_deref(),
        Some("I'll run the tests first to see what fails.")
    );
}

#[test]
fn not_logged_in_is_an_authentication_error_from_the_result() {
    let (transcript, report) = run(Format::ClaudeStreamJson, AUTH);
    assert!(transcript.contains(&"✗ Not logged in · Please run /login".to_owned()));
    assert_eq!(
        report.auth.as_deref(),
        Some("Not logged in · Please run /login")
    );
    assert!(!report.printed, "read from the agent's own events");
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    let invalid_key = r#"{"type":"result","subtype":"success","is_error":true,"result":"Invalid API key · Fix external API key"}"#;
    let (_, report) = run(Format::ClaudeStreamJson, invalid_key);
    assert_eq!(
        report.auth.as_deref(),
        Some("Invalid API key · Fix external API key")
    );
}

#[test]
fn api_errors_retried_past_before_a_successful_result_are_nothing() {
    // A synthetic rate-limit message, then the turn went on and succeeded.
    let limited = LIMIT.lines().nth(2).expect("the synthetic message");
    let success = SUCCESS.lines().last().expect("the result");
    let (_, report) = run(Format::ClaudeStreamJson, &format!("{limited}\n{success}\n"));
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    assert_eq!(report.auth, None);
    assert!(report.final_message.is_some());
}
