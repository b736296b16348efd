//! The end of a turn: auto-commit, the stamp in the state, the journal line.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::config::AutocommitConfig;
use crate::error::Result;
use crate::git::{self, DiffStats};
use crate::journal::{Completion, JournalEntry, Outcome};
use crate::router::Decision;
use crate::state::{Actor, Next, State, format_utc};
use crate::turn::completion;
use crate::turn::failure::TurnFailure;
use crate::turn::launch::{Launched, Receipt, failed};
use crate::turn::next::{Leads, walk};
use crate::turn::owned::owned_state;
use crate::turn::record::PendingStamp;
use crate::turn::subject::stamp_message;
use crate::turn::{Failure, Session};

/// The facts of a running turn fixed at its claim.
#[derive(Clone, Debug)]
pub(crate) struct Turn {
    pub(crate) actor: Actor,
    pub(crate) iteration: u64,
    pub(crate) started: SystemTime,
    pub(crate) head_before: Option<String>,
    /// The state as claimed (written with the running marker).
    pub(crate) claimed: State,
    /// People's notes delivered with this turn's prompt.
    pub(crate) notes: Vec<crate::state::Note>,
    /// The id of the claim won on a remote (role mode), named by the stamp commit.
    pub(crate) claim: Option<String>,
    /// Variables the mode adds to the agent's environment.
    pub(crate) env: Vec<(String, String)>,
    /// HEAD when the journal was sealed: where archived segments are put back from.
    pub(crate) seal_head: Option<String>,
    /// The journal before the agent started (see [`crate::journal::Seal`]).
    pub(crate) seal: crate::journal::Seal,
    /// The worker and task, when this is a worker's turn (see [`crate::turn::workers`]).
    pub(crate) worker: Option<crate::turn::workers::WorkerOf>,
}

/// A turn whose agent succeeded and whose auto-commit ran.
#[derive(Debug)]
pub(crate) struct Finished {
    /// The agent that ran.
    pub(crate) agent: String,
    /// Its turn log.
    pub(crate) log: PathBuf,
    /// Paths still dirty after auto-commit.
    pub(crate) dirty_left: Vec<String>,
    /// What its runs reported.
    pub(crate) receipt: Receipt,
    /// Its completion claim and verdict, if it claimed.
    pub(crate) completion: Option<Completion>,
}

/// Auto-commits after a successful agent run, and applies galph's dirty-tree guard.
pub(crate) fn after_agent(
    runner: &Session,
    turn: &Turn,
    launched: Launched,
) -> Result<Finished, Box<Failure>> {
    let Launched {
        decision,
        agent,
        log,
        receipt,
    } = launched;
    let fail = |failure: TurnFailure| {
        Box::new(Failure {
            agent: agent.name.clone(),
            log: Some(log.clone()),
            exit_code: Some(0),
            receipt: receipt.clone(),
            ..*failed(decision.clone(), failure)
        })
    };
    let plan = match (&runner.repo, runner.options.autocommit) {
        (Some(repo), true) => autocommit(runner, repo, turn, &decision.prompt)
            .map_err(|e| fail(TurnFailure::Autocommit(e.to_string())))?,
        _ => git::AutocommitPlan::default(),
    };
    if !plan.dirty_left.is_empty() {
        warn_line!(
            runner.events,
            "[autocommit] warning: left dirty: {}",
            plan.dirty_left.join(", ")
        );
    }
    // A supervisor plans and a reviewer reviews; what either changed outside the rules fails
    // its turn, in every mode, unless tolerated. Dirt that was there before is not its doing.
    let guard =
        !runner.graph.kind(turn.actor).edits_are_work() && !runner.config.autocommit.tolerate_dirty;
    if guard && !plan.turn_left.is_empty() {
        return Err(fail(TurnFailure::DirtyGuard(plan.turn_left)));
    }
    let dirty_left = plan.dirty_left;
    // The supervisor declares the work done (in a single-actor run, the one actor does).
    let may_claim = runner.graph.kind(turn.actor) == crate::state::ActorKind::Supervisor
        || runner.graph.alone() == Some(turn.actor);
    let final_message = receipt.final_message.as_deref();
    let claim = may_claim
        && completion::claimed(
            final_message,
            &runner.config.completion,
            turn.actor,
            &runner.events,
        );
    let completion = claim.then(|| {
        info_line!(
            runner.events,
            "[complete] {} claims the work is done",
            turn.actor
        );
        let verify_log = completion::log_path(&log);
        let relative = runner.config.relative(&verify_log);
        completion::verify(&runner.config, &verify_log, relative, &runner.events)
    });
    Ok(Finished {
        agent: agent.name,
        log,
        dirty_left,
        receipt,
        completion,
    })
}

