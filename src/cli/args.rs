//! Flags shared by `run`, `supervisor` and `loop`.

use std::time::Duration;

use crate::config::{Overrides, RouterMode, parse_duration};
use crate::state::Actor;

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// Both actors in one process.
    Combined,
    /// One actor (`--role`); through git with `--sync-via-git`, else a single-actor run.
    Role,
}

/// Flags of `baton run` / `supervisor` / `loop`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// `combined` (default for `run`) or `role`.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// The actor of role mode: galph|ralph (aliases supervisor|loop).
    #[arg(long, value_parser = ActorArg)]
    pub role: Option<Actor>,
    /// Hand turns over through the git remote (role mode).
    #[arg(long)]
    pub sync_via_git: bool,
    /// Run this actor's turns through the git remote (repeatable: several actors on one
    /// clone); `baton supervisor --sync-via-git` is `--as galph`.
    #[arg(long = "as", value_name = "ACTOR", value_parser = ActorArg)]
    pub as_actors: Vec<Actor>,
    /// Iterations to run (combined) or turns (single-actor), at least 1. Default: 20.
    #[arg(long, visible_alias = "sync-loops", value_name = "N", value_parser = parse_iterations)]
    pub iterations: Option<u64>,
    /// Agent for every turn unless mapped (replaces agent.default): a preset or an
    /// agent.commands name.
    #[arg(long, value_name = "A", value_parser = AgentArg, hide_possible_values = true)]
    pub agent: Option<String>,
    /// Agent per actor, e.g. `galph=claude,ralph=codex`.
    #[arg(long, value_name = "R=A,..", value_delimiter = ',', value_parser = parse_role_pair)]
    pub agent_role: Vec<(Actor, String)>,
    /// Agent per prompt, e.g. `reviewer.md=gemini`.
    #[arg(long, value_name = "P=A,..", value_delimiter = ',', value_parser = parse_prompt_pair)]
    pub agent_prompt: Vec<(String, String)>,
    /// Enable the router prompt on galph turns.
    #[arg(long, conflicts_with = "no_router")]
    pub use_router: bool,
    /// Disable the router prompt.
    #[arg(long)]
    pub no_router: bool,
    /// The router prompt file.
    #[arg(long, value_name = "P")]
    pub router_prompt: Option<String>,
    /// router_default | router_first | router_only (aliases default, first, only).
    #[arg(long, value_name = "M", value_parser = parse_router_mode)]
    pub router_mode: Option<RouterMode>,
    /// Review cadence in iterations; 0 = never.
    #[arg(long, value_name = "N")]
    pub review_every_n: Option<u64>,
    /// Wall-clock limit per turn, e.g. `90m`.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Branch role mode syncs.
    #[arg(long, value_name = "B")]
    pub branch: Option<String>,
    /// How often a waiting daemon checks the remote, e.g. `1s`, `0.5s`.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub poll_interval: Option<Duration>,
    /// Give up waiting for the other actor after this long (exit 1).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub max_wait: Option<Duration>,
    /// No auto-commit and no stamp commits.
    #[arg(long)]
    pub no_git: bool,
    /// Print what would be committed instead of committing.
    #[arg(long)]
    pub commit_dry_run: bool,
}

impl RunArgs {
    /// The flag values that override the environment and the file.
    #[must_use]
    pub fn overrides(&self) -> Overrides {
        let use_router = match (self.use_router, self.no_router) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        Overrides {
            agent: self.agent.clone(),
            agent_roles: self.agent_role.clone(),
            agent_prompts: self.agent_prompt.clone(),
            use_router,
            router_prompt: self.router_prompt.clone(),
            router_mode: self.router_mode,
            review_every_n: self.review_every_n,
            timeout: self.timeout,
            branch: self.branch.clone(),
            poll_interval: self.poll_interval,
            max_wait: self.max_wait,
        }
    }
}

fn parse_actor(s: &str) -> Result<Actor, String> {
    Actor::parse_alias(s).ok_or_else(|| format!("unknown actor `{s}` (expected galph, ralph or the name of an actor declared under `actors:`)"))
}

/// The value parser of every actor argument (`--role`, `--to`, `--actor`, `stamp ACTOR`): a
/// name or alias, any case, offering `galph` and `ralph` to shell completion.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ActorArg;

impl clap::builder::TypedValueParser for ActorArg {
    type Value = Actor;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Actor, clap::Error> {
        let parse: fn(&str) -> Result<Actor, String> = parse_actor;
        parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        // The pair; declared actors depend on the configuration, which completion cannot read.
        let values = [
            clap::builder::PossibleValue::new("galph").alias("supervisor"),
            clap::builder::PossibleValue::new("ralph").alias("loop"),
        ];
        Some(Box::new(values.into_iter()))
    }
}

/// The value parser of `--agent`: any agent name (a preset, or one `agent.commands` defines),
/// offering the presets to shell completion.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AgentArg;

impl clap::builder::TypedValueParser for AgentArg {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let parse: fn(&str) -> Result<String, String> = |s| match s.trim() {
            "" => Err("an agent name must not be empty".to_owned()),
            name => Ok(name.to_owned()),
        };
        parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            crate::agent::preset_names().map(clap::builder::PossibleValue::new),
        ))
    }
}

/// A count of iterations or turns: `0` would start, finish a stamp a dead run left, and run
/// nothing, which no one means; refused (exit 2).
pub(super) fn parse_iterations(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(0) => Err("0 would run nothing; give 1 or more".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a number of iterations")),
    }
}

fn parse_router_mode(s: &str) -> Result<RouterMode, String> {
    s.parse()
}

fn split_pair(s: &str) -> Result<(&str, &str), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => Ok((k.trim(), v.trim())),
        _ => Err(format!("expected KEY=AGENT, got `{s}`")),
    }
}

fn parse_role_pair(s: &str) -> Result<(Actor, String), String> {
    let (role, agent) = split_pair(s)?;
    Ok((parse_actor(role)?, agent.to_owned()))
}

fn parse_prompt_pair(s: &str) -> Result<(String, String), String> {
    let (prompt, agent) = split_pair(s)?;
    Ok((prompt.to_owned(), agent.to_owned()))
}
