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
    /// What to do when it cannot authenticate (not logged in, a missing or wrong API key): the
    /// hint printed after such a failed turn.
    pub login: &'static str,
}

/// The hint after an authentication error of an agent that is not a preset.
const LOGIN_OTHER: &str = "log the agent's CLI in (or set its API key) as the user Baton runs \
     as, in the environment Baton starts it with, then start again";

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
        login: "run `claude` once in a terminal, as the user Baton runs as, and log in with \
                /login (or set ANTHROPIC_API_KEY in Baton's environment); then start again",
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
        login: "run `codex login` (or `codex login --with-api-key`) as the user Baton runs as; \
                then start again",
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
        login: "set GEMINI_API_KEY in Baton's environment, or run `gemini` once in a terminal \
                and log in (the method is kept in ~/.gemini/settings.json); then start again",
    },
    // `run` appends non-TTY stdin to the (empty) message.
    Preset {
        name: "opencode",
        argv: &["opencode", "run", "--format", "json", "--auto"],
        checked_version: "1.18.33",
        format: Format::OpencodeJson,
        login: "run `opencode auth login` for the provider of opencode's model (or set that \
                provider's API key in Baton's environment); then start again",
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
        login: "set the API key of aider's model in Baton's environment (ANTHROPIC_API_KEY, \
                OPENAI_API_KEY, …) or in .aider.conf.yml; then start again",
    },
];

/// The preset called `name`.
#[must_use]
pub(crate) fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// What to do when agent `name`, whose stdout speaks `format`, cannot authenticate: its
/// preset's hint; for another command, the hint of the preset whose structured format it
/// speaks (a wrapper around `claude`); else a general one.
#[must_use]
pub(crate) fn login_hint(name: &str, format: Format) -> &'static str {
    preset(name)
        .or_else(|| {
            PRESETS
                .iter()
                .find(|p| format != Format::Text && p.format == format)
        })
        .map_or(LOGIN_OTHER, |p| p.login)
}
