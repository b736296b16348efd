//! What an [`Adapter`](super::Adapter) gives back: transcript lines while the agent runs, and
//! at the end the [`Report`] of what the agent said about its turn.

use std::fmt;
use std::time::SystemTime;

use super::auth::detect_auth;
use super::limit::{detect_limit_at, detect_transient};
use super::reset::Clock;

/// One readable transcript entry. `Display` gives the line as written to the console and the
/// turn log; assistant text may span several lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rendered {
    /// The assistant's prose, as it wrote it.
    Text(String),
    /// One tool call: the tool's name and its main argument (the shell command, the file path,
    /// the pattern, …), cut to one line of at most 200 characters.
    Tool {
        /// The tool's name as the agent calls it (`Bash`, `run_shell_command`, `shell`, …).
        name: String,
        /// Its main argument, if it has one.
        arg: Option<String>,
    },
    /// A failure the agent reported: a failed tool call, an API error, a failed result.
    Error(String),
    /// Progress worth one line: session start, API retries, the final tally.
    Notice(String),
    /// A line that was not a JSON event, passed through verbatim.
    Raw(String),
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rendered::Text(text) | Rendered::Raw(text) => f.write_str(text),
            Rendered::Tool {
                name,
                arg: Some(arg),
            } => write!(f, "→ {name}: {arg}"),
            Rendered::Tool { name, arg: None } => write!(f, "→ {name}"),
            Rendered::Error(msg) => write!(f, "✗ {msg}"),
            Rendered::Notice(msg) => write!(f, "· {msg}"),
        }
    }
}

/// What the agent reported it used in one turn: the journal's `usage` object (see
/// [`crate::journal::Usage`]); `None` where it reported nothing, never estimated. Input
/// tokens include cached ones (Claude: `input_tokens + cache_read_input_tokens +
/// cache_creation_input_tokens`); `tool_calls` is the agent's own count where it reports one
/// (gemini), else the tool-call events seen.
pub(crate) use crate::journal::Usage;

/// A usage or rate limit the agent ran into: the turn should wait, not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Limit {
    /// The agent's own words (one line, at most 300 characters).
    pub(crate) reason: String,
    /// When the limit lifts, if the agent said so in a form we can resolve (an IANA time zone
    /// that the time-zone database knows, a unix time, a duration); `None` otherwise.
    pub(crate) resets_at: Option<SystemTime>,
}

/// What the agent reported about its turn, gathered by [`Adapter::finish`](super::Adapter::finish).
///
/// Precedence for the caller: `auth` means the turn failed and a person must log the agent
/// in; a `limit` means wait and rerun; else `transient` means retry; else `reported_error`
/// means the turn failed even if the process exited 0. At most one of `auth`, `limit` and
/// `transient` is set; it comes with `reported_error` set when the structured result also said
/// so. `printed` says where it was read: a run that exited 0 is judged by its structured result
/// only, never by text (see `turn::verdict`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Report {
    /// The usage the agent reported.
    pub(crate) usage: Usage,
    /// The error the agent's result reported (Claude `is_error`, codex `turn.failed` or a
    /// final `error`, gemini `status: "error"`, opencode `error`).
    pub(crate) reported_error: Option<String>,
    /// An authentication error (not logged in, a missing or wrong API key): the agent's words.
    pub(crate) auth: Option<String>,
    /// A usage or rate limit.
    pub(crate) limit: Option<Limit>,
    /// A retryable error: overloaded, 5xx, network reset or timeout.
    pub(crate) transient: Option<String>,
    /// `auth`, `limit` or `transient` was read from plain text — a text agent's last lines,
    /// the non-JSON lines of a structured stream, or stderr — rather than from the structured
    /// events the agent itself emits about its turn.
    pub(crate) printed: bool,
    /// The assistant's final message (text output: its last lines), for the completion promise.
    pub(crate) final_message: Option<String>,
}

impl Report {
    /// Whether an authentication error, a limit or a transient error is already known.
    pub(crate) fn classified(&self) -> bool {
        self.auth.is_some() || self.limit.is_some() || self.transient.is_some()
    }

    /// Reads the last lines of plain text (`text`, one line each) for an authentication error,
    /// then a limit (reset times resolved on `clock`), then a transient error — unless one is
    /// already known — and marks what it found as [`printed`](Report::printed).
    pub(crate) fn read_printed(&mut self, text: &str, clock: &Clock) {
        if self.classified() {
            return;
        }
        self.auth = detect_auth(text);
        if self.auth.is_none() {
            self.limit = detect_limit_at(text, clock);
        }
        if self.auth.is_none() && self.limit.is_none() {
            self.transient = detect_transient(text);
        }
        self.printed = self.classified();
    }
}
