//! codex's `exec --json`: one `ThreadEvent` per line.
//!
//! Shapes (openai/codex `codex-rs/exec/src/exec_events.rs` at 08a1f30c and the emitter
//! `event_processor_with_jsonl_output.rs` at 029bf4d5; the event names are in the 0.169.0
//! binary):
//! - `{"type":"thread.started","thread_id"}`, `{"type":"turn.started"}`;
//! - `{"type":"item.started"|"item.updated"|"item.completed","item":{"id","type",…}}` with item
//!   types `agent_message {text}`, `reasoning {text}`, `command_execution {command,
//!   aggregated_output,exit_code,status}`, `file_change {changes:[{path,kind}],status}`,
//!   `mcp_tool_call {server,tool,arguments,result,error,status}`, `web_search {query}`,
//!   `collab_tool_call {tool,prompt,…}`, `todo_list`, `plan`, `error {message}` (non-fatal);
//! - `{"type":"turn.completed","usage":{"input_tokens","cached_input_tokens","output_tokens"}}`
//!   — thread totals, cached tokens a part of the input ones;
//! - `{"type":"turn.failed","error":{"message"}}`;
//! - `{"type":"error","message"}` — fatal, except codex's own reconnect notices
//!   (`Reconnecting... 2/5 (…)`), which it retries itself; `Reconnecting... waiting for network`
//!   (newer versions, offline) pauses those retries until the network is back, with no deadline:
//!   a transient error, the run ended at once (see [`Codex::abandon`]).
//!
//! codex reports no model and no cost in this stream.

use std::collections::HashSet;

use serde_json::Value;

use super::auth::detect_auth;
use super::common::{ERROR_CHARS, cut, main_argument, one_line, str_at, u64_at};
use super::limit::{detect_limit_at, detect_transient};
use super::reset::Clock;
use super::{Rendered, Report};

/// Reader state for one codex stream.
#[derive(Debug, Default)]
pub(super) struct Codex {
    report: Report,
    seen_event: bool,
    /// Tool-call items already shown (an item starts, updates and completes).
    tools: HashSet<String>,
    turn_failed: Option<String>,
    /// The last fatal `error` event not followed by a completed turn.
    last_error: Option<String>,
    /// codex said it waits for the network (`Reconnecting... waiting for network`), and nothing
    /// came after.
    offline: Option<String>,
    succeeded: bool,
}

impl Codex {
    /// Reads one event.
    pub(super) fn event(&mut self, event: &Value, out: &mut Vec<Rendered>) {
        self.seen_event = true;
        if str_at(event, "type") != Some("error") {
            self.offline = None;
        }
        match str_at(event, "type") {
            Some("thread.started") => {
                let id = str_at(event, "thread_id").unwrap_or("?");
                self.report.usage.session_id = Some(id.to_owned());
                out.push(Rendered::Notice(format!("codex thread {id}")));
            }
            Some("item.started" | "item.updated" | "item.completed") => {
                let completed = str_at(event, "type") == Some("item.completed");
                if let Some(item) = event.get("item") {
                    self.item(item, completed, out);
                }
            }
            Some("turn.completed") => {
                let usage = event.get("usage").unwrap_or(&Value::Null);
                let u = &mut self.report.usage;
                u.input_tokens = u64_at(usage, "input_tokens").or(u.input_tokens);
                u.cached_input_tokens =
                    u64_at(usage, "cached_input_tokens").or(u.cached_input_tokens);
                u.output_tokens = u64_at(usage, "output_tokens").or(u.output_tokens);
                self.last_error = None;
                self.succeeded = true;
                out.push(Rendered::Notice("turn completed".to_owned()));
            }
            Some("turn.failed") => {
                let message = event
                    .get("error")
                    .and_then(|e| str_at(e, "message"))
                    .unwrap_or("turn failed");
                self.turn_failed = Some(cut(message, ERROR_CHARS));
                self.succeeded = false;
                out.push(Rendered::Error(format!(
                    "turn failed: {}",
                    one_line(message, 300)
                )));
            }
            Some("error") => {
                let message = str_at(event, "message").unwrap_or("error");
                if message.trim_start().starts_with("Reconnecting") {
                    if message.to_ascii_lowercase().contains("waiting for network") {
                        self.offline = Some(cut(message, ERROR_CHARS));
                    }
                    out.push(Rendered::Notice(one_line(message, 300)));
                } else {
                    self.last_error = Some(cut(message, ERROR_CHARS));
                    self.succeeded = false;
                    out.push(Rendered::Error(one_line(message, 300)));
                }
            }
            _ => {}
        }
    }

