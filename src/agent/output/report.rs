//! What an [`Adapter`](super::Adapter) gives back: transcript lines while the agent runs, and
//! at the end the [`Report`] of what the agent said about its turn.

use std::fmt;
use std::time::SystemTime;

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

/// What the agent reported about its turn, gathered by [`Adapter::finish`].
///
/// Precedence for the caller: a `limit` means wait and rerun; else `transient` means retry;
/// else `reported_error` means the turn failed even if the process exited 0. `limit` and
/// `transient` come with `reported_error` set when the structured result also said so.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Report {
    /// The usage the agent reported.
    pub(crate) usage: Usage,
    /// The error the agent's result reported (Claude `is_error`, codex `turn.failed` or a
    /// final `error`, gemini `status: "error"`, opencode `error`).
    pub(crate) reported_error: Option<String>,
    /// A usage or rate limit.
    pub(crate) limit: Option<Limit>,
    /// A retryable error: overloaded, 5xx, network reset or timeout.
    pub(crate) transient: Option<String>,
    /// The assistant's final message (text output: its last lines), for the completion promise.
    pub(crate) final_message: Option<String>,
}
