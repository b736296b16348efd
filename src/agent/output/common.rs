//! Helpers the format readers share: field access on untyped JSON, the one-line summary of a
//! tool call's main argument, and the tail of non-JSON lines.

use std::collections::VecDeque;

use serde_json::Value;

/// Characters kept of a tool's main argument.
const ARG_CHARS: usize = 200;
/// Characters kept of an error message.
pub(super) const ERROR_CHARS: usize = 1000;
/// Non-empty lines kept of a text stream (its final message).
const TAIL_LINES: usize = 20;
/// Of those, the last lines searched for a limit or transient error: an error the agent retried
/// past is followed by more output, so only one that ends the output counts.
const TAIL_SCAN_LINES: usize = 5;

/// The string at `key` of `value`, if it is one.
pub(super) fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// The non-negative integer at `key` of `value`, if it is one (floats with no fraction too).
pub(super) fn u64_at(value: &Value, key: &str) -> Option<u64> {
    let v = value.get(key)?;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e18)
            // Checked just above: integral and within u64.
            .map(|f| f as u64)
    })
}

/// Adds `b` to `a`; `None` only if both are.
pub(super) fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

/// `text` on one line of at most `max` characters: the first non-empty line, with ` …` if
/// anything was cut.
pub(super) fn one_line(text: &str, max: usize) -> String {
    let trimmed = text.trim();
    let first = trimmed.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let first = first.trim();
    let mut out: String = first.chars().take(max).collect();
    if out.len() < first.len() || first.len() < trimmed.len() {
        out.push_str(" …");
    }
    out
}

/// `text` cut to at most `max` characters, with `…` if anything was cut.
pub(super) fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// The keys that name a tool's main argument, most telling first: Claude Code (`command`,
/// `file_path`, `notebook_path`, `pattern`, `url`, `query`, `description`), gemini-cli
/// (`command`, `file_path`, `absolute_path`, `dir_path`, `path`, `pattern`, `query`, `prompt`),
/// opencode (`command`, `filePath`, `pattern`, `url`, `description`), MCP tools (anything).
const ARG_KEYS: &[&str] = &[
    "command",
    "cmd",
    "file_path",
    "filePath",
    "absolute_path",
    "notebook_path",
    "path",
    "dir_path",
    "pattern",
    "url",
    "query",
    "description",
    "prompt",
];

/// The main argument of a tool call whose input is `input` (a JSON object), on one line: the
/// first of [`ARG_KEYS`] present (an array of strings is joined with spaces), else the first
/// string field. `None` if there is none.
pub(super) fn main_argument(input: &Value) -> Option<String> {
    let obj = input.as_object()?;
    let pick = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Array(items) if !items.is_empty() => {
                let parts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                parts.map(|p| p.join(" "))
            }
            _ => None,
        }
    };
    ARG_KEYS
        .iter()
        .find_map(|k| obj.get(*k).and_then(pick))
        .or_else(|| obj.values().find_map(pick))
        .map(|s| one_line(&s, ARG_CHARS))
}

/// The last non-empty lines of a stream, bounded.
#[derive(Debug, Default)]
pub(crate) struct Tail {
    lines: VecDeque<String>,
}

impl Tail {
    /// The most lines it keeps: a reader may drop any older line unread.
    pub(crate) const LINES: usize = TAIL_LINES;

    /// Remembers `line` if it is not blank, forgetting the oldest beyond [`TAIL_LINES`].
    pub(crate) fn push(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        if self.lines.len() == TAIL_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line.to_owned());
    }

    /// All remembered lines joined with `\n`; `None` if there are none.
    pub(crate) fn text(&self) -> Option<String> {
        (!self.lines.is_empty()).then(|| Vec::from(self.lines.clone()).join("\n"))
    }

    /// The last [`TAIL_SCAN_LINES`] lines joined with `\n` (empty if none).
    pub(crate) fn last_lines(&self) -> String {
        let skip = self.lines.len().saturating_sub(TAIL_SCAN_LINES);
        let last: Vec<&str> = self.lines.iter().skip(skip).map(String::as_str).collect();
        last.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn main_argument_prefers_the_command_then_paths_then_anything() {
        let bash = json!({"description": "Run tests", "command": "cargo test\nmore"});
        assert_eq!(main_argument(&bash).as_deref(), Some("cargo test …"));
        let argv = json!({"cmd": ["git", "status"]});
        assert_eq!(main_argument(&argv).as_deref(), Some("git status"));
        let edit = json!({"filePath": "/a/b.rs", "oldString": "x"});
        assert_eq!(main_argument(&edit).as_deref(), Some("/a/b.rs"));
        let mcp = json!({"n": 3, "topic": "rust"});
        assert_eq!(main_argument(&mcp).as_deref(), Some("rust"));
        assert_eq!(main_argument(&json!({"n": 3})), None);
        assert_eq!(main_argument(&json!("not an object")), None);
    }

    #[test]
    fn one_line_cuts_long_text_on_a_char_boundary() {
        let long = "é".repeat(300);
        let line = one_line(&long, 200);
        assert_eq!(line.chars().count(), 202);
        assert!(line.ends_with(" …"));
        assert_eq!(one_line("  short  ", 200), "short");
    }

    #[test]
    fn tail_keeps_the_last_non_empty_lines() {
        let mut tail = Tail::default();
        for i in 0..30 {
            tail.push(&i.to_string());
            tail.push("   ");
        }
        let text = tail.text().expect("lines were pushed");
        assert_eq!(text.lines().count(), TAIL_LINES);
        assert!(text.starts_with("10\n"));
        assert_eq!(tail.last_lines(), "25\n26\n27\n28\n29");
        assert_eq!(Tail::default().text(), None);
    }
}
