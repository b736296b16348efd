//! `baton check`: validates config, prompts, state and agents like a compile step (exit 0 / 2).

use std::io::Write as _;

use crate::agent::{self, AgentChoice};
use crate::cli::{GlobalArgs, load_config};
use crate::config::{Config, Overrides};
use crate::error::{Error, Result};
use crate::state::{Actor, StateStore};

/// The prompts `actor` may run under `config`: its deterministic prompts, the reviewer when the
/// cadence is on, and (galph, router enabled) the router prompt and its allowlist.
#[must_use]
pub(crate) fn prompts_of(config: &Config, actor: Actor) -> Vec<String> {
    let p = &config.prompts;
    let mut prompts = match actor {
        Actor::Galph => vec![p.supervisor.clone()],
        Actor::Ralph => vec![p.main.clone()],
    };
    if config.review_every_n > 0 {
        prompts.push(p.reviewer.clone());
    }
    if actor == Actor::Galph && config.router.enabled {
        prompts.extend(config.router.prompt.iter().cloned());
        prompts.extend(config.router.allowlist.iter().cloned());
    }
    prompts.sort();
    prompts.dedup();
    prompts
}

/// Resolves the agent of every prompt the given actors may run, so that an unknown agent or a
/// missing program stops the run before anything runs.
///
/// # Errors
/// The first [`crate::agent::AgentError`] (exit 2).
pub(crate) fn check_agents(
    config: &Config,
    actors: &[Actor],
) -> Result<Vec<(Actor, String, AgentChoice)>> {
    let mut chosen = Vec::new();
    for &actor in actors {
        for prompt in prompts_of(config, actor) {
            let choice = agent::resolve(config, actor, &prompt)?;
            chosen.push((actor, prompt, choice));
        }
    }
    Ok(chosen)
}

/// Prints one line per check and fails with exit 2 when any check fails.
///
/// # Errors
/// A usage error counting the problems; config errors as they come.
pub(crate) fn cmd_check(global: &GlobalArgs) -> Result<()> {
    let loaded = load_config(global, Overrides::default())?;
    let config = &loaded.config;
    let out = &mut std::io::stdout().lock();
    let source = config
        .file
        .as_ref()
        .map_or_else(|| "defaults".to_owned(), |f| f.display().to_string());
    writeln!(out, "ok   config {source}")?;
    let mut problems = Vec::new();
    for actor in Actor::ALL {
        for prompt in prompts_of(config, actor) {
            let path = config.prompt_path(&prompt);
            if path.is_file() {
                writeln!(out, "ok   prompt {actor} {prompt}")?;
            } else {
                problems.push(format!(
                    "prompt `{prompt}` of {actor}: `{}` not found",
                    path.display()
                ));
            }
            match agent::resolve(config, actor, &prompt) {
                Ok(c) => writeln!(
                    out,
                    "ok   agent  {actor} {prompt} -> {} ({}) `{}`",
                    c.name,
                    c.rule,
                    c.argv.join(" ")
                )?,
                Err(e) => problems.push(format!("agent for {actor} {prompt}: {e}")),
            }
        }
    }
    match StateStore::new(config.state_file.clone()).load() {
        Ok(Some(s)) => writeln!(
            out,
            "ok   state  {} (iteration {}, expected {}, {})",
            config.state_file.display(),
            s.state.iteration,
            s.state.expected_actor,
            s.state.status
        )?,
        Ok(None) => writeln!(
            out,
            "ok   state  {} (missing; created on first run)",
            config.state_file.display()
        )?,
        Err(e) => problems.push(Error::from(e).to_string()),
    }
    if problems.is_empty() {
        return Ok(());
    }
    for p in &problems {
        writeln!(out, "FAIL {p}")?;
    }
    Err(Error::usage(format!("{} problem(s) found", problems.len())))
}
