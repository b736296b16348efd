//! Agents: the presets of the known CLIs and the choice of agent for a turn (SPEC §5).

mod dispatch;
pub(crate) mod output;
mod presets;

pub use dispatch::{AgentChoice, AgentError, find_on_path, resolve};
pub use presets::{PRESETS, Preset, preset};
