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

pub(crate) use auth::is_auth;
pub(crate) use common::Tail;
pub(crate) use report::{Limit, Rendered, Report, Usage};
pub(crate) use reset::Clock;

pub(crate) use crate::config::Format;

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
