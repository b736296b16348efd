//! The output formats an agent may speak on stdout, by the names `agent.formats` and the agent
//! presets give them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip_through_from_str_and_serde() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
            let json = serde_json::to_string(&format).expect("a format serializes");
            assert_eq!(json, format!("\"{}\"", format.name()));
        }
        let err = "claude-json".parse::<Format>().expect_err("not a format");
        assert_eq!(
            err.to_string(),
            "unknown output format `claude-json` (expected one of: text, claude-stream-json, \
             codex-json, gemini-stream-json, opencode-json)"
        );
        assert_eq!(Format::default(), Format::Text);
    }
}
