//! `opencode-json` fixtures.

use pretty_assertions::assert_eq;

use super::{NOW, at, run};
use crate::agent::output::Format;

const SUCCESS: &str = include_str!("../../../../tests/fixtures/agents/opencode/success.jsonl");
const ERROR: &str = include_str!("../../../../tests/fixtures/agents/opencode/error.jsonl");
const LIMIT: &str = include_str!("../../../../tests/fixtures/agents/opencode/limit.jsonl");
const TRANSIENT: &str = include_str!("../../../../tests/fixtures/agents/opencode/transient.jsonl");

#[test]
fn a_successful_turn_sums_its_steps() {
    let (transcript, report) = run(Format::OpencodeJson, SUCCESS);
    assert_eq!(
        transcript,
        [
            "I'll run the tests first.",
            "→ bash: cargo test --lib",
            "→ edit: /work/repo/src/parse.rs",
            "✗ edit failed: oldString not found in content",
            "→ write: /work/repo/src/parse.rs",
            "Fixed the off-by-one; all 42 tests pass.\n<promise>COMPLETE</promise>",
        ]
    );
    let usage = &report.usage;
    assert_eq!(
        usage.input_tokens,
        Some(1200 + 15000 + 400 + 16000 + 200 + 100 + 16500)
    );
    assert_eq!(usage.cached_input_tokens, Some(15000 + 16000 + 16500));
    assert_eq!(usage.output_tokens, Some(300 + 150 + 50 + 40));
    let cost = usage.cost_usd.expect("steps report a cost");
    assert!((cost - 0.0266).abs() < 1e-9, "{cost}");
    assert_eq!(
        usage.session_id.as_deref(),
        Some("ses_5a1b2c3d4e5fA1b2C3d4E5f6")
    );
    assert_eq!(usage.model, None);
    assert_eq!(usage.tool_calls, Some(3));
    assert_eq!(report.reported_error, None);
    let final_message = report.final_message.expect("a final text");
    assert!(final_message.ends_with("<promise>COMPLETE</promise>"));
}

#[test]
fn an_auth_error_is_an_authentication_error_neither_limit_nor_transient() {
    let (transcript, report) = run(Format::OpencodeJson, ERROR);
    assert_eq!(transcript, ["✗ ProviderAuthError: Invalid API key"]);
    assert_eq!(
        report.reported_error.as_deref(),
        Some("ProviderAuthError: Invalid API key")
    );
    assert_eq!(
        report.auth.as_deref(),
        Some("ProviderAuthError: Invalid API key")
    );
    assert!(!report.printed);
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    assert_eq!(report.usage.input_tokens, None);
}

#[test]
fn a_429_is_a_limit_resetting_after_retry_after() {
    let (_, report) = run(Format::OpencodeJson, LIMIT);
    let limit = report.limit.expect("a 429 is a limit");
    assert_eq!(limit.resets_at, Some(at(NOW as u64 + 1800)));
    assert!(limit.reason.contains("rate limit"), "{}", limit.reason);
}

#[test]
fn an_overloaded_provider_is_transient() {
    let (_, report) = run(Format::OpencodeJson, TRANSIENT);
    assert_eq!(report.limit, None);
    assert_eq!(report.transient.as_deref(), Some("APIError: Overloaded"));
}
