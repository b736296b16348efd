//! What `baton run` refuses and `baton check` reports before anything runs: every program a
//! run may start — the agent of each prompt the actors may run, the fallbacks of those agents
//! (`agent.fallbacks`), the `completion.verify` commands when the run may take a completion
//! claim, and `notify.command` — must exist, and every agent `agent.fallbacks` names must be
//! one (on any machine: a role-mode daemon checks the programs of its own actor only). Each
//! problem is a usage error (exit 2) naming where the setting was written (`file:line:col`, the
//! variable or the flag) with a hint. Warnings point at what will not work as configured without
//! failing now: a cost budget that agents reporting no cost cannot reach, `claude` as root
//! outside a sandbox.

use crate::agent::{self, AgentChoice, AgentError, output::Format};
use crate::config::{Config, Loaded, Origin, Origins};
use crate::error::Error;
use crate::state::Actor;

/// The prompts `actor` may run under `config`: a declared actor its own; galph and ralph their
/// deterministic prompts, the reviewer when the cadence is on, and (galph, router enabled) the
/// router prompt and its allowlist.
#[must_use]
pub(crate) fn prompts_of(config: &Config, actor: Actor) -> Vec<String> {
    let p = &config.prompts;
    let mut prompts = match actor {
        Actor::GALPH => vec![p.supervisor.clone()],
        Actor::RALPH => vec![p.main.clone()],
        other => {
            return config
                .workflow
                .actors
                .get(&other)
                .and_then(|spec| spec.prompt.clone())
                .into_iter()
                .collect();
        }
    };
    if config.review_every_n > 0 {
        prompts.push(p.reviewer.clone());
    }
    if actor == Actor::GALPH && config.router.enabled {
        prompts.extend(config.router.prompt.iter().cloned());
        prompts.extend(config.router.allowlist.iter().cloned());
    }
    prompts.sort();
    prompts.dedup();
    prompts
}

/// What the checks found.
#[derive(Debug, Default)]
pub(crate) struct Preflight {
    /// The agent of each prompt the actors may run: actor, prompt, choice.
    pub(crate) agents: Vec<(Actor, String, AgentChoice)>,
    /// The fallback agents that resolved: the agent they stand in for, and theirs.
    pub(crate) fallbacks: Vec<(String, AgentChoice)>,
    /// Problems that stop a run, each a usage error (exit 2) with its hints.
    pub(crate) problems: Vec<Error>,
    /// Warnings, one line each.
    pub(crate) warnings: Vec<String>,
}

impl Preflight {
    /// The first problem, if any: what `baton run` stops on.
    ///
    /// # Errors
    /// That problem (exit 2).
    pub(crate) fn or_first_problem(mut self) -> Result<Self, Error> {
        if self.problems.is_empty() {
            Ok(self)
        } else {
            Err(self.problems.swap_remove(0))
        }
    }
}

/// Checks every program a run of `actors` may start (see the module docs); `claims`: whether
/// the run may take a completion claim (galph runs in it, or one actor runs alone).
#[must_use]
pub(crate) fn preflight(loaded: &Loaded, actors: &[Actor], claims: bool) -> Preflight {
    let config = &loaded.config;
    let origins = &loaded.origins;
    let mut found = Preflight::default();
    for &actor in actors {
        for prompt in prompts_of(config, actor) {
            // A missing prompt stops the turn that needs it; an empty one stops the run now.
            let path = config.prompt_path(&prompt);
            if path.exists()
                && let Err(e) = agent::prompt::check(&path, "prompt file")
            {
                found.problems.push(e);
            }
            match agent::resolve(config, actor, &prompt) {
                Ok(choice) => found.agents.push((actor, prompt, choice)),
                Err(e) => {
                    let (_, rule) = agent::choose(config, actor, &prompt);
                    let message = format!("agent for {actor} {prompt}: {e}");
                    found
                        .problems
                        .push(agent_problem(origins, &rule, message, &e));
                }
            }
        }
    }
    check_fallbacks(config, origins, &mut found);
    let verify = if claims {
        config.completion.verify.as_slice()
    } else {
        &[]
    };
    let commands = verify
        .iter()
        .enumerate()
        .map(|(i, argv)| (format!("completion.verify[{i}]"), argv))
        .chain(
            (!config.notify.command.is_empty())
                .then(|| ("notify.command[0]".to_owned(), &config.notify.command)),
        );
    for (path, argv) in commands {
        let Some(program) = argv.first() else {
            continue;
        };
        if agent::find_program(&config.root, program).is_none() {
            let key = path.split('[').next().unwrap_or(&path);
            let message = format!("key `{key}`: program `{program}` not found on PATH");
            found.problems.push(
                at(origins, &path, message)
                    .with_hint(install_hint(program))
                    .with_hint(
                        "a command is an argv list, program first; use [sh, -c, \"…\"] for a \
                         shell line",
                    ),
            );
        }
    }
    found.warnings.extend(cost_warning(loaded, &found));
    found
        .warnings
        .extend(root_bypass_warning(&found, is_root(), |k| {
            std::env::var(k).ok()
        }));
    found
}

