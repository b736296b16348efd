//! `baton stamp ACTOR ok|fail [--no-pull] [--no-push]`: stamps a turn by hand, with the same
//! state transition, journal line, commit and push as a daemon's stamp (README, "Two machines").

use std::time::SystemTime;

use crate::cli::workspace;
use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::Result;
use crate::git::Repo;
use crate::journal::{JournalEntry, Outcome};
use crate::modes::RoleSync;
use crate::router;
use crate::state::{Actor, Next, format_utc};
use crate::turn::next::{Leads, step};
use crate::turn::subject::stamp_message;
use crate::turn::{PendingStamp, Workspace};
use crate::workflow::walk::Assumed;

/// `ok` or `fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StampResult {
    /// The turn succeeded: hand over to the peer.
    Ok,
    /// The turn failed: the same actor runs it again.
    Fail,
}

/// Flags of `baton stamp`.
#[derive(Debug, Clone, clap::Args)]
pub struct StampArgs {
    /// The actor whose turn is stamped: galph|ralph (aliases supervisor|loop).
    #[arg(value_parser = crate::cli::args::ActorArg)]
    pub actor: Actor,
    /// `ok` or `fail`.
    #[arg(value_enum)]
    pub result: StampResult,
    /// Do not fetch and fast-forward first.
    #[arg(long)]
    pub no_pull: bool,
    /// Commit, but do not push.
    #[arg(long)]
    pub no_push: bool,
    /// `last_error` for a `fail` stamp.
    #[arg(long, default_value = "stamped failed by hand")]
    pub reason: String,
}

/// Stamps the turn.
///
/// # Errors
/// Config, state, lock and git errors; a stale stamp as in role mode.
pub(crate) fn cmd_stamp(global: &GlobalArgs, args: &StampArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let repo = Repo::discover(&config.root)?;
    let (_command, hold) = workspace::hold_for_command(&config, repo.as_ref())?;
    let held = hold.or_refuse()?;
    let sync = match &repo {
        Some(repo) => {
            let current = repo.branch()?.unwrap_or_else(|| "HEAD".into());
            Some(RoleSync::new(
                &config,
                repo,
                config.git.branch.clone().unwrap_or(current),
            )?)
        }
        None => None,
    };
    let events = crate::events::Events::console();
    let runner = Workspace::new(config, repo, held.run_dir(), events);
    runner.recover()?;
    if let (Some(repo), Some(sync), false) = (&runner.repo, &sync, args.no_pull) {
        let head = sync.remote.ls_remote(&sync.branch)?;
        sync.pull(repo, head.as_deref())?;
    }
    // A stamp over a claimed turn names the claim it ends, as the daemon's own stamp would.
    let claim = match (&runner.repo, &sync) {
        (Some(repo), Some(sync)) => sync.open_claim(repo)?,
        _ => None,
    };
    stamp_state(&runner, args, claim.as_deref())?;
    let (Some(repo), Some(sync)) = (&runner.repo, &sync) else {
        return Ok(());
    };
    if !args.no_push {
        sync.push_fenced(repo)?;
        say!("[sync] pushed to {}/{}", sync.remote.name(), sync.branch);
    }
    Ok(())
}

/// Applies the transition and writes the stamp (state, journal line, stamp commit) through the
/// turn record, as a turn's stamp is written.
fn stamp_state(runner: &Workspace, args: &StampArgs, claim: Option<&str>) -> Result<()> {
    let claimed = runner.load_state()?;
    let mut state = claimed.clone();
    let iteration = state.iteration;
    let head = runner.head()?;
    let now = SystemTime::now();
    let decision = router::deterministic(&state, &runner.config, args.actor);
    let outcome = match args.result {
        StampResult::Ok => {
            // A hand stamp answers nothing and runs no condition: the walk assumes them.
            let graph = &runner.config.workflow;
            let (leads, progress) = step(graph, &state, args.actor, true, None, &mut Assumed);
            let next = match leads {
                Leads::To(next) => next,
                Leads::Again => Next::Actor(args.actor),
            };
            state.finish_ok(args.actor, &decision.prompt, head.clone(), next, now);
            state.set_progress(progress);
            Outcome::Ok
        }
        StampResult::Fail => {
            state.finish_failed(args.actor, &args.reason, head.clone(), now);
            Outcome::Failed
        }
    };
    state.generation = runner.store.next_generation(claimed.generation)?;
    let at = format_utc(now);
    let entry = JournalEntry {
        iteration,
        actor: args.actor,
        prompt: decision.prompt,
        source: "manual".into(),
        reason: "stamped by hand (baton stamp)".into(),
        agent: String::new(),
        started_at: at.clone(),
        ended_at: at,
        duration_ms: 0,
        outcome,
        exit_code: None,
        head_before: head.clone(),
        head_after: head,
        files_changed: 0,
        insertions: 0,
        deletions: 0,
        log: String::new(),
        host: crate::process::hostname(),
        generation: state.generation,
        dirty_left: Vec::new(),
        state_ignored: Vec::new(),
        usage: crate::journal::Usage::default(),
        attempts: 1,
        retry_at: None,
        completion: None,
        notes_delivered: 0,
        journal_restored: Vec::new(),
        tasks: Vec::new(),
        task_problems: Vec::new(),
    };
    say!(
        "[stamp] {} {:?}: state {} at iteration {}, next {}",
        args.actor,
        args.result,
        state.status,
        state.iteration,
        state.expected_actor
    );
    let commit = runner
        .repo
        .is_some()
        .then(|| stamp_message(&state, args.actor, claim));
    runner.apply_hand_stamp(
        &claimed,
        PendingStamp {
            state,
            entry,
            commit,
        },
    )
}
