//! gemini-cli's `--output-format stream-json`: one `JsonStreamEvent` per line.
//!
//! Shapes (google-gemini/gemini-cli `packages/core/src/output/types.ts`, emitted by
//! `packages/cli/src/nonInteractiveCli.ts` and `packages/cli/src/utils/errors.ts` at 5411f113;
//! the same in the 0.61.0 bundle; <https://geminicli.com/docs/cli/headless>):
//! - `{"type":"init","timestamp","session_id","model"}`;
//! - `{"type":"message","role":"user"|"assistant","content","delta"?}` — the assistant's text
//!   arrives in chunks;
//! - `{"type":"tool_use","tool_name","tool_id","parameters"}`,
//!   `{"type":"tool_result","tool_id","status":"success"|"error","output"?,"error"?:{"type",
//!   "message"}}`;
//! - `{"type":"error","severity":"warning"|"error","message"}` — non-fatal;
//! - `{"type":"result","status":"success"|"error","error"?:{"type","message"},"stats"?:
//!   {"input_tokens","output_tokens","cached","input","tool_calls","models",…}}` — the last
//!   line. `status: "error"` with exit 0 happens (an invalid or blocked model response); a quota
//!   error has `error.type` `TerminalQuotaError` or `RetryableQuotaError`.
//!
//! `input_tokens` is the prompt count, cached tokens (`cached`) included. No cost is reported.

use std::collections::HashMap;

use serde_json::Value;

use super::auth::detect_auth;
use super::common::{ERROR_CHARS, cut, main_argument, one_line, str_at, u64_at};
use super::limit::{detect_limit_at, detect_transient, reset_hint};
use super::reset::Clock;
use super::{Limit, Rendered, Report};

/// Reader state for one gemini stream.
#[derive(Debug, Default)]
pub(super) struct Gemini {
    report: Report,
    seen_event: bool,
    tool_names: HashMap<String, String>,
    tool_calls: u64,
    reported_tool_calls: Option<u64>,
    /// Assistant text not yet rendered (chunks end mid-line).
    pending: String,
    /// The assistant's text since the last tool call.
    message: String,
    error_type: Option<String>,
    succeeded: bool,
}

impl Gemini {
    /// Reads one event.
    pub(super) fn event(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        self.seen_event = true;
        let kind = str_at(event, "type");
        if kind == Some("message") {
            if str_at(event, "role") == Some("assistant") {
                self.chunk(str_at(event, "content").unwrap_or(""), out);
            }
            return;
        }
        if matches!(kind, Some("tool_use" | "result" | "error")) {
            self.flush(out);
        }
        match kind {
            Some("init") => {
                let session = str_at(event, "session_id").unwrap_or("?");
                let model = str_at(event, "model").unwrap_or("?");
                self.report.usage.session_id = Some(session.to_owned());
                self.report.usage.model = Some(model.to_owned());
                out.push(Rendered::Notice(format!(
                    "gemini session {session}, model {model}"
                )));
            }
            Some("tool_use") => {
                let name = str_at(event, "tool_name").unwrap_or("tool").to_owned();
                if let Some(id) = str_at(event, "tool_id") {
                    self.tool_names.insert(id.to_owned(), name.clone());
                }
                self.tool_calls += 1;
                self.message.clear();
                let arg = event.get("parameters").and_then(main_argument);
                out.push(Rendered::Tool { name, arg });
            }
            Some("tool_result") if str_at(event, "status") == Some("error") => {
                let name = str_at(event, "tool_id")
                    .and_then(|id| self.tool_names.get(id))
                    .map_or("tool", String::as_str);
                let why = event
                    .get("error")
                    .and_then(|e| str_at(e, "message"))
                    .unwrap_or("failed");
                out.push(Rendered::Error(format!(
                    "{name} failed: {}",
                    one_line(why, 200)
                )));
            }
            Some("error") => {
                let message = one_line(str_at(event, "message").unwrap_or("error"), 300);
                out.push(if str_at(event, "severity") == Some("warning") {
                    Rendered::Notice(message)
                } else {
                    Rendered::Error(message)
                });
            }
            Some("result") => self.result(event, out),
            _ => {}
        }
    }

    /// Renders the complete lines of assistant text received so far.
    fn chunk(&mut self, text: &str, out: &mut Vec<Rendered>) {
        self.message.push_str(text);
        self.pending.push_str(text);
        if let Some(end) = self.pending.rfind('\n') {
            let lines: String = self.pending.drain(..=end).collect();
            let lines = lines.trim_end_matches('\n');
            if !lines.trim().is_empty() {
                out.push(Rendered::Text(lines.to_owned()));
            }
        }
    }

    /// Renders the rest of the assistant text.
    fn flush(&mut self, out: &mut Vec<Rendered>) {
        let rest = std::mem::take(&mut self.pending);
        if !rest.trim().is_empty() {
            out.push(Rendered::Text(rest));
        }
    }

    fn result(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        if let Some(stats) = event.get("stats") {
            let u = &mut self.report.usage;
            u.input_tokens = u64_at(stats, "input_tokens");
            u.output_tokens = u64_at(stats, "output_tokens");
            u.cached_input_tokens = u64_at(stats, "cached");
            self.reported_tool_calls = u64_at(stats, "tool_calls");
        }
        if str_at(event, "status") == Some("error") {
            let error = event.get("error");
            self.error_type = error.and_then(|e| str_at(e, "type")).map(str::to_owned);
            let message = error
                .and_then(|e| str_at(e, "message"))
                .map_or_else(|| "gemini reported an error".to_owned(), str::to_owned);
            out.push(Rendered::Error(one_line(&message, 300)));
            self.report.reported_error = Some(cut(&message, ERROR_CHARS));
            self.succeeded = false;
        } else {
            out.push(Rendered::Notice("done".to_owned()));
            self.succeeded = true;
        }
    }

    /// Whether the stream ended with a successful result (no error after it).
    pub(super) fn succeeded(&self) -> bool {
        self.succeeded
    }

    /// What the stream reported.
    pub(super) fn finish(mut self, clock: &Clock) -> Report {
        let mut report = self.report;
        if self.seen_event {
            report.usage.tool_calls = self.reported_tool_calls.or(Some(self.tool_calls));
        }
        let message = std::mem::take(&mut self.message);
        report.final_message = (!message.trim().is_empty()).then_some(message);
        if let Some(error) = &report.reported_error {
            report.final_message = None;
            report.auth = detect_auth(error).or_else(|| {
                (self.error_type.as_deref() == Some("FatalAuthenticationError"))
                    .then(|| one_line(error, 300))
            });
            if report.auth.is_some() {
                return report;
            }
            let quota = matches!(
                self.error_type.as_deref(),
                Some("TerminalQuotaError" | "RetryableQuotaError")
            );
            report.limit = detect_limit_at(error, clock).or_else(|| {
                quota.then(|| Limit {
                    reason: one_line(error, 300),
                    resets_at: reset_hint(error, clock),
                })
            });
            if report.limit.is_none() {
                report.transient = detect_transient(error);
            }
        }
        report
    }
}
