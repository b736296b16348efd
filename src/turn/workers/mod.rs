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

mod batch;
mod fanout;
mod job;
mod pool;

pub(crate) use pool::PoolOptions;
mod land;
mod report;

use std::time::SystemTime;

pub(crate) use batch::run;
pub(crate) use job::{Assigned, WorkerOf};
pub(crate) use report::{report_prompt, supervisor_report, task_prompt};

use crate::error::Result;
use crate::git::Repo;
use crate::journal::TaskRun;
use crate::state::Actor;
use crate::tasks::Board;
use crate::turn::Session;

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
    let mut files = repo.files_at(head, &dir)?;
    let done = format!("{dir}/{}", crate::tasks::DONE_DIR);
    for name in repo.list_at(head, &done)? {
        files.push((format!("{}/{name}", crate::tasks::DONE_DIR), Vec::new()));
    }
    Ok(Board::from_files(files))
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
