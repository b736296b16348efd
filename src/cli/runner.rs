//! `baton runner github-actions|kubernetes`: writes the jobs that make a pool of stateless
//! workers (`baton work --once`, `docs/pool.md`) — a GitHub Actions workflow with a matrix of N
//! jobs, or a Kubernetes Indexed Job of N pods — for the agent of the given preset, with its
//! install command and the secrets it reads.

use std::io::Write as _;
use std::path::PathBuf;

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::state::Actor;

/// Where the jobs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Platform {
    /// A GitHub Actions workflow (`.github/workflows/baton-pool.yml`).
    GithubActions,
    /// A Kubernetes Indexed Job (`baton-pool-job.yaml`).
    Kubernetes,
}

/// Flags of `baton runner`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunnerArgs {
    /// Where the workers run.
    #[arg(value_enum)]
    pub platform: Platform,
    /// How many workers (jobs or pods), 1 to 256.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub workers: u32,
    /// The agent the workers run: a preset (`claude`, `codex`, `gemini`, `opencode`, `aider`).
    #[arg(long, default_value = "claude")]
    pub agent: String,
    /// The actor whose tasks they take.
    #[arg(long = "as", value_name = "ACTOR", value_parser = crate::cli::args::ActorArg)]
    pub actor: Option<Actor>,
    /// The most minutes a worker may run (a job's `timeout-minutes`, a Job's deadline).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..=4320))]
    pub timeout_minutes: u32,
    /// GitHub Actions: the git URL of Baton's source the jobs install from (the default of the
    /// workflow's `baton_git` input; without it, each run asks for it).
    #[arg(long, value_name = "URL")]
    pub baton_git: Option<String>,
    /// Kubernetes: the image with git, Baton and the agent on PATH.
    #[arg(long, default_value = "baton-worker:latest")]
    pub image: String,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What a preset's workers need: how to install it and the secrets it reads. Package names
/// from each CLI's install instructions: Claude Code (`npm install -g
/// @anthropic-ai/claude-code`), Codex (`npm install -g @openai/codex`), Gemini CLI (`npm install
/// -g @google/gemini-cli`), opencode (`npm install -g opencode-ai`), aider (`python -m pip
/// install aider-install && aider-install`).
struct AgentSetup {
    install: &'static str,
    secrets: &'static [&'static str],
}

fn setup(agent: &str) -> Option<AgentSetup> {
    let (install, secrets): (&str, &[&str]) = match agent {
        "claude" => (
            "npm install -g @anthropic-ai/claude-code",
            &["ANTHROPIC_API_KEY"],
        ),
        "codex" => ("npm install -g @openai/codex", &["OPENAI_API_KEY"]),
        "gemini" => ("npm install -g @google/gemini-cli", &["GEMINI_API_KEY"]),
        "opencode" => (
            "npm install -g opencode-ai",
            &["ANTHROPIC_API_KEY", "OPENAI_API_KEY"],
        ),
        "aider" => (
            "python -m pip install aider-install && aider-install",
            &["ANTHROPIC_API_KEY", "OPENAI_API_KEY"],
        ),
        _ => return None,
    };
    Some(AgentSetup { install, secrets })
}

/// Writes the jobs.
///
/// # Errors
/// A usage error (exit 2) for an agent that is no preset; io errors writing the file.
pub(crate) fn cmd_runner(_global: &GlobalArgs, args: &RunnerArgs) -> Result<()> {
    let text = render(args)?;
    match &args.output {
        Some(path) => crate::fsutil::write_atomic(path, text.as_bytes())
            .map_err(|e| Error::failed(format!("write `{}`: {e}", path.display())))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// The jobs' text for `args`.
///
/// # Errors
/// A usage error for an agent that is no preset.
fn render(args: &RunnerArgs) -> Result<String> {
    let Some(agent) = setup(&args.agent) else {
        return Err(Error::usage(format!(
            "`{}` is no agent preset the runner can install",
            args.agent
        ))
        .with_hint("use --agent claude, codex, gemini, opencode or aider"));
    };
    let actor = args.actor.unwrap_or(Actor::RALPH);
    let secrets = agent.secrets.join(", ");
    let text = match args.platform {
        Platform::GithubActions => {
            let workers: Vec<String> = (1..=args.workers).map(|n| n.to_string()).collect();
            let env: Vec<String> = agent
                .secrets
                .iter()
                .map(|s| format!("          {s}: ${{{{ secrets.{s} }}}}"))
                .collect();
            include_str!("runner/github.yml")
                .replace("@WORKERS@", &workers.join(", "))
                .replace("@ENV@", &env.join("\n"))
                .replace("@INSTALL@", agent.install)
                .replace("@TIMEOUT@", &args.timeout_minutes.to_string())
                .replace(
                    "@BATON_GIT@",
                    &match &args.baton_git {
                        Some(url) => format!("        default: {}", yaml_string(url)),
                        None => "        required: true".to_owned(),
                    },
                )
        }
        Platform::Kubernetes => {
            let env: Vec<String> = agent
                .secrets
                .iter()
                .map(|s| {
                    format!(
                        "            - name: {s}\n              valueFrom:\n                \
                         secretKeyRef:\n                  name: baton-agent\n                  \
                         key: {s}"
                    )
                })
                .collect();
            include_str!("runner/kubernetes.yml")
                .replace("@WORKERS_N@", &args.workers.to_string())
                .replace("@BACKOFF@", &(args.workers * 2).to_string())
                .replace(
                    "@DEADLINE@",
                    &(u64::from(args.timeout_minutes) * 60).to_string(),
                )
                .replace("@IMAGE@", &args.image)
                .replace("@ENV@", &env.join("\n"))
        }
    };
    Ok(text
        .replace("@AGENT@", &args.agent)
        .replace("@ACTOR@", actor.as_str())
        .replace("@SECRETS@", &secrets))
}

/// `text` as a YAML double-quoted scalar (JSON's string escapes are YAML's).
fn yaml_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
