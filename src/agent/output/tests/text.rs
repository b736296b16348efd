//! `text` fixtures: plain output, where only the last lines may name a limit or an error.

use pretty_assertions::assert_eq;

use super::{NOW, at, run};
use crate::agent::output::Format;

const AIDER_OK: &str = include_str!("../../../../tests/fixtures/agents/text/aider_ok.txt");
const AIDER_RATE_LIMIT: &str =
    include_str!("../../../../tests/fixtures/agents/text/aider_rate_limit.txt");
const AIDER_UNREACHABLE: &str =
    include_str!("../../../../tests/fixtures/agents/text/aider_unreachable.txt");
const CLAUDE_LIMIT: &str = include_str!("../../../../tests/fixtures/agents/claude/limit.txt");
const CODEX_LIMIT_IN: &str = include_str!("../../../../tests/fixtures/agents/codex/limit_in.txt");
const AIDER_AUTH: &str = include_str!("../../../../tests/fixtures/agents/text/aider_auth.txt");
const GEMINI_AUTH: &str = include_str!("../../../../tests/fixtures/agents/gemini/auth.txt");

#[test]
fn text_passes_every_line_through_verbatim() {
    let (transcript, report) = run(Format::Text, AIDER_OK);
    let expected: Vec<&str> = AIDER_OK.lines().collect();
    assert_eq!(transcript, expected);
    assert_eq!(report.usage, Default::default());
    assert_eq!(report.reported_error, None);
    let final_message = report.final_message.expect("the last lines");
    assert!(final_message.ends_with("Applied edit to src/parse.rs"));
}

#[test]
fn an_error_retried_past_is_not_a_limit() {
    let (_, report) = run(Format::Text, AIDER_OK);
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
}

#[test]
fn a_rate_limit_that_ends_the_output_is_a_limit() {
    let (_, report) = run(Format::Text, AIDER_RATE_LIMIT);
    let limit = report.limit.expect("aider gave up on a rate limit");
    assert!(
        limit.reason.starts_with("litellm.RateLimitError"),
        "{}",
        limit.reason
    );
    assert_eq!(limit.resets_at, None);
}

#[test]
fn an_unreachable_api_is_transient() {
    let (_, report) = run(Format::Text, AIDER_UNREACHABLE);
    assert_eq!(report.limit, None);
    let transient = report.transient.expect("a network failure");
    assert!(transient.contains("APIConnectionError"), "{transient}");
}

#[test]
fn claude_and_codex_text_limits_are_read() {
    let (_, report) = run(Format::Text, CLAUDE_LIMIT);
    let limit = report.limit.expect("a Claude limit");
    assert_eq!(limit.resets_at, Some(at(NOW as u64 + 20 * 60)));
    let (_, report) = run(Format::Text, CODEX_LIMIT_IN);
    let limit = report.limit.expect("a codex limit");
    assert_eq!(limit.resets_at, Some(at(NOW as u64 + 2 * 3600 + 5 * 60)));
}

#[test]
fn authentication_errors_in_the_last_lines_are_printed_ones() {
    for fixture in [AIDER_AUTH, GEMINI_AUTH] {
        let (_, report) = run(Format::Text, fixture);
        assert!(report.auth.is_some(), "{fixture}");
        assert!(report.printed, "read from plain text");
        assert_eq!(report.limit, None);
        assert_eq!(report.transient, None);
    }
    let (_, report) = run(Format::Text, AIDER_RATE_LIMIT);
    assert!(report.printed && report.limit.is_some());
    let (_, report) = run(Format::Text, AIDER_OK);
    assert!(!report.printed, "nothing found, nothing marked");
}
