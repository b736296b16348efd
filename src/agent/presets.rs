//! The argv of each known agent CLI, checked against that CLI's `--help`.

/// A known agent CLI. The prompt goes to its stdin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The preset's name (`claude`, `codex`, …).
    pub name: &'static str,
    /// The argv (program first).
    pub argv: &'static [&'static str],
    /// The CLI version whose `--help` this argv was checked against.
    pub checked_version: &'static str,
}

/// All presets: `claude`, `codex`, `gemini`, `opencode`, `aider`.
pub const PRESETS: &[Preset] = &[];

/// The preset called `name`.
#[must_use]
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}
