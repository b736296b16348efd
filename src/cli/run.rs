//! `baton run`, `baton supervisor`, `baton loop`.

use crate::cli::args::{ModeArg, RunArgs};
use crate::cli::preflight::preflight;
use crate::cli::{GlobalArgs, load_workspace, workspace};
use crate::config::Config;
use crate::error::{Context as _, Error, Result};
use crate::events::{Event, Events};
use crate::executor;
use crate::git::Repo;
use crate::modes::role::Role;
use crate::modes::run::Plan;
use crate::modes::{self, Local, RoleSync};
use crate::state::Actor;
use crate::turn::{RunOptions, Session, Workspace};

/// Default number of iterations (combined) or turns (single-actor).
pub(crate) const DEFAULT_ITERATIONS: u64 = 20;

/// What a run command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Asked {
    /// Every actor, in this process (`baton run`).
    Combined,
    /// One actor's turns back to back in this process (`baton loop`, `baton supervisor`).
    Solo(Actor),
    /// These actors' turns, through the remote (`--as A`, `--sync-via-git`).
    Role(Vec<Actor>),
}

fn asked(args: &RunArgs, forced_role: Option<Actor>) -> Result<Asked> {
    if !args.as_actors.is_empty() {
        if forced_role.is_some() || args.role.is_some() || args.mode == Some(ModeArg::Combined) {
            return Err(Error::usage(
                "--as names the actors of role mode; it takes no --role or --mode combined",
            ));
        }
        let mut actors = args.as_actors.clone();
        actors.dedup();
        return Ok(Asked::Role(actors));
    }
    let mode = if forced_role.is_some() {
        Some(ModeArg::Role)
    } else {
        args.mode
    };
    let role = forced_role.or(args.role);
    match (mode, role) {
        (Some(ModeArg::Role), None) => Err(Error::usage("--mode role needs --role galph|ralph")),
        (Some(ModeArg::Role), Some(actor)) if args.sync_via_git => Ok(Asked::Role(vec![actor])),
        (Some(ModeArg::Role), Some(actor)) => Ok(Asked::Solo(actor)),
        (_, _) if args.sync_via_git => Err(Error::usage(
            "--sync-via-git needs role mode (--as ACTOR, or --mode role --role R)",
        )),
        (_, Some(_)) => Err(Error::usage("--role needs --mode role")),
        (_, None) => Ok(Asked::Combined),
    }
}

/// Runs turns as the command line asks.
///
/// # Errors
/// Usage and config errors (exit 2) before anything runs; a failed turn's exit afterwards.
pub(crate) fn cmd_run(
    global: &GlobalArgs,
    args: &RunArgs,
    forced_role: Option<Actor>,
) -> Result<()> {
    let asked = asked(args, forced_role)?;
    executor::install_handlers().context("install signal handlers")?;
    let loaded = load_workspace(global, args.overrides())?;
    let workflow = &loaded.config.workflow;
    let (actors, graph) = match &asked {
        Asked::Combined => {
            let reached = workflow.actors.keys().filter(|a| workflow.reaches(**a));
            (reached.copied().collect::<Vec<_>>(), workflow.clone())
        }
        Asked::Solo(actor) => (vec![*actor], workflow.solo(*actor)),
        Asked::Role(actors) => (actors.clone(), workflow.clone()),
    };
    if let Some(actor) = actors.iter().find(|a| !workflow.has(**a)) {
        let declared: Vec<&str> = workflow.actors.keys().map(Actor::as_str).collect();
        return Err(
            Error::usage(format!("`{actor}` is no declared actor")).with_hint(format!(
                "declared actors: {}; declare others under `actors:` in orchestration.yaml",
                declared.join(", ")
            )),
        );
    }
    // A completion claim is taken by a supervisor, or by the one actor of a single-actor run.
    let claims = matches!(asked, Asked::Solo(_))
        || actors
            .iter()
            .any(|a| workflow.kind(*a) == crate::state::ActorKind::Supervisor);
    let checked = preflight(&loaded, &actors, claims).or_first_problem()?;
    for warning in &checked.warnings {
        note!("baton: warning: {warning}");
    }
    let config = loaded.config;
    let discovered = discover_repo(&config)?;
    let role_sync = match (&asked, &discovered) {
        (Asked::Role(_), Some(repo)) => Some(crate::modes::role::guarded_sync(&config, repo)?),
        (Asked::Role(_), None) => {
            return Err(Error::usage(
                "role mode (--sync-via-git) needs a git repository",
            ));
        }
        _ => None,
    };
    let held = workspace::hold(&config, discovered.as_ref())?.or_refuse()?;
    let repo = discovered.filter(|_| !args.no_git);
    let options = RunOptions {
        autocommit: repo.is_some(),
        commit_dry_run: args.commit_dry_run,
        echo: !global.quiet,
    };
    let events = Events::for_run(&config);
    let runner = Session::new(
        Workspace::new(config, repo, held.run_dir(), events),
        graph.clone(),
        options,
    );
    // People's `baton stop`, `note`, `approve` from this workspace reach the run from now on.
    runner.inbox.listen(held.run_dir(), &runner.events);
    let (mode, actor) = match &asked {
        Asked::Combined => ("combined", None),
        Asked::Solo(Actor::GALPH) => ("supervisor", Some(Actor::GALPH)),
        Asked::Solo(Actor::RALPH) => ("loop", Some(Actor::RALPH)),
        Asked::Solo(actor) => ("solo", Some(*actor)),
        Asked::Role(actors) => ("role", actors.first().copied()),
    };
    let host = crate::process::hostname();
    runner.events.emit(&Event::RunStarted {
        mode,
        actor,
        host: &host,
    });
    let plan = Plan {
        workflow: graph,
        actors,
        count: args.iterations.unwrap_or(DEFAULT_ITERATIONS),
    };
    let result = run_plan(&runner, &plan, role_sync);
    let code = result.as_ref().map_or_else(Error::code, |()| 0);
    runner.events.emit(&Event::RunEnded { code });
    result?;
    resume_hint(&runner);
    Ok(())
}

/// After a run that ended at the stop flag (a person's or an agent's, not a completion): how to
/// run again, since every start stops at once until the flag is cleared.
fn resume_hint(runner: &Session) {
    let reason = runner
        .load_state()
        .ok()
        .and_then(|state| state.stop_requested());
    if reason.is_some_and(|r| !r.starts_with("complete:")) {
        note!(
            "baton: hint: the stop flag stays set and every start stops here; `baton resume` \
             clears it"
        );
    }
}

/// Finishes what a dead run left, then runs `plan` in its mode.
fn run_plan(runner: &Session, plan: &Plan, role_sync: Option<RoleSync>) -> Result<()> {
    runner.recover()?;
    match role_sync {
        Some(sync) => modes::run::run(runner, &mut Role::new(runner, sync)?, plan),
        None => modes::run::run(runner, &mut Local, plan),
    }
}

/// The repository holding the workspace, if any.
fn discover_repo(config: &Config) -> Result<Option<Repo>> {
    let repo = Repo::discover(&config.root)?;
    if repo.is_none() {
        note!(
            "[baton] notice: {} is not in a git repository; running without auto-commit",
            config.root.display()
        );
    }
    Ok(repo)
}
