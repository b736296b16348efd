//! Limit and transient detection over plain text, and the reset-time forms.

use pretty_assertions::assert_eq;

use super::{NOW, clock};
use crate::agent::output::Clock;
use crate::agent::output::limit::{detect_limit_at, detect_transient};

const CLAUDE_RESET_AT: &str =
    include_str!("../../../../tests/fixtures/agents/claude/limit_reset_at.txt");
const CLAUDE_DATE: &str = include_str!("../../../../tests/fixtures/agents/claude/limit_date.txt");
const CODEX_AT_DATE: &str =
    include_str!("../../../../tests/fixtures/agents/codex/limit_at_date.txt");
const CODEX_BODY: &str = include_str!("../../../../tests/fixtures/agents/codex/limit_body.txt");
const GEMINI_QUOTA: &str = include_str!("../../../../tests/fixtures/agents/gemini/quota.txt");

/// The reset time `text` names, as seconds after NOW (negative: before).
fn reset_in(text: &str) -> Option<i64> {
    let limit = detect_limit_at(text, &clock()).expect("a limit");
    let at = limit.resets_at?;
    let secs = at
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs();
    Some(i64::try_from(secs).expect("fits") - NOW)
}

#[test]
fn claude_forms() {
    // 17:00 Warsaw = 16:00Z, 13h after NOW.
    assert_eq!(reset_in(CLAUDE_RESET_AT), Some(13 * 3600));
    // Feb 7 11:00 Seoul (UTC+9) = Feb 7 02:00Z 2026: the date is past this year, so next year.
    let feb7 = 1_770_429_600;
    assert_eq!(reset_in(CLAUDE_DATE), Some(feb7 - NOW));
    assert_eq!(
        reset_in("You've hit your limit · resets 4am (Europe/Warsaw)"),
        Some(0)
    );
    // 03:50 Warsaw lies 10 minutes back: still today (the limit is lifting).
    assert_eq!(
        reset_in("You've hit your limit · resets 3:50am (Europe/Warsaw)"),
        Some(-600)
    );
    // 03:00 Warsaw is an hour back: tomorrow's.
    assert_eq!(
        reset_in("You've hit your weekly limit · resets 3am (Europe/Warsaw)"),
        Some(23 * 3600)
    );
    assert_eq!(
        reset_in("You've hit your limit · resets Nov 24, 2026, 4:20pm (UTC)"),
        Some(1_795_537_200 - NOW)
    );
    assert_eq!(
        reset_in("You've hit your limit · resets 4:20am (Mars/Olympus)"),
        None
    );
    assert_eq!(reset_in("You've hit your limit"), None);
    assert_eq!(
        reset_in(
            "You have reached your specified API usage limits. You will regain access on \
             2025-12-01 at 00:00 UTC."
        ),
        Some(1_764_547_200 - NOW)
    );
}

#[test]
fn codex_forms() {
    // Nov 24th 2025 13:36 Warsaw = 12:36Z.
    assert_eq!(reset_in(CODEX_AT_DATE), Some(1_763_987_760 - NOW));
    assert_eq!(reset_in(CODEX_BODY), Some(1_763_781_600 - NOW));
    assert_eq!(
        reset_in(
            "■ You've hit your usage limit. Upgrade to Pro or try again in 5 days 22 hours 11\nminutes."
        ),
        Some(5 * 86400 + 22 * 3600),
        "a line wrapped by the terminal keeps what its own line says"
    );
    assert_eq!(
        reset_in("You've hit your usage limit. Try again in 5 days 22 hours 11 minutes."),
        Some(5 * 86400 + 22 * 3600 + 11 * 60)
    );
    assert_eq!(
        reset_in(r#"{"error":{"type":"usage_limit_reached","resets_in_seconds":600}}"#),
        Some(600)
    );
    assert_eq!(
        reset_in(r#"{"type":"usage_limit_reached","resets_at":"2025-11-22T04:00:00Z"}"#),
        Some(3600)
    );
}

#[test]
fn gemini_and_generic_forms() {
    assert_eq!(reset_in(GEMINI_QUOTA), None);
    assert_eq!(reset_in("Quota exceeded. Please retry in 4.5s."), Some(4));
    assert_eq!(
        reset_in("exceeded retry limit, last status: 429 Too Many Requests"),
        None
    );
    assert_eq!(reset_in(r#"API Error: 429 {"type":"error"}"#), None);
    assert_eq!(reset_in("Too Many Requests: retry after 1e308 days"), None);
    assert_eq!(
        reset_in("Too Many Requests: retry after 99999999999999999999 days"),
        None
    );
}

#[test]
fn prose_about_limits_is_not_a_limit() {
    let clock = clock();
    for text in [
        "I added a rate limiter that returns 429 to abusive clients.",
        "The quota module now tracks usage limits per user.",
        "Retrying in 0.2 seconds...",
        "All 429 tests pass.",
        "error: could not compile: src/main.rs:429:5",
        "error[E0308]: mismatched types at src/http.rs:429",
    ] {
        assert_eq!(detect_limit_at(text, &clock), None, "{text}");
    }
}

#[test]
fn transient_errors() {
    for text in [
        r#"API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        "exceeded retry limit, last status: 503 Service Unavailable",
        "stream disconnected before completion: connection reset by peer",
        "litellm.InternalServerError: AnthropicException - Internal server error",
        "Error: read ECONNRESET",
        "API Error: 500 Something odd",
    ] {
        assert!(detect_transient(text).is_some(), "{text}");
    }
    for text in [
        "All 500 tests pass.",
        "Edited src/server.rs",
        "Invalid API key",
    ] {
        assert_eq!(detect_transient(text), None, "{text}");
    }
}

#[test]
fn the_system_clock_resolves_durations_from_now() {
    let limit = detect_limit_at(
        "Rate limited: retry after 60s (429 Too Many Requests)",
        &Clock::system(),
    )
    .expect("a limit");
    let resets_at = limit.resets_at.expect("a reset time");
    let now = std::time::SystemTime::now();
    assert!(resets_at > now && resets_at <= now + std::time::Duration::from_secs(60));
}
