//! Parallel workers (`workflow.workers`, `docs/workflows.md`): when an actor with workers has
//! open tasks on the shared branch (files under `workflow.tasks_dir`), its turn runs up to that
//! many workers at once, one task each, each in its own worktree on its own branch
//! (`baton/<worker>/<task>`) from the shared head, and lands each finished branch on the shared
//! branch as it ends (see `land.rs`); a slot that frees takes the next open task whose
//! dependencies are done. The turn is stamped once, when every worker has ended; its journal
//! line lists every task's run (`tasks`).
//!
//! A usage limit of a worker starts no further worker (the others end their tasks) and the
//! turn runs again once the limit resets, with the tasks still open. A failed, conflicting or
//! red task stays open, its branch (and worktree) kept; the supervisor's next prompt says
//! what did not land (see `report.rs`). Worker threads never touch the state, the journal or
//! the shared branch: the run's thread lands, one branch at a time.

mod fanout;
mod job;
mod pool;

pub(crate) use pool::PoolOptions;
mod land;
mod report;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::SystemTime;

pub(crate) use job::{Assigned, WorkerOf};
pub(crate) use report::{report_prompt, supervisor_report, task_prompt};

use crate::agent::AgentChoice;
use crate::error::Result;
use crate::git::Repo;
use crate::journal::{Landing, TaskRun};
use crate::router::Decision;
use crate::state::Actor;
use crate::tasks::Board;
use crate::turn::Failure;
use crate::turn::Session;
use crate::turn::failure::TurnFailure;
use crate::turn::finish::Turn;
use crate::turn::launch::{Launched, Receipt, failed};

/// The directory of the run directory under which each worker keeps its runtime files (its
/// agent's process record), `<run dir>/workers/<worker>/`.
pub(crate) const RUN_SUBDIR: &str = "workers";

/// A step that runs workers: the tasks of the shared branch and how many may run at once.
#[derive(Debug)]
pub(crate) struct Batch {
    board: Board,
    slots: u32,
}

/// The workers `actor`'s turn runs: `Some` when `workflow.workers` names it, git and
/// auto-commit are in use, and the shared branch has task files (open, or with problems to
/// report); `None` runs the turn once, in the main work tree, as without workers.
///
/// # Errors
/// Git errors reading the tasks of HEAD.
pub(crate) fn planned(runner: &Session, actor: Actor) -> Result<Option<Batch>> {
    let Some(slots) = runner.graph.workers.get(&actor).copied() else {
        return Ok(None);
    };
    let Some(repo) = runner.repo.as_ref() else {
        return Ok(None);
    };
    if !runner.options.autocommit || runner.options.commit_dry_run {
        return Ok(None);
    }
    let board = board_at_head(runner, repo)?;
    if board.open.is_empty() && board.problems.is_empty() {
        return Ok(None);
    }
    Ok(Some(Batch { board, slots }))
}

/// The tasks of `repo`'s HEAD (the shared branch as committed: a task is what the supervisor
/// committed, never a file an agent left in the work tree).
fn board_at_head(runner: &Session, repo: &Repo) -> Result<Board> {
    match repo.head_id()? {
        Some(head) => board_at(runner, repo, &head),
        None => Ok(Board::default()),
    }
}

/// The tasks of the shared branch at `head` (a full SHA).
///
/// # Errors
/// Git errors reading the tree.
pub(crate) fn board_at(runner: &Session, repo: &Repo, head: &str) -> Result<Board> {
    board_in(repo, &runner.config.tasks_dir, head)
}

/// The tasks under `tasks_dir` (absolute, inside `repo`'s work tree) at commit `head`.
///
/// # Errors
/// Git errors reading the tree.
pub(crate) fn board_in(repo: &Repo, tasks_dir: &std::path::Path, head: &str) -> Result<Board> {
    let Some(dir) = repo.relative(tasks_dir) else {
        return Ok(Board::default());
    };
    let mut files = Vec::new();
    for name in repo.list_at(head, &dir)? {
        let bytes = repo
            .read_at(head, &format!("{dir}/{name}"))?
            .unwrap_or_default();
        files.push((name, bytes));
    }
    let done = format!("{dir}/{}", crate::tasks::DONE_DIR);
    for name in repo.list_at(head, &done)? {
        files.push((format!("{}/{name}", crate::tasks::DONE_DIR), Vec::new()));
    }
    Ok(Board::from_files(files))
}

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
    } else {
        outcome
            .limited
            .map(|(reason, until)| TurnFailure::Limited { reason, until })
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

/// A task's file and where its landing moves it, relative to the repository:
/// `(tasks/<id>.md, tasks/done/<id>.md)`.
pub(super) fn task_paths(tasks_dir: &str, id: &str) -> (String, String) {
    let join = |name: String| {
        if tasks_dir.is_empty() {
            name
        } else {
            format!("{tasks_dir}/{name}")
        }
    };
    (
        join(format!("{id}.md")),
        join(format!("{}/{id}.md", crate::tasks::DONE_DIR)),
    )
}

/// Milliseconds from `start` to now.
fn millis_since(start: SystemTime) -> u64 {
    let ms = SystemTime::now()
        .duration_since(start)
        .unwrap_or_default()
        .as_millis();
    u64::try_from(ms).unwrap_or(u64::MAX)
}

/// Says how a worker's task ended (a `worker_ended` event).
fn ended(
    events: &crate::events::Events,
    actor: crate::state::Actor,
    iteration: u64,
    run: &TaskRun,
) {
    events.emit(&crate::events::Event::WorkerEnded {
        actor,
        iteration,
        worker: &run.worker,
        task: &run.task,
        landing: run.landing,
        merge: run.merge.as_deref(),
        conflicts: &run.conflicts,
        error: run.error.as_deref(),
    });
}