fn autocommit(
    runner: &Session,
    repo: &git::Repo,
    turn: &Turn,
    prompt: &str,
) -> Result<git::AutocommitPlan> {
    let config = &runner.config;
    let exclude = runner.baton_paths(repo);
    let kind = runner.graph.kind(turn.actor);
    let mut rules = config.autocommit.clone();
    // A supervisor hands work out as task files: they are its to write.
    if kind == crate::state::ActorKind::Supervisor
        && let Some(tasks) = config.relative(&config.tasks_dir)
    {
        rules.doc_whitelist.push(format!("{tasks}/**"));
    }
    let rules = rules_in_repo(&rules, repo.relative(&config.root).as_deref());
    let of = git::TurnOf {
        actor: turn.actor,
        work: kind.edits_are_work(),
        since: Some(turn.started),
    };
    let plan = git::plan_autocommit(&repo.dirty_paths()?, &rules, &exclude, of);
    for warning in &plan.warnings {
        warn_line!(runner.events, "[autocommit] warning: {warning}");
    }
    let dry_run = runner.options.commit_dry_run;
    let events = &runner.events;
    git::apply_plan(
        repo,
        &plan,
        turn.actor,
        prompt,
        turn.iteration,
        dry_run,
        events,
    )?;
    Ok(plan)
}

/// The auto-commit rules with their paths made relative to the repository: the rules are
/// written relative to the workspace root, which may be a subdirectory (`prefix`) of the work
/// tree.
fn rules_in_repo(rules: &AutocommitConfig, prefix: Option<&str>) -> AutocommitConfig {
    let mut rules = rules.clone();
    let Some(prefix) = prefix.filter(|p| !p.is_empty()) else {
        return rules;
    };
    for list in [
        &mut rules.never,
        &mut rules.doc_whitelist,
        &mut rules.report_globs,
        &mut rules.tracked_output_globs,
        &mut rules.include_ignored,
    ] {
        for item in list.iter_mut() {
            *item = format!("{prefix}/{item}");
        }
    }
    rules
}

/// The turn's outcome replaced by `failure` (found after the agent ran), keeping what the agent
/// run reported (agent, log, exit code, receipt).
pub(crate) fn overruled(
    result: std::result::Result<Finished, Box<Failure>>,
    decision: &Decision,
    failure: TurnFailure,
) -> Box<Failure> {
    match result {
        Ok(done) => Box::new(Failure {
            agent: done.agent,
            log: Some(done.log),
            exit_code: Some(0),
            receipt: done.receipt,
            ..*failed(decision.clone(), failure)
        }),
        Err(earlier) => Box::new(Failure {
            failure,
            ..*earlier
        }),
    }
}

/// A decided stamp and the failure the run ends with, if the turn failed.
#[derive(Debug)]
pub(crate) struct Stamped {
    /// What to write.
    pub(crate) stamp: PendingStamp,
    /// Why the turn failed, if it did.
    pub(crate) failure: Option<TurnFailure>,
    /// Whether a failed turn was taken on by a step for `outcome: failed` (the run goes on).
    pub(crate) routed: bool,
}