/// Every name in `agent.fallbacks` must be an agent; the fallbacks of the agents `found` will
/// run must also have their program.
fn check_fallbacks(config: &Config, origins: &Origins, found: &mut Preflight) {
    for (from, chain) in &config.agent.fallbacks {
        let key = format!("agent.fallbacks.{from}");
        if let Err(e) = agent::known(config, from, "agent.fallbacks") {
            let message = format!("key `{key}`: {e}");
            found
                .problems
                .push(agent_problem(origins, &key, message, &e));
        }
        let used = found
            .agents
            .iter()
            .any(|(_, _, choice)| &choice.name == from);
        for (i, name) in chain.iter().enumerate() {
            let checked = if used {
                agent::resolve_as(config, name.clone(), key.clone()).map(Some)
            } else {
                agent::known(config, name, &key).map(|()| None)
            };
            match checked {
                Ok(Some(choice)) => found.fallbacks.push((from.clone(), choice)),
                Ok(None) => {}
                Err(e) => {
                    let message = format!("key `{key}`: {e}");
                    let problem = agent_problem(origins, &format!("{key}[{i}]"), message, &e);
                    found.problems.push(problem);
                }
            }
        }
    }
}

/// `message` as a usage error placed where `path` was set (nothing for a default).
fn at(origins: &Origins, path: &str, message: String) -> Error {
    match origins.of(path) {
        Origin::Default => Error::usage(message),
        origin => origin.error(message).into(),
    }
}

/// An agent problem placed at `path`, with the hint for its kind.
fn agent_problem(origins: &Origins, path: &str, message: String, error: &AgentError) -> Error {
    let problem = at(origins, path, message);
    match error {
        AgentError::Unknown { .. } => problem.with_hint(format!(
            "an agent is a preset ({}) or a name defined in agent.commands",
            agent::preset_names().collect::<Vec<_>>().join(", ")
        )),
        AgentError::NotFound { program, .. } => problem.with_hint(install_hint(program)),
        AgentError::Empty { .. } => problem,
    }
}

fn install_hint(program: &str) -> String {
    format!(
        "install `{program}` or put the directory holding it on PATH (a relative path with `/` \
         is taken from the workspace root)"
    )
}

/// The warning when `budget.max_cost_usd` is set and agents that may run report no cost.
fn cost_warning(loaded: &Loaded, found: &Preflight) -> Option<String> {
    loaded.config.budget.max_cost_micros?;
    let mut silent: Vec<String> = found
        .agents
        .iter()
        .map(|(_, _, choice)| choice)
        .chain(found.fallbacks.iter().map(|(_, choice)| choice))
        .filter(|choice| !choice.format.reports_cost())
        .map(|choice| format!("{} ({})", choice.name, choice.format))
        .collect();
    silent.sort();
    silent.dedup();
    if silent.is_empty() {
        return None;
    }
    let place = match loaded.origins.of("budget.max_cost_usd") {
        Origin::Default => String::new(),
        origin => format!("{origin}: "),
    };
    let reporting: Vec<&str> = Format::ALL
        .into_iter()
        .filter(|f| f.reports_cost())
        .map(Format::name)
        .collect();
    Some(format!(
        "{place}budget.max_cost_usd is set, but agent {} reports no cost: its turns count as \
         $0 toward it (only {} report cost); bound them with budget.max_turns or \
         budget.max_tokens",
        silent.join(", "),
        reporting.join(" and ")
    ))
}

/// The flag `claude` refuses as root unless `IS_SANDBOX=1` (or `CLAUDE_CODE_BUBBLEWRAP=1`):
/// it exits 1 before doing anything.
const CLAUDE_BYPASS_FLAG: &str = "--dangerously-skip-permissions";

/// Whether Baton runs as root (real user id, as `claude` checks).
fn is_root() -> bool {
    nix::unistd::getuid().is_root()
}

/// The warning for agents that pass [`CLAUDE_BYPASS_FLAG`] when running as root without the
/// sandbox variables `claude` accepts (`env` reads a variable); `None` when nothing would fail.
fn root_bypass_warning(
    found: &Preflight,
    root: bool,
    env: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let sandboxed = ["IS_SANDBOX", "CLAUDE_CODE_BUBBLEWRAP"]
        .iter()
        .any(|k| env(k).as_deref() == Some("1"));
    if !root || sandboxed {
        return None;
    }
    let mut agents: Vec<&str> = found
        .agents
        .iter()
        .map(|(_, _, choice)| choice)
        .chain(found.fallbacks.iter().map(|(_, choice)| choice))
        .filter(|choice| choice.argv.iter().any(|a| a == CLAUDE_BYPASS_FLAG))
        .map(|choice| choice.name.as_str())
        .collect();
    agents.sort_unstable();
    agents.dedup();
    if agents.is_empty() {
        return None;
    }
    Some(format!(
        "agent {}: running as root, `claude {CLAUDE_BYPASS_FLAG}` refuses to start unless \
         IS_SANDBOX=1; set IS_SANDBOX=1 when baton runs in a sandbox or container, or run \
         baton as a non-root user",
        agents.join(", ")
    ))
}

#[cfg(test)]
mod tests;