    fn item(&mut self, item: &Value, completed: bool, out: &mut Vec<Rendered>) {
        let id = str_at(item, "id").unwrap_or("").to_owned();
        let kind = str_at(item, "type").unwrap_or("");
        let tool = match kind {
            "command_execution" => Some((
                "shell".to_owned(),
                str_at(item, "command").map(|c| one_line(c, 200)),
            )),
            "file_change" => {
                let changes = item.get("changes").and_then(Value::as_array);
                let paths: Vec<String> = changes
                    .into_iter()
                    .flatten()
                    .filter_map(|c| {
                        let path = str_at(c, "path")?;
                        Some(format!("{} {path}", str_at(c, "kind").unwrap_or("edit")))
                    })
                    .collect();
                Some((
                    "patch".to_owned(),
                    (!paths.is_empty()).then(|| one_line(&paths.join(", "), 200)),
                ))
            }
            "mcp_tool_call" => {
                let server = str_at(item, "server").unwrap_or("mcp");
                let name = str_at(item, "tool").unwrap_or("tool");
                Some((
                    format!("{server}.{name}"),
                    item.get("arguments").and_then(main_argument),
                ))
            }
            "web_search" => Some((
                "web_search".to_owned(),
                str_at(item, "query").map(|q| one_line(q, 200)),
            )),
            "collab_tool_call" => {
                let name = str_at(item, "tool").unwrap_or("agent");
                Some((
                    format!("agent.{name}"),
                    str_at(item, "prompt").map(|p| one_line(p, 200)),
                ))
            }
            _ => None,
        };
        if let Some((name, arg)) = tool {
            if self.tools.insert(id) {
                out.push(Rendered::Tool {
                    name: name.clone(),
                    arg,
                });
            }
            if completed {
                self.tool_failure(item, kind, &name, out);
            }
            return;
        }
        if !completed {
            return;
        }
        match kind {
            "agent_message" => {
                let text = str_at(item, "text").unwrap_or("");
                if !text.trim().is_empty() {
                    self.report.final_message = Some(text.to_owned());
                    out.push(Rendered::Text(text.to_owned()));
                }
            }
            "error" => {
                let message = str_at(item, "message").unwrap_or("error");
                out.push(Rendered::Error(one_line(message, 300)));
            }
            _ => {}
        }
    }

    fn tool_failure(&self, item: &Value, kind: &str, name: &str, out: &mut Vec<Rendered>) {
        if str_at(item, "status") != Some("failed") {
            return;
        }
        let detail = match kind {
            "command_execution" => item
                .get("exit_code")
                .and_then(Value::as_i64)
                .map_or_else(|| "failed".to_owned(), |code| format!("exit {code}")),
            "mcp_tool_call" => item
                .get("error")
                .and_then(|e| str_at(e, "message"))
                .map_or_else(|| "failed".to_owned(), |m| one_line(m, 200)),
            _ => "failed".to_owned(),
        };
        out.push(Rendered::Error(format!("{name} {detail}")));
    }

    /// Whether the stream ended with a successful result (no error after it).
    pub(super) fn succeeded(&self) -> bool {
        self.succeeded
    }

    /// Why the run is better ended now than waited for: codex waits for the network, which it
    /// does with no deadline of its own (a night offline would be hours of silence); ended, the
    /// turn runs again after `agent.retry_backoff`, up to `agent.retries` times.
    pub(super) fn abandon(&self) -> Option<&str> {
        self.offline.as_deref()
    }

    /// What the stream reported.
    pub(super) fn finish(mut self, clock: &Clock) -> Report {
        if self.seen_event {
            self.report.usage.tool_calls = Some(self.tools.len() as u64);
        }
        let error = self.turn_failed.or(self.last_error);
        if let (None, Some(offline)) = (&error, self.offline) {
            self.report.final_message = None;
            self.report.transient = Some(one_line(&offline, 300));
            return self.report;
        }
        if let Some(message) = &error {
            self.report.final_message = None;
            self.report.auth = detect_auth(message);
            if self.report.auth.is_none() {
                self.report.limit = detect_limit_at(message, clock);
            }
            if !self.report.classified() {
                self.report.transient = detect_transient(message);
            }
        }
        self.report.reported_error = error;
        self.report
    }
}
