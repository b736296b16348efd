//! What agents print, understood: output formats, a readable transcript, and what the agent
//! reported about its turn.
//!
//! An [`Adapter`] is fed the agent's stdout one complete line at a time. It returns the readable
//! transcript lines for it ([`Rendered`]: assistant text, one line per tool call, errors — never
//! raw JSON) and at the end a [`Report`]: the usage the agent reported, the error its structured
//! result reported (even when it exited 0), a usage or rate [`Limit`] with its reset time, a
//! transient error worth retrying, and its final message.
//!
//! Invariants: the module is pure (no I/O; the clock and the time-zone database are the only
//! outside inputs). Unknown event types and fields are ignored, a line that is not a JSON object
//! is passed through as text, and nothing is estimated: a figure the agent did not report is
//! `None`. The shapes of each format and where they come from are documented in each format's
//! file and in `docs/agents.md`; the test fixtures under `tests/fixtures/agents/` cite them.

mod auth;
mod claude;
mod codex;
mod common;
mod gemini;
mod limit;
mod opencode;
mod report;
mod reset;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub(crate) use auth::is_auth;
pub(crate) use common::Tail;
pub(crate) use report::{Limit, Rendered, Report, Usage};
pub(crate) use reset::Clock;

/// The output format an agent speaks on stdout. Config names: `text`, `claude-stream-json`,
/// `codex-json`, `gemini-stream-json`, `opencode-json`. Default: `text`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Format {
    /// Plain text, passed through (aider, `claude -p` without `--output-format`, wrappers).
    #[default]
    Text,
    /// `claude -p --output-format stream-json --verbose`: Claude Code SDK messages, one a line.
    ClaudeStreamJson,
    /// `codex exec --json`: codex's `ThreadEvent`s, one a line.
    CodexJson,
    /// `gemini --output-format stream-json`: gemini-cli's `JsonStreamEvent`s, one a line.
    GeminiStreamJson,
    /// `opencode run --format json`: opencode's run events, one a line.
    OpencodeJson,
}

impl Format {
    /// Every format, in the order documented.
    pub(crate) const ALL: [Format; 5] = [
        Format::Text,
        Format::ClaudeStreamJson,
        Format::CodexJson,
        Format::GeminiStreamJson,
        Format::OpencodeJson,
    ];

    /// Whether an agent speaking this format reports what its turn cost: Claude's `result`
    /// event (`total_cost_usd`) and opencode's `step_finish` parts (`cost`) do; codex and
    /// gemini report tokens only, and text reports nothing.
    pub(crate) fn reports_cost(self) -> bool {
        matches!(self, Format::ClaudeStreamJson | Format::OpencodeJson)
    }

    /// The config name (`claude-stream-json`, …).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::ClaudeStreamJson => "claude-stream-json",
            Format::CodexJson => "codex-json",
            Format::GeminiStreamJson => "gemini-stream-json",
            Format::OpencodeJson => "opencode-json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a [`Format`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown output format `{name}` (expected one of: {})",
    known_formats()
)]
pub(crate) struct UnknownFormat {
    /// The name given.
    pub(crate) name: String,
}

fn known_formats() -> String {
    Format::ALL.map(Format::name).join(", ")
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses a config name, exactly as [`Format::name`] gives it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat { name: s.to_owned() })
    }
}

/// An incremental reader of one agent's stdout in one [`Format`].
#[derive(Debug)]
pub(crate) struct Adapter {
    inner: Inner,
    /// Non-JSON lines of a structured stream, scanned at the end if no event said why it ended.
    tail: common::Tail,
    clock: Clock,
}

#[derive(Debug)]
enum Inner {
    Text,
    Claude(claude::Claude),
    Codex(codex::Codex),
    Gemini(gemini::Gemini),
    Opencode(opencode::Opencode),
}

impl Adapter {
    /// A reader for `format` using the system clock and time zone.
    pub(crate) fn new(format: Format) -> Self {
        Self::with_clock(format, Clock::system())
    }

    /// A reader for `format` resolving reset times with `clock`.
    pub(crate) fn with_clock(format: Format, clock: Clock) -> Self {
        let inner = match format {
            Format::Text => Inner::Text,
            Format::ClaudeStreamJson => Inner::Claude(claude::Claude::default()),
            Format::CodexJson => Inner::Codex(codex::Codex::default()),
            Format::GeminiStreamJson => Inner::Gemini(gemini::Gemini::default()),
            Format::OpencodeJson => Inner::Opencode(opencode::Opencode::default()),
        };
        Self {
            inner,
            tail: common::Tail::default(),
            clock,
        }
    }

    /// Reads one complete line (without its newline) and returns its transcript lines.
    pub(crate) fn line(&mut self, line: &str) -> Vec<Rendered> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if matches!(self.inner, Inner::Text) {
            self.tail.push(line);
            return vec![Rendered::Raw(line.to_owned())];
        }
        if line.trim().is_empty() {
            return Vec::new();
        }
        let event = match serde_json::from_str::<serde_json::Value>(line) {
            Ok(value @ serde_json::Value::Object(_)) => value,
            _ => {
                self.tail.push(line);
                return vec![Rendered::Raw(line.to_owned())];
            }
        };
        let mut out = Vec::new();
        match &mut self.inner {
            Inner::Text => {}
            Inner::Claude(a) => a.event(&event, &mut out),
            Inner::Codex(a) => a.event(&event, &mut out),
            Inner::Gemini(a) => a.event(&event, &mut out),
            Inner::Opencode(a) => a.event(&event, &mut out),
        }
        out
    }

    /// Why the agent is better ended now than waited for, once its output says so (codex waiting
    /// for the network); the report then names it as a transient error, so the turn runs again
    /// after `agent.retry_backoff`, up to `agent.retries` times.
    pub(crate) fn abandon(&self) -> Option<&str> {
        match &self.inner {
            Inner::Codex(a) => a.abandon(),
            _ => None,
        }
    }

    /// Ends the stream and returns what the agent reported. Text output yields no usage, an
    /// authentication error, a limit or a transient error only from its last lines (marked
    /// [`printed`](Report::printed)), and those lines as its final message. The last non-JSON
    /// lines of a structured stream are searched the same way, unless the stream ended with a
    /// successful result or its events already said why it ended.
    pub(crate) fn finish(self) -> Report {
        let clock = &self.clock;
        let succeeded = match &self.inner {
            Inner::Text => false,
            Inner::Claude(a) => a.succeeded(),
            Inner::Codex(a) => a.succeeded(),
            Inner::Gemini(a) => a.succeeded(),
            Inner::Opencode(a) => a.succeeded(),
        };
        let mut report = match self.inner {
            Inner::Text => Report {
                final_message: self.tail.text(),
                ..Report::default()
            },
            Inner::Claude(a) => a.finish(clock),
            Inner::Codex(a) => a.finish(clock),
            Inner::Gemini(a) => a.finish(clock),
            Inner::Opencode(a) => a.finish(clock),
        };
        if !succeeded {
            report.read_printed(&self.tail.last_lines(), clock);
        }
        report
    }
}
