//! `baton work [--as ACTOR] [--slots N] [--once]`: a pool worker on this clone — it takes open
//! tasks of the shared branch through the remote, each claimed by a compare-and-swap on its own
//! ref, and lands each as a merge commit pushed atomically with the claim's release
//! (`docs/pool.md`). Any number of clones and CI jobs may run it at once.

use std::time::Duration;

use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::events::Events;
use crate::git::{Remote, Repo};
use crate::journal::Landing;
use crate::state::{Actor, ActorKind};
use crate::turn::workers::PoolOptions;
use crate::turn::{RunOptions, Session, Workspace};

/// Flags of `baton work`.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkArgs {
    /// An actor whose ready turns and open tasks to take; repeat for more (default ralph).
    /// Tasks are taken as the first that is not a supervisor; turns of every one.
    #[arg(long = "as", value_name = "ACTOR", value_parser = crate::cli::args::ActorArg)]
    pub actors: Vec<Actor>,
    /// The most tasks at once on this clone (1 to 64), each in its own worktree.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub slots: u32,
    /// Take one task, finish and land it, and exit (the contract of a stateless CI job).
    #[arg(long)]
    pub once: bool,
    /// Keep looking while there is nothing to take, until the run's stop flag is set (else
    /// exit once no task or turn is left for it).
    #[arg(long)]
    pub wait: bool,
    /// How often to look at the remote for tasks and finished workers.
    #[arg(long, value_name = "DURATION", value_parser = parse_poll, default_value = "1s")]
    pub poll_interval: Duration,
}

fn parse_poll(text: &str) -> std::result::Result<Duration, String> {
    crate::config::parse_duration(text)
}

/// Runs a pool worker until no task is left for it; exit 0, or 1 when a task it ran did not
/// land.
///
/// # Errors
/// Usage errors (no workspace, no repository, no remote, an undeclared actor) before anything
/// is claimed; git errors; interrupted (exit 128 + N).
pub(crate) fn cmd_work(global: &GlobalArgs, args: &WorkArgs) -> Result<()> {
    crate::executor::install_handlers()
        .map_err(|e| Error::failed(format!("install signal handlers: {e}")))?;
    let config = load_workspace(global, Overrides::default())?.config;
    let actors = if args.actors.is_empty() {
        vec![Actor::RALPH]
    } else {
        args.actors.clone()
    };
    if let Some(actor) = actors.iter().find(|a| !config.workflow.has(**a)) {
        return Err(Error::usage(format!("`{actor}` is no declared actor")));
    }
    let supervisor = |a: &Actor| config.workflow.kind(*a) == ActorKind::Supervisor;
    let task_actor = actors.iter().copied().find(|a| !supervisor(a));
    let Some(repo) = Repo::discover(&config.root)? else {
        return Err(Error::usage(
            "baton work needs a git repository with a remote",
        ));
    };
    let branch = match &config.git.branch {
        Some(branch) => branch.clone(),
        None => repo
            .branch()?
            .ok_or_else(|| Error::usage("HEAD is detached; check out the shared branch"))?,
    };
    let remote = Remote::new(repo.workdir(), &config.git.remote);
    remote.url().map_err(|e| {
        Error::usage(format!("no remote `{}`: {e}", config.git.remote))
            .with_hint("baton work takes tasks through a git remote (git.remote)")
    })?;
    let held = crate::cli::workspace::hold(&config, Some(&repo))?.or_refuse()?;
    let events = Events::for_run(&config);
    let options = RunOptions {
        autocommit: true,
        commit_dry_run: false,
        echo: false,
    };
    let graph = config.workflow.clone();
    let session = Session::new(
        Workspace::new(config, Some(repo), held.run_dir(), events),
        graph,
        options,
    );
    let pool = PoolOptions {
        actor: task_actor
            .or(actors.first().copied())
            .unwrap_or(Actor::RALPH),
        tasks: task_actor.is_some(),
        turns: actors,
        wait: args.wait,
        slots: args.slots,
        once: args.once,
        poll: args.poll_interval,
    };
    let ended = session.work_pool(&remote, &branch, &pool)?;
    let runs = ended.runs;
    let landed = runs.iter().filter(|r| r.landing == Landing::Landed).count();
    say!(
        "[pool] {} task(s) run here, {landed} landed; {} turn(s)",
        runs.len(),
        ended.turns
    );
    if landed < runs.len() {
        return Err(Error::failed(format!(
            "{} task(s) did not land (their tasks are open again)",
            runs.len() - landed
        )));
    }
    Ok(())
}
