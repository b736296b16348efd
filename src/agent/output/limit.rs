//! Usage limits and transient errors, recognised in what agents print.
//!
//! These read plain text: a text agent's last lines, its stderr, or the error message of a
//! structured stream (never the assistant's prose of one — an agent may well write about rate
//! limits). Each line is matched on its own, without regard to case. The phrases and their
//! sources:
//! - Claude Code 2.x (`@anthropic-ai/claude-code` 2.1.197, strings of its bundle): `You've hit
//!   your limit · resets 4:20am (Europe/Warsaw)`, `… session limit · …`, `… weekly limit …`,
//!   `You're out of usage credits · resets …`; 1.x: `Claude AI usage limit reached|<unix time>`
//!   and `Claude usage limit reached. Your limit will reset at 5pm (Europe/Warsaw).`
//!   (anthropics/claude-code issues 2490, 6119); the API's `You have reached your specified API
//!   usage limits. You will regain access on 2026-04-01 at 00:00 UTC.`
//! - codex (`codex-rs/core/src/error.rs`, `UsageLimitReachedError`; 0.169.0 binary): `You've hit
//!   your usage limit. … try again at 4:20 PM.` (older: `… try again in 2 hours 5 minutes.`,
//!   openai/codex issues 3031, 3899), and the HTTP body `{"error":{"type":"usage_limit_reached",
//!   …,"resets_at":<unix>,"resets_in_seconds":<n>}}` relayed by wrappers.
//! - gemini-cli (`packages/core/src/utils/googleQuotaErrors.ts`): `You have exhausted your daily
//!   quota on this model.`, `TerminalQuotaError`/`RetryableQuotaError`, `RESOURCE_EXHAUSTED`,
//!   `Suggested retry after 42s.`, `Please retry in 4.5s.`
//! - aider (`aider/exceptions.py`): `The API provider has rate limited you.`, litellm's
//!   `RateLimitError`.
//! - any HTTP 429: `Too Many Requests`, `rate_limit_error`, `rate_limit_exceeded`, `status 429`.

use std::time::SystemTime;

use super::Limit;
use super::common::cut;
use super::reset::{self, Clock, after_ci};

/// Characters kept of the line that names a limit or transient error.
const REASON_CHARS: usize = 300;

/// Phrases (lower case) that name a usage or rate limit.
const LIMIT_PHRASES: &[&str] = &[
    "usage limit reached",
    "usage limit has been reached",
    "usage_limit_reached",
    "reached your specified api usage limits",
    "out of usage credits",
    "exhausted your daily quota",
    "exceeded your current quota",
    "quota exceeded",
    "terminalquotaerror",
    "retryablequotaerror",
    "resource_exhausted",
    "has rate limited you",
    "ratelimiterror",
    "rate_limit_error",
    "rate_limit_exceeded",
    "too many requests",
];

/// Phrases (lower case) that name an error worth retrying: overload, 5xx, the network.
const TRANSIENT_PHRASES: &[&str] = &[
    "overloaded",
    "at capacity",
    "internal server error",
    "bad gateway",
    "service unavailable",
    "gateway timeout",
    "server_error",
    "\"api_error\"",
    "internalservererror",
    "serviceunavailableerror",
    "apiconnectionerror",
    "stream disconnected",
    "connection reset",
    "connection refused",
    "connection error",
    "econnreset",
    "econnrefused",
    "etimedout",
    "socket hang up",
    "network error",
    "fetch failed",
    "temporary failure in name resolution",
    "timed out",
];

/// The first usage or rate limit named in `text`, with its reset time resolved on `clock`. Of
/// several limit lines, the first that gives a reset time wins, else the first.
pub(crate) fn detect_limit_at(text: &str, clock: &Clock) -> Option<Limit> {
    let mut first = None;
    for line in text.lines().map(str::trim).filter(|l| is_limit(l)) {
        let limit = Limit {
            reason: cut(line, REASON_CHARS),
            resets_at: reset_hint(line, clock),
        };
        if limit.resets_at.is_some() {
            return Some(limit);
        }
        first.get_or_insert(limit);
    }
    first
}

