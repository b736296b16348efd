//! The argv of each known agent CLI, checked against that CLI's `--help`.
//!
//! Every preset reads the prompt from stdin, runs non-interactively (one autonomous turn, then
//! exit) and may edit files and run commands without asking. `docs/agents.md` records how each
//! CLI consumes stdin and the caveats (e.g. claude refuses its bypass flag as root unless
//! `IS_SANDBOX=1`).

use crate::agent::output::Format;

/// A known agent CLI. The prompt goes to its stdin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Preset {
    /// The preset's name (`claude`, `codex`, …).
    pub name: &'static str,
    /// The argv (program first).
    pub argv: &'static [&'static str],
    /// The CLI version whose `--help` this argv was checked against.
    pub checked_version: &'static str,
    /// What its stdout speaks with this argv.
    pub format: Format,
}

/// All presets: `claude`, `codex`, `gemini`, `opencode`, `aider`.
pub(crate) const PRESETS: &[Preset] = &[
    // `-p` with no prompt argument reads the prompt from stdin.
    Preset {
        name: "claude",
        argv: &[
            "claude",
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--dangerously-skip-permissions",
        ],
        checked_version: "2.1.197",
        format: Format::ClaudeStreamJson,
    },
    // `exec -` reads the instructions from stdin.
    Preset {
        name: "codex",
        argv: &[
            "codex",
            "exec",
            "--json",
            "--dangerously-bypass-approvals-and-sandbox",
            "--skip-git-repo-check",
            "-",
        ],
        checked_version: "0.169.0",
        format: Format::CodexJson,
    },
    // Non-TTY stdin selects headless mode and is read as the prompt.
    Preset {
        name: "gemini",
        argv: &[
            "gemini",
            "--output-format",
            "stream-json",
            "--yolo",
            "--skip-trust",
        ],
        checked_version: "0.61.0",
        format: Format::GeminiStreamJson,
    },
    // `run` appends non-TTY stdin to the (empty) message.
    Preset {
        name: "opencode",
        argv: &["opencode", "run", "--format", "json", "--auto"],
        checked_version: "1.18.33",
        format: Format::OpencodeJson,
    },
    // `--message-file` is opened and read; `/dev/stdin` is the pipe. From aider's `args.py`
    // and `main.py`: `--no-gitignore` keeps it from adding `.aider*` to `.gitignore` (it does
    // by default, `--yes-always` answering its question), `--analytics-disable` from asking
    // (and, with `--yes-always`, agreeing) to send analytics; its chat and input histories go
    // nowhere, since the turn log holds the transcript (in the workspace they would be new
    // files every turn commits or, for galph, a failed guard).
    Preset {
        name: "aider",
        argv: &[
            "aider",
            "--yes-always",
            "--no-pretty",
            "--no-fancy-input",
            "--no-check-update",
            "--no-show-release-notes",
            "--no-gitignore",
            "--analytics-disable",
            "--chat-history-file",
            "/dev/null",
            "--input-history-file",
            "/dev/null",
            "--message-file",
            "/dev/stdin",
        ],
        checked_version: "0.86.2",
        format: Format::Text,
    },
];

/// The preset called `name`.
#[must_use]
pub(crate) fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}
