//! Claude Code's `--output-format stream-json --verbose`: one SDK message per line.
//!
//! Shapes (Agent SDK reference, <https://docs.claude.com/en/docs/claude-code/sdk/sdk-headless>
//! and the TypeScript `SDKMessage` types; checked against the strings of
//! `@anthropic-ai/claude-code` 2.1.197):
//! - `{"type":"system","subtype":"init","session_id","model",…}`; other subtypes, among them
//!   `{"subtype":"api_retry","attempt","max_retries","retry_delay_ms","error_status","error"}`;
//! - `{"type":"assistant","message":{"id","model","content":[{"type":"text","text"} |
//!   {"type":"tool_use","id","name","input"} | {"type":"thinking",…}],"usage"},"error"?}` —
//!   `error` (`rate_limit`, `server_error`, …) marks a synthetic message (model `<synthetic>`)
//!   carrying an API error's text;
//! - `{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id","content",
//!   "is_error"}]}}`;
//! - `{"type":"rate_limit_event","rate_limit_info":{"status":"allowed"|"allowed_warning"|
//!   "rejected","resetsAt":<unix>,"rateLimitType"}}`;
//! - `{"type":"result","subtype":"success"|"error_max_turns"|"error_during_execution",
//!   "is_error","result","errors"?,"api_error_status"?,"total_cost_usd","num_turns",
//!   "session_id","usage":{"input_tokens","output_tokens","cache_read_input_tokens",
//!   "cache_creation_input_tokens"}}` — the last line; `is_error` may be true with subtype
//!   `success` (an API error such as a usage limit).
//!
//! `stream_event` (partial messages) and unknown types or subtypes are ignored.

use std::collections::HashMap;

use serde_json::Value;

use super::auth::detect_auth;
use super::common::{ERROR_CHARS, add, cut, main_argument, one_line, str_at, u64_at};
use super::limit::{detect_limit_at, detect_transient, reset_hint};
use super::reset::{self, Clock};
use super::{Limit, Rendered, Report, Usage};

/// Reader state for one Claude Code stream.
#[derive(Debug, Default)]
pub(super) struct Claude {
    usage: Usage,
    seen_event: bool,
    tool_names: HashMap<String, String>,
    tool_calls: u64,
    /// The id of the last assistant message and its text blocks so far.
    last_message: Option<(String, String)>,
    result_text: Option<String>,
    reported_error: Option<String>,
    /// The `error` field of the last synthetic assistant message, and its text.
    api_error: Option<String>,
    api_error_text: Option<String>,
    api_error_status: Option<u64>,
    rejected_reset: Option<u64>,
    succeeded: bool,
}

impl Claude {
    /// Reads one event.
    pub(super) fn event(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        self.seen_event = true;
        if let Some(id) = str_at(event, "session_id") {
            self.usage.session_id.get_or_insert_with(|| id.to_owned());
        }
        match str_at(event, "type") {
            Some("system") => self.system(event, out),
            Some("assistant") => self.assistant(event, out),
            Some("user") => self.user(event, out),
            Some("rate_limit_event") => {
                let info = event.get("rate_limit_info").unwrap_or(&Value::Null);
                if str_at(info, "status") == Some("rejected") {
                    self.rejected_reset = u64_at(info, "resetsAt").or(self.rejected_reset);
                }
            }
            Some("result") => self.result(event, out),
            _ => {}
        }
    }

    fn system(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        match str_at(event, "subtype") {
            Some("init") => {
                let model = str_at(event, "model").map(str::to_owned);
                if let Some(model) = &model {
                    self.usage.model = Some(model.clone());
                }
                let session = self.usage.session_id.as_deref().unwrap_or("?");
                let model = model.as_deref().unwrap_or("?");
                out.push(Rendered::Notice(format!(
                    "claude session {session}, model {model}"
                )));
            }
            Some("api_retry") => {
                let attempt = u64_at(event, "attempt").unwrap_or(0);
                let max = u64_at(event, "max_retries").unwrap_or(0);
                // Claude Code computes the delay with jitter: a fraction of milliseconds.
                let delay = event
                    .get("retry_delay_ms")
                    .and_then(Value::as_f64)
                    .map_or_else(|| "?".to_owned(), seconds);
                let why = str_at(event, "error").unwrap_or("error");
                out.push(Rendered::Notice(format!(
                    "API retry {attempt}/{max} in {delay} ({why})"
                )));
            }
            _ => {}
        }
    }

    fn assistant(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        let message = event.get("message").unwrap_or(&Value::Null);
        if let Some(error) = str_at(event, "error") {
            // A synthetic message carrying an API error: an error, not the assistant's answer.
            let text = text_of(message);
            out.push(Rendered::Error(one_line(&text, 300)));
            self.api_error = Some(error.to_owned());
            self.api_error_text = Some(text);
            return;
        }
        let id = str_at(message, "id").unwrap_or("").to_owned();
        if self
            .last_message
            .as_ref()
            .is_none_or(|(last, _)| *last != id)
        {
            self.last_message = Some((id, String::new()));
        }
        let blocks = message.get("content").and_then(Value::as_array);
        for block in blocks.into_iter().flatten() {
            match str_at(block, "type") {
                Some("text") => {
                    let text = str_at(block, "text").unwrap_or("");
                    if text.trim().is_empty() {
                        continue;
                    }
                    if let Some((_, so_far)) = &mut self.last_message {
                        if !so_far.is_empty() {
                            so_far.push('\n');
                        }
                        so_far.push_str(text);
                    }
                    out.push(Rendered::Text(text.to_owned()));
                }
                Some("tool_use") => {
                    let name = str_at(block, "name").unwrap_or("tool").to_owned();
                    let id = str_at(block, "id").unwrap_or("").to_owned();
                    // A block sent twice (replayed messages) is one call.
                    if id.is_empty() || self.tool_names.insert(id, name.clone()).is_none() {
                        self.tool_calls += 1;
                        let arg = block.get("input").and_then(main_argument);
                        out.push(Rendered::Tool { name, arg });
                    }
                }
                _ => {}
            }
        }
    }

