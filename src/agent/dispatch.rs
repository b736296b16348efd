//! Which agent runs a turn. First match wins: `--agent-prompt` > `--agent-role` >
//! `agent.prompts` > `agent.roles` > `--agent` / `agent.default`.

use std::path::{Path, PathBuf};

use super::presets::{PRESETS, preset};
use crate::agent::output::Format;
use crate::config::Config;
use crate::state::Actor;

/// The agent chosen for one turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AgentChoice {
    /// The agent's name.
    pub name: String,
    /// Its argv, program first (from `agent.commands` or a preset).
    pub argv: Vec<String>,
    /// The rule that chose it, e.g. `--agent-prompt main.md=codex` or `agent.default`.
    pub rule: String,
    /// What its stdout speaks: `agent.formats.<name>`, else the preset's when its argv is the
    /// preset's, else text.
    pub format: Format,
}

/// Why no agent could be chosen (a usage error, exit 2, before anything runs).
#[derive(Debug, thiserror::Error)]
pub(crate) enum AgentError {
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
/// A relative program path containing `/` is taken relative to the workspace root.
///
/// # Errors
/// [`AgentError`] for an unknown name, an empty command or a program not on PATH.
pub(crate) fn resolve(
    config: &Config,
    actor: Actor,
    prompt: &str,
) -> Result<AgentChoice, AgentError> {
    let (name, rule) = choose(config, actor, prompt);
    resolve_as(config, name, rule)
}

/// The agent named `name` (chosen by `rule`, e.g. `agent.fallbacks.claude`), checked as
/// [`resolve`] checks its choice.
///
/// # Errors
/// As [`resolve`].
pub(crate) fn resolve_as(
    config: &Config,
    name: String,
    rule: String,
) -> Result<AgentChoice, AgentError> {
    let argv = argv_for(config, &name, &rule)?;
    let program = &argv[0];
    if find_program(&config.root, program).is_none() {
        return Err(AgentError::NotFound {
            name,
            program: program.clone(),
        });
    }
    let format = match config.agent.formats.get(&name) {
        Some(format) => *format,
        None if !config.agent.commands.contains_key(&name) => {
            preset(&name).map_or(Format::Text, |p| p.format)
        }
        None => Format::Text,
    };
    Ok(AgentChoice {
        name,
        argv,
        rule,
        format,
    })
}

/// The agent name for `actor` running `prompt` and the rule that named it (first match wins),
/// unchecked.
pub(crate) fn choose(config: &Config, actor: Actor, prompt: &str) -> (String, String) {
    let agent = &config.agent;
    let role = actor.as_str();
    if let Some(name) = agent.flag_prompts.get(prompt) {
        return (name.clone(), format!("--agent-prompt {prompt}={name}"));
    }
    if let Some(name) = agent.flag_roles.get(&actor) {
        return (name.clone(), format!("--agent-role {role}={name}"));
    }
    if let Some(name) = agent.prompts.get(prompt) {
        return (name.clone(), format!("agent.prompts.{prompt}"));
    }
    if let Some(name) = agent.roles.get(&actor) {
        return (name.clone(), format!("agent.roles.{role}"));
    }
    (agent.default.clone(), "agent.default".to_owned())
}

/// The argv of agent `name`: `agent.commands` first, else the preset.
fn argv_for(config: &Config, name: &str, rule: &str) -> Result<Vec<String>, AgentError> {
    let argv = match config.agent.commands.get(name) {
        Some(argv) => argv.clone(),
        None => match preset(name) {
            Some(p) => p.argv.iter().map(|s| (*s).to_owned()).collect(),
            None => {
                return Err(AgentError::Unknown {
                    name: name.to_owned(),
                    rule: rule.to_owned(),
                    suggestion: suggest(config, name),
                });
            }
        },
    };
    if argv.first().is_none_or(|p| p.is_empty()) {
        return Err(AgentError::Empty {
            name: name.to_owned(),
        });
    }
    Ok(argv)
}

/// Whether `name` names an agent (a preset or an `agent.commands` entry) with a command;
/// `rule` is what named it (`agent.fallbacks.claude`), for the error.
///
/// # Errors
/// [`AgentError::Unknown`] (with the closest known name) or [`AgentError::Empty`].
pub(crate) fn known(config: &Config, name: &str, rule: &str) -> Result<(), AgentError> {
    argv_for(config, name, rule).map(drop)
}

/// The known agent name closest to `name`, if any is close enough.
fn suggest(config: &Config, name: &str) -> Option<String> {
    let presets = PRESETS.iter().map(|p| p.name);
    let commands = config.agent.commands.keys().map(String::as_str);
    presets
        .chain(commands)
        .map(|known| (strsim::jaro_winkler(name, known), known))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known.to_owned())
}

/// Finds the program of a command Baton runs in the workspace `root` (an agent, a verify or
/// notify command): a relative path containing `/` is taken from `root`, a bare name is looked
/// for on `PATH`.
#[must_use]
pub(crate) fn find_program(root: &Path, program: &str) -> Option<PathBuf> {
    if program.contains('/') && Path::new(program).is_relative() {
        find_on_path(&root.join(program).to_string_lossy())
    } else {
        find_on_path(program)
    }
}

/// Finds `program` the way a shell would: as given when it contains `/`, else on `PATH`.
///
/// A relative path containing `/` is taken relative to the current directory. Only regular
/// files with an execute bit count.
#[must_use]
pub(crate) fn find_on_path(program: &str) -> Option<PathBuf> {
    if program.is_empty() {
        return None;
    }
    if program.contains('/') {
        let path = PathBuf::from(program);
        return is_executable(&path).then_some(path);
    }
    let path_var = std::env::var_os("PATH")?;
    std::env::split_paths(&path_var)
        .map(|dir| {
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            dir.join(program)
        })
        .find(|candidate| is_executable(candidate))
}

/// A regular file (after symlinks) with at least one execute bit.
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests;
