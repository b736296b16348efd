//! One step's workers (`workflow.workers`): up to that many tasks at once, each in its own
//! worktree on its own thread; each finished branch lands as it ends, on the run's thread, and
//! a freed slot takes the next open task (see the module above).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::SystemTime;

use crate::agent::AgentChoice;
use crate::error::Result;
use crate::git::Repo;
use crate::journal::{Landing, TaskRun};
use crate::router::Decision;
use crate::turn::Failure;
use crate::turn::Session;
use crate::turn::failure::TurnFailure;
use crate::turn::finish::Turn;
use crate::turn::launch::{Launched, Receipt, failed};
use crate::turn::workers::{Assigned, Batch, RUN_SUBDIR, WorkerOf, ended, job, land};

/// A finished worker, as its thread hands it back.
struct Back {
    slot: u32,
    branch: String,
    worktree: PathBuf,
    ran: job::Ran,
}

/// What the workers of a batch did.
#[derive(Default)]
struct Outcome {
    runs: Vec<TaskRun>,
    /// The latest reset of a usage limit a worker hit, and why.
    limited: Option<(String, SystemTime)>,
}

/// Runs `batch` for `turn` with `decision`'s prompt and `agent`: every worker to its end and
/// landing; the turn's receipt lists the tasks. Interrupted: the workers' agents are ended and
/// the turn fails as interrupted; a usage limit: the turn is limited.
pub(crate) fn run(
    runner: &Session,
    turn: &Turn,
    decision: Decision,
    agent: AgentChoice,
    batch: Batch,
) -> std::result::Result<Launched, Box<Failure>> {
    let broke = |e: crate::error::Error| {
        failed(
            decision.clone(),
            TurnFailure::Start(format!("workers: {e:#}")),
        )
    };
    let Some(repo) = runner.repo.as_ref() else {
        return Err(broke(crate::error::Error::failed("workers need git")));
    };
    note_kept_worktrees(runner, repo);
    let problems = batch.board.problem_lines();
    let outcome = run_workers(runner, repo, turn, &decision, &agent, batch).map_err(broke)?;
    let mut receipt = Receipt {
        task_problems: problems,
        ..Receipt::default()
    };
    for run in &outcome.runs {
        receipt.usage = std::mem::take(&mut receipt.usage).plus(&run.usage);
        receipt.attempts += run.attempts;
    }
    receipt.tasks = outcome.runs;
    let log = crate::turn::launch::log_path(runner, turn, &decision.prompt);
    write_summary(runner, &log, &receipt);
    let failure = if let Some(signal) = crate::executor::received_signal() {
        Some(TurnFailure::Interrupted(signal))
    } else if let Some((reason, until)) = outcome.limited {
        Some(TurnFailure::Limited { reason, until })
    } else {
        every_task_failed(&receipt.tasks)
    };
    match failure {
        Some(failure) => Err(Box::new(Failure {
            agent: agent.name,
            log: Some(log),
            exit_code: None,
            receipt,
            ..*failed(decision, failure)
        })),
        None => Ok(Launched {
            decision,
            agent,
            log,
            receipt,
        }),
    }
}

/// Says how many worktrees of tasks that did not land are kept (a conflict, a red verify, a
/// failure, or a run that died): they stay for people to look at until `baton cleanup`.
fn note_kept_worktrees(runner: &Session, repo: &Repo) {
    match repo.list_worktrees() {
        Ok(trees) if !trees.is_empty() => info_line!(
            runner.events,
            "[worker] {} worktree(s) of tasks that did not land are kept under {} (`baton \
             cleanup` removes them)",
            trees.len(),
            repo.worktrees_dir().display()
        ),
        Ok(_) => {}
        Err(e) => warn_line!(
            runner.events,
            "[worker] warning: cannot list worktrees: {e}"
        ),
    }
}