/// Decides the stamp of a finished turn, writing nothing: the state as claimed (Baton owns it;
/// see [`owned_state`]) moved on by the turn's outcome, and the journal line (noting
/// `journal_restored`, what of the journal was put back after the agent changed it).
///
/// # Errors
/// Git errors reading HEAD; a generation that cannot grow.
pub(crate) fn stamp(
    runner: &Session,
    turn: &Turn,
    decision: &Decision,
    result: std::result::Result<Finished, Box<Failure>>,
    journal_restored: Vec<String>,
) -> Result<Stamped> {
    let (mut state, state_ignored) = owned_state(runner, &turn.claimed);
    if !state_ignored.is_empty() {
        warn_line!(
            runner.events,
            "[stamp] ignored what the turn changed in {} ({}): Baton owns the state file; \
             agents may set only exit and exit_reason",
            runner.store.path().display(),
            state_ignored.join(", ")
        );
    }
    let head_after = runner.head()?;
    let now = SystemTime::now();
    let mut retry_at = None;
    let mut completion = None;
    let mut routed = false;
    let (outcome, exit_code, agent, log, dirty_left, failure, receipt) = match result {
        Ok(done) => {
            completion.clone_from(&done.completion);
            let message = done.receipt.final_message.as_deref();
            let (leads, progress) =
                walk(runner, &state, turn.actor, true, message, Some(&done.log));
            let next = match leads {
                Leads::To(next) => next,
                Leads::Again => Next::Actor(turn.actor),
            };
            state.finish_ok(turn.actor, &decision.prompt, head_after.clone(), next, now);
            state.set_progress(progress);
            state.drop_notes(&turn.notes);
            (
                Outcome::Ok,
                Some(0),
                done.agent,
                Some(done.log),
                done.dirty_left,
                None,
                done.receipt,
            )
        }
        Err(failure) => {
            let Failure {
                failure,
                exit_code,
                agent,
                log,
                receipt,
                ..
            } = *failure;
            match &failure {
                TurnFailure::Limited { reason, until } => {
                    state.finish_limited(turn.actor, *until, reason, head_after.clone(), now);
                    retry_at = Some(format_utc(*until));
                }
                TurnFailure::Interrupted(_) => {
                    state.finish_failed(turn.actor, &failure.to_string(), head_after.clone(), now);
                }
                other => {
                    let message = receipt.final_message.as_deref();
                    let (leads, progress) =
                        walk(runner, &state, turn.actor, false, message, log.as_deref());
                    state.finish_failed(turn.actor, &other.to_string(), head_after.clone(), now);
                    if let Leads::To(next) = leads {
                        state.take_failure_step(next);
                        state.set_progress(progress);
                        routed = true;
                    }
                }
            }
            let outcome = failure.outcome();
            (
                outcome,
                exit_code,
                agent,
                log,
                Vec::new(),
                Some(failure),
                receipt,
            )
        }
    };
    if completion.as_ref().is_some_and(|c| c.verified) {
        let checks = runner.config.completion.verify.len();
        state.request_stop(&format!(
            "complete: {} declared the work done; {checks} verify command(s) passed",
            turn.actor
        ));
    }
    state.generation = runner.store.next_generation(turn.claimed.generation)?;
    let stats = diff_stats(runner, turn.head_before.as_deref(), head_after.as_deref());
    let entry = JournalEntry {
        iteration: turn.iteration,
        actor: turn.actor,
        prompt: decision.prompt.clone(),
        source: decision.source.as_str().to_owned(),
        reason: decision.reason.clone(),
        agent,
        started_at: format_utc(turn.started),
        ended_at: format_utc(now),
        duration_ms: duration_ms(turn.started, now),
        outcome,
        exit_code,
        head_before: turn.head_before.clone(),
        head_after,
        files_changed: stats.files_changed,
        insertions: stats.insertions,
        deletions: stats.deletions,
        log: log.map(|l| relative(runner, &l)).unwrap_or_default(),
        host: crate::process::hostname(),
        generation: state.generation,
        dirty_left,
        state_ignored,
        usage: receipt.usage,
        attempts: receipt.attempts.max(1),
        tasks: receipt.tasks,
        task_problems: receipt.task_problems,
        retry_at,
        completion,
        notes_delivered: u32::try_from(turn.notes.len()).unwrap_or(u32::MAX),
        journal_restored,
    };
    let commit = (runner.repo.is_some() && !runner.options.commit_dry_run)
        .then(|| stamp_message(&state, turn.actor, turn.claim.as_deref()));
    Ok(Stamped {
        stamp: PendingStamp {
            state,
            entry,
            commit,
        },
        failure,
        routed,
    })
}

fn diff_stats(runner: &Session, before: Option<&str>, after: Option<&str>) -> DiffStats {
    let Some(repo) = &runner.repo else {
        return DiffStats::default();
    };
    if before == after {
        return DiffStats::default();
    }
    repo.diff_stats(before, after).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "diff stats for the journal");
        DiffStats::default()
    })
}

fn duration_ms(start: SystemTime, end: SystemTime) -> u64 {
    let ms = end.duration_since(start).unwrap_or_default().as_millis();
    u64::try_from(ms).unwrap_or(u64::MAX)
}

fn relative(runner: &Session, path: &Path) -> String {
    runner
        .config
        .relative(path)
        .unwrap_or_else(|| path.to_string_lossy().into_owned())
}