    fn user(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        let blocks = event
            .get("message")
            .and_then(|m| m.get("content"))
            .and_then(Value::as_array);
        for block in blocks.into_iter().flatten() {
            let failed = block.get("is_error").and_then(Value::as_bool) == Some(true);
            if str_at(block, "type") != Some("tool_result") || !failed {
                continue;
            }
            let name = str_at(block, "tool_use_id")
                .and_then(|id| self.tool_names.get(id))
                .map_or("tool", String::as_str);
            let text = match block.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|p| str_at(p, "text"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => String::new(),
            };
            let text = text
                .replace("<tool_use_error>", "")
                .replace("</tool_use_error>", "");
            out.push(Rendered::Error(format!(
                "{name} failed: {}",
                one_line(&text, 200)
            )));
        }
    }

    fn result(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        if let Some(usage) = event.get("usage") {
            let cache_read = u64_at(usage, "cache_read_input_tokens");
            let cache_write = u64_at(usage, "cache_creation_input_tokens");
            self.usage.input_tokens = u64_at(usage, "input_tokens")
                .and_then(|input| add(add(Some(input), cache_read), cache_write));
            self.usage.cached_input_tokens = cache_read;
            self.usage.output_tokens = u64_at(usage, "output_tokens");
        }
        self.usage.cost_usd = event.get("total_cost_usd").and_then(Value::as_f64);
        self.api_error_status = u64_at(event, "api_error_status");
        let subtype = str_at(event, "subtype").unwrap_or("");
        let is_error = event.get("is_error").and_then(Value::as_bool) == Some(true)
            || subtype.starts_with("error");
        let text = str_at(event, "result").map(str::to_owned);
        if is_error {
            let errors: Vec<&str> = event
                .get("errors")
                .and_then(Value::as_array)
                .map(|e| e.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let message = text
                .filter(|t| !t.trim().is_empty())
                .or_else(|| (!errors.is_empty()).then(|| errors.join("; ")))
                .unwrap_or_else(|| format!("result {subtype}"));
            out.push(Rendered::Error(one_line(&message, 300)));
            self.reported_error = Some(cut(&message, ERROR_CHARS));
            self.succeeded = false;
        } else {
            let turns =
                u64_at(event, "num_turns").map_or(String::new(), |n| format!(", {n} turns"));
            let cost = self
                .usage
                .cost_usd
                .map_or(String::new(), |c| format!(", ${c:.4}"));
            out.push(Rendered::Notice(format!("done{turns}{cost}")));
            self.result_text = text;
            self.succeeded = true;
        }
    }

    /// Whether the stream ended with a successful result (no error after it).
    pub(super) fn succeeded(&self) -> bool {
        self.succeeded
    }

    /// What the stream reported.
    pub(super) fn finish(mut self, clock: &Clock) -> Report {
        if self.seen_event {
            self.usage.tool_calls = Some(self.tool_calls);
        }
        let final_message = self
            .result_text
            .or_else(|| self.last_message.map(|(_, text)| text))
            .filter(|t| !t.trim().is_empty() && self.reported_error.is_none());
        let mut report = Report {
            usage: self.usage,
            reported_error: self.reported_error.clone(),
            final_message,
            ..Report::default()
        };
        // A stream that ended with a successful result did its turn, whatever API errors it
        // retried past on the way.
        if self.succeeded {
            return report;
        }
        let error_text = self
            .reported_error
            .or(self.api_error_text.take())
            .unwrap_or_default();
        if error_text.is_empty() {
            return report;
        }
        let kind = self.api_error.as_deref();
        let status = self.api_error_status;
        if kind == Some("authentication_failed") || status == Some(401) {
            report.auth = Some(one_line(&error_text, 300));
            return report;
        }
        report.auth = detect_auth(&error_text);
        if report.auth.is_some() {
            return report;
        }
        let rate_limited = kind == Some("rate_limit") || status == Some(429);
        report.limit = detect_limit_at(&error_text, clock)
            .or_else(|| {
                rate_limited.then(|| Limit {
                    reason: one_line(&error_text, 300),
                    resets_at: reset_hint(&error_text, clock),
                })
            })
            .map(|mut l| {
                l.resets_at = l
                    .resets_at
                    .or_else(|| self.rejected_reset.and_then(reset::unix));
                l
            });
        if report.limit.is_some() {
            return report;
        }
        let server_error =
            matches!(kind, Some("server_error" | "overloaded")) || status.is_some_and(|s| s >= 500);
        report.transient = if server_error {
            Some(one_line(&error_text, 300))
        } else {
            detect_transient(&error_text)
        };
        report
    }
}

/// The text blocks of a message's content, joined with newlines.
fn text_of(message: &Value) -> String {
    let blocks = message.get("content").and_then(Value::as_array);
    let texts: Vec<&str> = blocks
        .into_iter()
        .flatten()
        .filter(|b| str_at(b, "type") == Some("text"))
        .filter_map(|b| str_at(b, "text"))
        .collect();
    texts.join("\n")
}

/// `ms` milliseconds for people: tenths of a second under 10 s (`0.6s`, `1.2s`), whole seconds
/// above (`32s`).
fn seconds(ms: f64) -> String {
    let secs = ms.max(0.0) / 1000.0;
    if secs < 10.0 {
        format!("{secs:.1}s")
    } else {
        format!("{secs:.0}s")
    }
}
