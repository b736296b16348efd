//! Which agent runs a turn. First match wins: `--agent-prompt` > `--agent-role` >
//! `agent.prompts` > `agent.roles` > `--agent` / `agent.default`.

use std::path::PathBuf;

use crate::config::Config;
use crate::state::Actor;

/// The agent chosen for one turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentChoice {
    /// The agent's name.
    pub name: String,
    /// Its argv, program first (from `agent.commands` or a preset).
    pub argv: Vec<String>,
    /// The rule that chose it, e.g. `--agent-prompt main.md=codex` or `agent.default`.
    pub rule: String,
}

/// Why no agent could be chosen (a usage error, exit 2, before anything runs).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The name is neither a preset nor in `agent.commands`.
    #[error("unknown agent `{name}` (chosen by {rule}){}", suggestion_text(.suggestion))]
    Unknown {
        /// The name.
        name: String,
        /// The rule that named it.
        rule: String,
        /// The closest known name.
        suggestion: Option<String>,
    },
    /// The agent's program is not on PATH.
    #[error("agent `{name}`: program `{program}` not found on PATH")]
    NotFound {
        /// The agent's name.
        name: String,
        /// The program.
        program: String,
    },
    /// `agent.commands.<name>` is empty.
    #[error("agent `{name}` has an empty command")]
    Empty {
        /// The agent's name.
        name: String,
    },
}

fn suggestion_text(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// Chooses the agent for `actor` running `prompt` and checks that its program exists.
///
/// # Errors
/// [`AgentError`] for an unknown name, an empty command or a program not on PATH.
pub fn resolve(config: &Config, actor: Actor, prompt: &str) -> Result<AgentChoice, AgentError> {
    let _ = (config, actor, prompt);
    todo!("agent helper")
}

/// Finds `program` the way a shell would: as given when it contains `/`, else on `PATH`.
#[must_use]
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let _ = program;
    todo!("agent helper")
}
