//! Agents: the presets of the known CLIs and the choice of agent for a turn (`docs/agents.md`).

mod dispatch;
pub(crate) mod output;
mod presets;
pub(crate) mod prompt;

pub(crate) use dispatch::{
    AgentChoice, AgentError, choose, find_program, known, resolve, resolve_as,
};
pub(crate) use presets::login_hint;

/// The names of the agent presets (`claude`, `codex`, `gemini`, `opencode`, `aider`).
pub(crate) fn preset_names() -> impl Iterator<Item = &'static str> {
    presets::PRESETS.iter().map(|p| p.name)
}
