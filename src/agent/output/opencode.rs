//! opencode's `run --format json`: one run event per line.
//!
//! Shapes (anomalyco/opencode `packages/opencode/src/cli/cmd/run.ts` at 00f9806c — `emit(type,
//! {part})` writes `{"type","timestamp","sessionID",…}` — and the part schemas of
//! `packages/opencode/src/session/message-v2.ts` at 007a9409; the same emitter is in the
//! 1.18.33 binary):
//! - `{"type":"text","part":{"messageID","text","time":{"end"}}}` — a finished text part;
//! - `{"type":"tool_use","part":{"tool","callID","state":{"status":"completed"|"error",
//!   "input","output"?,"error"?}}}` — a finished tool call;
//! - `{"type":"step_start"}`, `{"type":"step_finish","part":{"reason","cost","tokens":{"input",
//!   "output","reasoning","cache":{"read","write"}}}}` — one per model call, to be summed;
//!   `input` excludes the cache reads and writes;
//! - `{"type":"reasoning","part":{"text"}}` (with `--thinking`);
//! - `{"type":"error","error":{"name","data":{"message","statusCode"?,"isRetryable"?,
//!   "responseHeaders"?,"responseBody"?}}}` — `name` is `APIError`, `ProviderAuthError`,
//!   `UnknownError`, `MessageOutputLengthError`, `MessageAbortedError`, …;
//! - `{"type":"done","reason":"idle"}` (newer versions).
//!
//! No model is reported in this stream.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;

use super::auth::detect_auth;
use super::common::{ERROR_CHARS, add, cut, main_argument, one_line, str_at, u64_at};
use super::limit::{detect_limit_at, detect_transient, is_limit, reset_hint};
use super::reset::Clock;
use super::{Limit, Rendered, Report};

/// Reader state for one opencode stream.
#[derive(Debug, Default)]
pub(super) struct Opencode {
    report: Report,
    seen_event: bool,
    tools: HashSet<String>,
    /// The message id of the last text part and the text of that message so far.
    last_text: Option<(String, String)>,
    errors: Vec<String>,
    /// Status code, retryable flag and `retry-after` seconds of the last API error.
    status: Option<u64>,
    retryable: bool,
    retry_after: Option<u64>,
    /// An error named `ProviderAuthError` was seen.
    auth_error: bool,
    succeeded: bool,
}

impl Opencode {
    /// Reads one event.
    pub(super) fn event(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        self.seen_event = true;
        if let Some(id) = str_at(event, "sessionID") {
            self.report
                .usage
                .session_id
                .get_or_insert_with(|| id.to_owned());
        }
        let part = event.get("part").unwrap_or(&Value::Null);
        match str_at(event, "type") {
            Some("text") => {
                let text = str_at(part, "text").unwrap_or("");
                if text.trim().is_empty() {
                    return;
                }
                let id = str_at(part, "messageID").unwrap_or("").to_owned();
                match &mut self.last_text {
                    Some((last, so_far)) if *last == id => {
                        so_far.push('\n');
                        so_far.push_str(text);
                    }
                    _ => self.last_text = Some((id, text.to_owned())),
                }
                out.push(Rendered::Text(text.to_owned()));
            }
            Some("tool_use") => self.tool(part, out),
            Some("step_finish") => {
                self.succeeded |= str_at(part, "reason") == Some("stop");
                self.step(part);
            }
            Some("done") => self.succeeded = true,
            Some("error") => self.error(event.get("error").unwrap_or(&Value::Null), out),
            _ => {}
        }
    }

    fn tool(&mut self, part: &Value, out: &mut Vec<Rendered>) {
        let name = str_at(part, "tool").unwrap_or("tool").to_owned();
        let state = part.get("state").unwrap_or(&Value::Null);
        let id = str_at(part, "callID")
            .or_else(|| str_at(part, "id"))
            .unwrap_or("");
        if self.tools.insert(id.to_owned()) {
            let arg = state.get("input").and_then(main_argument);
            out.push(Rendered::Tool {
                name: name.clone(),
                arg,
            });
        }
        if str_at(state, "status") == Some("error") {
            let why = str_at(state, "error").unwrap_or("failed");
            out.push(Rendered::Error(format!(
                "{name} failed: {}",
                one_line(why, 200)
            )));
        }
    }

    fn step(&mut self, part: &Value) {
        let u = &mut self.report.usage;
        if let Some(cost) = part.get("cost").and_then(Value::as_f64) {
            u.cost_usd = Some(u.cost_usd.unwrap_or(0.0) + cost);
        }
        let Some(tokens) = part.get("tokens") else {
            return;
        };
        let cache = tokens.get("cache").unwrap_or(&Value::Null);
        let (read, write) = (u64_at(cache, "read"), u64_at(cache, "write"));
        let input = u64_at(tokens, "input").and_then(|i| add(add(Some(i), read), write));
        u.input_tokens = add(u.input_tokens, input);
        u.cached_input_tokens = add(u.cached_input_tokens, read);
        let output = add(u64_at(tokens, "output"), u64_at(tokens, "reasoning"));
        u.output_tokens = add(u.output_tokens, output);
    }

    fn error(&mut self, error: &Value, out: &mut Vec<Rendered>) {
        let name = str_at(error, "name").unwrap_or("Error");
        let data = error.get("data").unwrap_or(&Value::Null);
        let message = str_at(data, "message").unwrap_or(name);
        out.push(Rendered::Error(format!(
            "{name}: {}",
            one_line(message, 300)
        )));
        self.errors.push(format!("{name}: {message}"));
        self.succeeded = false;
        self.auth_error |= name == "ProviderAuthError";
        if let Some(body) = str_at(data, "responseBody") {
            self.errors.push(body.to_owned());
        }
        self.status = u64_at(data, "statusCode").or(self.status);
        self.retryable = data.get("isRetryable").and_then(Value::as_bool) == Some(true);
        let headers = data.get("responseHeaders").unwrap_or(&Value::Null);
        self.retry_after = str_at(headers, "retry-after").and_then(|s| s.trim().parse().ok());
    }

    /// Whether the stream ended with a successful result (no error after it).
    pub(super) fn succeeded(&self) -> bool {
        self.succeeded
    }

    /// What the stream reported.
    pub(super) fn finish(self, clock: &Clock) -> Report {
        let mut report = self.report;
        if self.seen_event {
            report.usage.tool_calls = Some(self.tools.len() as u64);
        }
        if self.errors.is_empty() {
            report.final_message = self.last_text.map(|(_, text)| text);
            return report;
        }
        let all = self.errors.join("\n");
        let first = self.errors.first().map_or("", String::as_str);
        report.reported_error = Some(cut(&all, ERROR_CHARS));
        let resets_at = self
            .retry_after
            .and_then(|secs| clock.after(Duration::from_secs(secs)))
            .or_else(|| reset_hint(&all, clock));
        report.auth = detect_auth(&all).or_else(|| {
            (self.auth_error || self.status == Some(401)).then(|| one_line(first, 300))
        });
        if report.auth.is_some() {
            return report;
        }
        if self.status == Some(429) || is_limit(&all) {
            let found = detect_limit_at(&all, clock).and_then(|l| l.resets_at);
            report.limit = Some(Limit {
                reason: one_line(first, 300),
                resets_at: resets_at.or(found),
            });
        } else if self.status.is_some_and(|s| s >= 500) || self.retryable {
            report.transient = Some(one_line(first, 300));
        } else {
            report.transient = detect_transient(&all);
        }
        report
    }
}