/// The first line of `text` that names a transient error (overloaded, 5xx, network), cut to
/// 300 characters. Check [`detect_limit_at`] first: a 429 is a limit, not a transient error.
pub(crate) fn detect_transient(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| {
            let lower = line.to_ascii_lowercase();
            TRANSIENT_PHRASES.iter().any(|p| lower.contains(p))
                || status_near(&lower, |code| (500..600).contains(&code))
        })
        .map(|line| cut(line, REASON_CHARS))
}

/// Whether `line` names a usage or rate limit.
pub(super) fn is_limit(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    LIMIT_PHRASES.iter().any(|p| lower.contains(p))
        || after_ci(&lower, "hit your ").is_some_and(|rest| {
            let head: String = rest.chars().take(40).collect();
            head.contains("limit")
        })
        || status_near(&lower, |code| code == 429)
}

/// Whether `lower` holds a 3-digit HTTP status `code` accepted by `wanted`: standing alone, not
/// a `line:col` position, and preceded within 16 bytes by `status`, `error`, `http` or `code`
/// (`API Error: 529 {…}`, `last status: 503`, `"status_code":429`, `HTTP 429`). After a colon
/// with nothing between, only `status`/`code` count (a JSON field, not `error: file.rs:429`).
pub(super) fn status_near(lower: &str, wanted: impl Fn(u16) -> bool) -> bool {
    let bytes = lower.as_bytes();
    let digit = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_digit);
    (0..bytes.len().saturating_sub(2)).any(|i| {
        let before = i.checked_sub(1).and_then(|j| bytes.get(j)).copied();
        let after = bytes.get(i + 3).copied();
        let three = digit(i) && digit(i + 1) && digit(i + 2);
        let alone = !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'.')
            && !after.is_some_and(|a| a.is_ascii_alphanumeric() || a == b':');
        if !three || !alone || !lower[i..i + 3].parse().is_ok_and(&wanted) {
            return false;
        }
        let mut start = i.saturating_sub(16);
        while !lower.is_char_boundary(start) {
            start += 1;
        }
        let window = &lower[start..i];
        if before == Some(b':') {
            return window.contains("status") || window.contains("code");
        }
        ["status", "error", "http", "code"]
            .iter()
            .any(|w| window.contains(w))
    })
}

/// The reset time a limit line states, in any of the forms of [`reset`].
pub(super) fn reset_hint(line: &str, clock: &Clock) -> Option<SystemTime> {
    if let Some(rest) = after_ci(line, "limit reached|") {
        return leading_u64(rest).and_then(reset::unix);
    }
    for key in ["\"resets_at\":", "\"resetsAt\":"] {
        if let Some(rest) = after_ci(line, key) {
            let rest = rest.trim_start();
            let value = match rest.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next().and_then(reset::rfc3339),
                None => leading_u64(rest).and_then(reset::unix),
            };
            if value.is_some() {
                return value;
            }
        }
    }
    if let Some(secs) = after_ci(line, "\"resets_in_seconds\":").and_then(leading_u64) {
        return clock.after(std::time::Duration::from_secs(secs));
    }
    for key in [
        "resets in ",
        "reset in ",
        "try again in ",
        "retry in ",
        "retry after ",
    ] {
        if let Some(d) = after_ci(line, key).and_then(reset::duration) {
            return clock.after(d);
        }
    }
    for key in ["resets at ", "reset at ", "resets ", "try again at "] {
        if let Some(t) = after_ci(line, key).and_then(|rest| reset::wall_time(rest, clock)) {
            return Some(t);
        }
    }
    after_ci(line, "regain access on ").and_then(|rest| reset::iso_date_time(rest, clock))
}

/// The integer at the start of `s` (after blanks).
fn leading_u64(s: &str) -> Option<u64> {
    let s = s.trim_start();
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}