fn run_workers(
    runner: &Session,
    repo: &Repo,
    turn: &Turn,
    decision: &Decision,
    agent: &AgentChoice,
    batch: Batch,
) -> Result<Outcome> {
    let Batch { mut board, slots } = batch;
    let logs_label = runner.branch_label();
    let tasks_dir = repo.relative(&runner.config.tasks_dir).unwrap_or_default();
    let (tx, rx) = mpsc::channel::<Back>();
    std::thread::scope(|scope| {
        let mut free: Vec<u32> = (1..=slots).rev().collect();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let mut running = 0_u32;
        let mut outcome = Outcome::default();
        loop {
            let stopping =
                outcome.limited.is_some() || crate::executor::received_signal().is_some();
            while !stopping && !free.is_empty() {
                let Some(task) = board.takeable(&taken).first().map(|t| (*t).clone()) else {
                    break;
                };
                let Some(slot) = free.pop() else { break };
                taken.insert(task.id.clone());
                let name = format!("{}-{slot}", turn.actor);
                let started = start_worktree(repo, &name, &task.id);
                let (branch, worktree) = match started {
                    Ok(made) => made,
                    Err(e) => {
                        free.push(slot);
                        warn_line!(runner.events, "[worker] {name}: task {}: {e:#}", task.id);
                        continue;
                    }
                };
                runner.events.emit(&crate::events::Event::WorkerStarted {
                    actor: turn.actor,
                    iteration: turn.iteration,
                    worker: &name,
                    task: &task.id,
                    branch: &branch,
                });
                let task_file = worktree.join(&tasks_dir).join(format!("{}.md", task.id));
                let (job_name, job_task) = (name.clone(), task.id.clone());
                let job = job::Job {
                    config: &runner.config,
                    graph: &runner.graph,
                    main_workdir: repo.workdir(),
                    worktree: worktree.clone(),
                    run_dir: runner.run_dir().join(RUN_SUBDIR).join(&name),
                    worker: WorkerOf {
                        name,
                        assigned: Some(Assigned {
                            task,
                            file: task_file,
                        }),
                        logs_label: logs_label.clone(),
                    },
                    turn: turn.clone(),
                    decision: decision.clone(),
                    agent: agent.clone(),
                    events: runner.events.for_worker(&job_name, &job_task),
                    prepare: None,
                };
                let tx = tx.clone();
                scope.spawn(move || {
                    let ran = job::run(job);
                    // The receiver lives until every worker is back.
                    let _ = tx.send(Back {
                        slot,
                        branch,
                        worktree,
                        ran,
                    });
                });
                running += 1;
            }
            if running == 0 {
                break;
            }
            let Ok(back) = rx.recv() else { break };
            running -= 1;
            free.push(back.slot);
            let run = land_back(runner, repo, turn, back, &mut outcome);
            if run.landing == Landing::Landed {
                // The landing moved the task file to done/ (and nothing else of the tasks
                // folder: a worker's edits to it never land), so the board follows in memory.
                board.open.remove(&run.task);
                board.done.insert(run.task.clone());
            }
            outcome.runs.push(run);
        }
        Ok(outcome)
    })
}

/// A worker's worktree on a new branch from the shared head: `(branch, worktree)`.
fn start_worktree(repo: &Repo, worker: &str, task: &str) -> Result<(String, PathBuf)> {
    let head = repo
        .head_id()?
        .ok_or_else(|| crate::error::Error::failed("the shared branch has no commit"))?;
    let branch = repo.free_branch_name(worker, task)?;
    let tree = repo.add_worktree(&crate::git::worktree_name(&branch), &branch, &head)?;
    Ok((branch, tree.path))
}

/// Lands what came back (or records why not) and says so.
fn land_back(
    runner: &Session,
    repo: &Repo,
    turn: &Turn,
    back: Back,
    outcome: &mut Outcome,
) -> TaskRun {
    let name = back.ran.worker.name.clone();
    let task = back.ran.worker.task_id().unwrap_or_default().to_owned();
    if let Err(failure) = &back.ran.result
        && let TurnFailure::Limited { reason, until } = &failure.failure
        && outcome.limited.as_ref().is_none_or(|(_, u)| u < until)
    {
        outcome.limited = Some((reason.clone(), *until));
    }
    let made = land::Made {
        ran: &back.ran,
        branch: &back.branch,
        worktree: &back.worktree,
        iteration: turn.iteration,
    };
    let run = land::land(runner, repo, made).unwrap_or_else(|e| {
        let mut run = TaskRun::new(&name, &task, &back.branch);
        run.error = Some(format!("landing: {e:#}"));
        run
    });
    ended(&runner.events, turn.actor, turn.iteration, &run);
    run
}

/// The step's turn log: one line per task.
fn write_summary(runner: &Session, log: &std::path::Path, receipt: &Receipt) {
    let mut text = String::new();
    for run in &receipt.tasks {
        text.push_str(&format!(
            "{} task {} on {}: {}{}\n",
            run.worker,
            run.task,
            run.branch,
            run.landing,
            run.error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
    }
    for problem in &receipt.task_problems {
        text.push_str(&format!("not run: {problem}\n"));
    }
    if let Err(e) =
        crate::fsutil::open_in_tree(&runner.config.logs_dir, log, crate::fsutil::Access::Append)
            .and_then(|mut owned| std::io::Write::write_all(&mut owned.file, text.as_bytes()))
    {
        warn_line!(
            runner.events,
            "[worker] warning: step log `{}`: {e}",
            log.display()
        );
    }
}

/// The step's failure when it ran tasks and every one of them failed (the agent, not the
/// landing): a broken agent or setup fails the turn, so that the run's failure breaker and a
/// workflow's `outcome: failed` step see it, instead of a step that looks fine and runs the same
/// tasks again. Conflicts and red verifies are the supervisor's to decide: they never fail it.
fn every_task_failed(runs: &[TaskRun]) -> Option<TurnFailure> {
    let first = runs.first()?;
    if !runs.iter().all(|r| r.landing == Landing::Failed) {
        return None;
    }
    Some(TurnFailure::Landing(format!(
        "every task's worker failed ({} task(s); the first: {})",
        runs.len(),
        first.error.as_deref().unwrap_or("failed")
    )))
}
