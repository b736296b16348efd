//! `codex-json` fixtures.

use pretty_assertions::assert_eq;

use super::{NOW, at, run};
use crate::agent::output::{Format, Usage};

const SUCCESS: &str = include_str!("../../../../tests/fixtures/agents/codex/success.jsonl");
const ERROR: &str = include_str!("../../../../tests/fixtures/agents/codex/error.jsonl");
const LIMIT: &str = include_str!("../../../../tests/fixtures/agents/codex/limit.jsonl");
const TRANSIENT: &str = include_str!("../../../../tests/fixtures/agents/codex/transient.jsonl");
const AUTH: &str = include_str!("../../../../tests/fixtures/agents/codex/auth.jsonl");
const OFFLINE: &str = include_str!("../../../../tests/fixtures/agents/codex/offline.jsonl");

#[test]
fn a_successful_turn_renders_each_tool_call_once() {
    let (transcript, report) = run(Format::CodexJson, SUCCESS);
    assert_eq!(
        transcript,
        [
            "· codex thread 0199a213-81c0-7800-8aa1-bbab2a035a53",
            "→ shell: bash -lc 'cargo test --lib'",
            "✗ shell exit 101",
            "→ patch: update /work/repo/src/parse.rs",
            "· Reconnecting... 1/5 (stream disconnected before completion: error sending request \
             for url (https://chatgpt.com/backend-api/codex/responses))",
            "→ docs.search: Rust ordering",
            "→ web_search: rust PartialOrd",
            "✗ model rerouted: gpt-5-codex -> gpt-5 (HighDemand)",
            "→ shell: bash -lc 'cargo test --lib'",
            "Fixed the off-by-one in `src/parse.rs`; all 42 tests pass.\n<promise>COMPLETE</promise>",
            "· turn completed",
        ]
    );
    assert_eq!(
        report.usage,
        Usage {
            input_tokens: Some(48213),
            output_tokens: Some(1877),
            cached_input_tokens: Some(40192),
            cost_usd: None,
            model: None,
            session_id: Some("0199a213-81c0-7800-8aa1-bbab2a035a53".to_owned()),
            tool_calls: Some(5),
        }
    );
    assert_eq!(report.reported_error, None);
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    let final_message = report.final_message.expect("an agent message");
    assert!(final_message.ends_with("<promise>COMPLETE</promise>"));
}

#[test]
fn a_failed_turn_is_reported() {
    let (transcript, report) = run(Format::CodexJson, ERROR);
    assert!(transcript[1].starts_with("✗ unexpected status 400 Bad Request"));
    assert!(transcript[2].starts_with("✗ turn failed: unexpected status 400"));
    let error = report.reported_error.expect("turn.failed");
    assert!(error.contains("model is not supported"), "{error}");
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    assert_eq!(report.usage.input_tokens, None);
    assert_eq!(report.usage.tool_calls, Some(0));
}

#[test]
fn a_usage_limit_resolves_try_again_at_in_the_local_zone() {
    let (_, report) = run(Format::CodexJson, LIMIT);
    let limit = report.limit.expect("a usage limit");
    assert!(
        limit.reason.starts_with("You've hit your usage limit."),
        "{}",
        limit.reason
    );
    // 4:20 PM in Warsaw (the test's local zone, UTC+1) is 15:20Z: 12h20m after NOW.
    assert_eq!(limit.resets_at, Some(at(NOW as u64 + 12 * 3600 + 20 * 60)));
    assert!(report.reported_error.is_some());
}

#[test]
fn a_lost_stream_is_transient_and_reconnect_notices_are_not_errors() {
    let (transcript, report) = run(Format::CodexJson, TRANSIENT);
    assert!(transcript[1].starts_with("· Reconnecting... 5/5"));
    assert_eq!(report.limit, None);
    let transient = report.transient.expect("a lost stream is transient");
    assert!(transient.starts_with("stream disconnected"), "{transient}");
}

#[test]
fn an_error_followed_by_a_completed_turn_is_not_reported() {
    let fixture = "{\"type\":\"error\",\"message\":\"boom\"}\n\
                   {\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1,\"cached_input_tokens\":0,\"output_tokens\":1}}";
    let (_, report) = run(Format::CodexJson, fixture);
    assert_eq!(report.reported_error, None);
}

#[test]
fn a_401_after_codexs_own_retries_is_an_authentication_error() {
    let (_, report) = run(Format::CodexJson, AUTH);
    let auth = report.auth.expect("a 401 is an authentication error");
    assert!(auth.contains("401 Unauthorized"), "{auth}");
    assert_eq!(report.limit, None);
    assert_eq!(report.transient, None);
    assert!(!report.printed);
}

#[test]
fn waiting_for_the_network_ends_the_run_as_a_transient_error() {
    let mut adapter = super::Adapter::with_clock(Format::CodexJson, super::clock());
    let mut lines = OFFLINE.lines();
    for line in lines.by_ref().take(3) {
        adapter.line(line);
        assert_eq!(adapter.abandon(), None, "still working: {line}");
    }
    let shown = adapter.line(lines.next().expect("the offline notice"));
    assert_eq!(
        shown[0].to_string(),
        "· Reconnecting... waiting for network"
    );
    assert_eq!(
        adapter.abandon(),
        Some("Reconnecting... waiting for network")
    );
    let report = adapter.finish();
    assert_eq!(
        report.transient.as_deref(),
        Some("Reconnecting... waiting for network")
    );
    assert_eq!(report.reported_error, None);
    assert!(!report.printed);

    // Back online before Baton ended it: the turn goes on and nothing is left to retry.
    let back = format!(
        "{OFFLINE}{}\n",
        SUCCESS.lines().last().expect("turn.completed")
    );
    let mut adapter = super::Adapter::with_clock(Format::CodexJson, super::clock());
    for line in back.lines() {
        adapter.line(line);
    }
    assert_eq!(adapter.abandon(), None);
    assert_eq!(adapter.finish().transient, None);
}
