//! Authentication errors, recognised in what agents print: the CLI is not logged in, or its API
//! key is missing or wrong. Running the agent again cannot fix that — a person must — so such a
//! turn fails at once with what to do (the hint per preset is in `agent::presets`), never
//! retried as transient.
//!
//! Each line is matched on its own, without regard to case. The phrases and their sources:
//! - Claude Code 2.x: `Not logged in · Please run /login` (anthropics/claude-code issues 72325,
//!   94529), `Invalid API key · Fix external API key` (its `result` with `is_error`),
//!   `OAuth token has expired`; the Anthropic API's `authentication_error` type and `invalid
//!   x-api-key` message; the SDK's assistant-message error kind `authentication_failed`.
//! - codex (`codex-rs/core/src/error.rs`, `UnexpectedStatus`): `unexpected status 401
//!   Unauthorized: …`, `exceeded retry limit, last status: 401 Unauthorized` (openai/codex issue
//!   7323), OpenAI's `Incorrect API key provided`, `Missing bearer or basic authentication`, and
//!   `The configured API key is invalid or unusable` (openai/codex pull request 23239).
//! - gemini-cli (`packages/cli/src/validateNonInterActiveAuth.ts`): `Please set an Auth method in
//!   your … settings.json or specify one of the following environment variables before running:
//!   GEMINI_API_KEY, …` on stderr with exit code 41 (`FATAL_AUTHENTICATION_ERROR`,
//!   `packages/core/src/utils/exitCodes.ts`); the Gemini API's `API key not valid`.
//! - opencode (`packages/opencode/src/session/message-v2.ts`): the error name `ProviderAuthError`.
//! - aider (`aider/exceptions.py`): litellm's `AuthenticationError` and aider's `The API provider
//!   is not able to authenticate you. Check your API key.`
//! - any HTTP 401 named as a status (`status 401`, `"status":401`, `HTTP 401`).

use super::common::cut;
use super::limit::status_near;

/// Characters kept of the line that names an authentication error.
const REASON_CHARS: usize = 300;

/// Phrases (lower case) that name an authentication error.
const AUTH_PHRASES: &[&str] = &[
    "not logged in",
    "please run /login",
    "invalid api key",
    "oauth token has expired",
    "authentication_error",
    "authentication_failed",
    "invalid x-api-key",
    "incorrect api key",
    "missing bearer",
    "api key is invalid",
    "please set an auth method",
    "api key not valid",
    "providerautherror",
    "authenticationerror",
    "not able to authenticate you",
];

/// Whether `line` names an authentication error.
pub(crate) fn is_auth(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    AUTH_PHRASES.iter().any(|p| lower.contains(p)) || status_near(&lower, |code| code == 401)
}

/// The first line of `text` that names an authentication error, cut to 300 characters.
pub(crate) fn detect_auth(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| is_auth(line))
        .map(|line| cut(line, REASON_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_clis_authentication_error_is_recognised() {
        for line in [
            "Not logged in · Please run /login",
            "Invalid API key · Fix external API key",
            "OAuth token has expired. Please obtain a new token or refresh your existing token.",
            r#"litellm.AuthenticationError: AnthropicException - {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
            "The API provider is not able to authenticate you. Check your API key.",
            "exceeded retry limit, last status: 401 Unauthorized, request id: 9a4af5870a31a58e-WAW",
            "unexpected status 401 Unauthorized: Incorrect API key provided: sk-abc. You can find your API key at https://platform.openai.com/account/api-keys.",
            "Please set an Auth method in your /home/u/.gemini/settings.json or specify one of the following environment variables before running: GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_GCA",
            "[API Error: API key not valid. Please pass a valid API key.]",
            "ProviderAuthError: Invalid API key",
        ] {
            assert!(is_auth(line), "{line}");
        }
    }

    #[test]
    fn other_errors_and_numbers_are_not_authentication_errors() {
        for line in [
            "API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}",
            "error: src/auth.rs:401:7: mismatched types",
            "test auth::tests::login_works ... ok",
            "GET http://localhost:1/ -> connection refused (expected)",
            "Too Many Requests",
        ] {
            assert!(!is_auth(line), "{line}");
        }
        assert_eq!(
            detect_auth("warming up\nNot logged in · Please run /login\n").as_deref(),
            Some("Not logged in · Please run /login")
        );
        assert_eq!(detect_auth("all good\n"), None);
    }
}
