//! Agents: the presets of the known CLIs and the choice of agent for a turn (`docs/agents.md`).

mod dispatch;
pub(crate) mod output;
mod presets;
pub(crate) mod prompt;

pub(crate) use dispatch::{AgentChoice, AgentError, resolve, resolve_as};
pub(crate) use presets::login_hint;
