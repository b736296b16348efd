//! Agents: the presets of the known CLIs and the choice of agent for a turn (`docs/agents.md`).

mod dispatch;
mod presets;

pub use dispatch::{AgentChoice, AgentError, find_on_path, resolve};
pub use presets::{PRESETS, Preset, preset};
