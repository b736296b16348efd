//! `gemini-stream-json` fixtures.

use pretty_assertions::assert_eq;

use super::{NOW, at, run};
use crate::agent::output::{Format, Usage};

const SUCCESS: &str = include_str!("../../../../tests/fixtures/agents/gemini/success.jsonl");
const ERROR: &str = include_str!("../../../../tests/fixtures/agents/gemini/error.jsonl");
const QUOTA: &str = include_str!("../../../../tests/fixtures/agents/gemini/quota.jsonl");
const RATE_LIMIT: &str = include_str!("../../../../tests/fixtures/agents/gemini/rate_limit.jsonl");

#[test]
fn a_successful_turn_joins_text_chunks_into_lines() {
    let (transcript, report) = run(Format::GeminiStreamJson, SUCCESS);
    assert_eq!(
        transcript,
        [
            "· gemini session c0ffee00-1234-4567-89ab-cdef01234567, model gemini-2.5-pro",
            "I'll run the tests first.",
            "Then fix what fails.",
            "→ run_shell_command: cargo test --lib",
            "→ replace: /work/repo/src/parse.rs",
            "✗ replace failed: Failed to edit, 0 occurrences found for old_string in \
             /work/repo/src/parse.rs.",
            "· Loop detected, stopping execution",
            "→ write_file: /work/repo/src/parse.rs",
            "Fixed the off-by-one; all 42 tests pass.",
            "<promise>COMPLETE</promise>",
            "· done",
        ]
    );
    assert_eq!(
        report.usage,
        Usage {
            input_tokens: Some(50100),
            output_tokens: Some(1900),
            cached_input_tokens: Some(30000),
            cost_usd: None,
            model: Some("gemini-2.5-pro".to_owned()),
            session_id: Some("c0ffee00-1234-4567-89ab-cdef01234567".to_owned()),
            tool_calls: Some(3),
        }
    );
    assert_eq!(report.reported_error, None);
    assert_eq!(
        report.final_message.as_deref(),
        Some("Fixed the off-by-one; all 42 tests pass.\n<promise>COMPLETE</promise>")
    );
}

#[test]
fn an_error_status_is_reported() {
    let (transcript, report) = run(Format::GeminiStreamJson, ERROR);
    assert_eq!(
        transcript[1],
        "✗ The model response was blocked due to other policy settings."
    );
    assert_eq!(
        report.reported_error.as_deref(),
        Some("gemini reported an error")
    );
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    assert_eq!(report.usage.input_tokens, Some(1200));
}

#[test]
fn daily_quota_exhaustion_is_a_limit_without_a_known_reset() {
    let (_, report) = run(Format::GeminiStreamJson, QUOTA);
    let limit = report.limit.expect("a quota limit");
    assert_eq!(
        limit.reason,
        "[API Error: You have exhausted your daily quota on this model.]"
    );
    assert_eq!(limit.resets_at, None);
}

#[test]
fn a_retryable_quota_error_carries_its_suggested_delay() {
    let (_, report) = run(Format::GeminiStreamJson, RATE_LIMIT);
    let limit = report.limit.expect("a rate limit");
    assert_eq!(limit.resets_at, Some(at(NOW as u64 + 42)));
}
