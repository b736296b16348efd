//! One worker's task, on its own thread: the actor's agent runs in the worker's worktree with
//! the task appended to its prompt, and the actor's auto-commit rules commit its work on the
//! worker's branch. Nothing here touches the shared branch, the state or the journal: the
//! run's thread lands what a worker made (see `land.rs`).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::agent::AgentChoice;
use crate::config::Config;
use crate::events::Events;
use crate::git::Repo;
use crate::router::Decision;
use crate::tasks::Task;
use crate::turn::failure::TurnFailure;
use crate::turn::finish::{self, Finished, Turn};
use crate::turn::{Failure, RunOptions, Session, Workspace, attempts};
use crate::workflow::Workflow;

/// Who a turn in a worktree is for: the worker's name, its task (a fan-out's turn has none),
/// and where its log goes.
#[derive(Clone, Debug)]
pub(crate) struct WorkerOf {
    /// `ralph-2` (the actor's name and the worker's slot), or the actor's own name for a
    /// fan-out's turn.
    pub(crate) name: String,
    /// The task it took, for a worker of `workflow.workers`.
    pub(crate) assigned: Option<Assigned>,
    /// The shared branch's log label (`main`): worker logs go to
    /// `logs/<label>/<worker>/iter-…_<prompt>.log`.
    pub(crate) logs_label: String,
}

/// A worker's task and its file in the worker's worktree (`BATON_TASK_FILE`).
#[derive(Clone, Debug)]
pub(crate) struct Assigned {
    /// The task.
    pub(crate) task: Task,
    /// Its file in the worktree.
    pub(crate) file: PathBuf,
}

impl WorkerOf {
    /// The id of its task, when it has one.
    #[must_use]
    pub(crate) fn task_id(&self) -> Option<&str> {
        self.assigned.as_ref().map(|a| a.task.id.as_str())
    }
}

/// What a worker thread is handed: everything it needs, owned or shared read-only.
pub(super) struct Job<'a> {
    /// The run's configuration (the worker's is derived from it).
    pub(super) config: &'a Config,
    /// The run's graph.
    pub(super) graph: &'a Workflow,
    /// The run's main work tree (the repository's work directory).
    pub(super) main_workdir: &'a Path,
    /// The worker's worktree.
    pub(super) worktree: PathBuf,
    /// The worker's runtime directory (its agent process record).
    pub(super) run_dir: PathBuf,
    /// The worker and its task.
    pub(super) worker: WorkerOf,
    /// The step's turn.
    pub(super) turn: Turn,
    /// The prompt and the agent of the step's turn.
    pub(super) decision: Decision,
    pub(super) agent: AgentChoice,
    /// The run's events.
    pub(super) events: Events,
    /// What makes the worktree ready, run first on the worker's own thread (a pool slot's kept
    /// worktree put on the task's branch); its error fails the turn's start.
    pub(super) prepare: Option<Prepare<'a>>,
}

/// A job's preparation (see [`Job::prepare`]): `Err` says what failed.
pub(super) type Prepare<'a> = Box<dyn FnOnce() -> Result<(), String> + Send + 'a>;

/// How a worker's agent run ended, before landing.
pub(super) struct Ran {
    /// Whose turn it was.
    pub(super) turn_actor: crate::state::Actor,
    /// The iteration of that turn.
    pub(super) turn_iteration: u64,
    /// The prompt it ran.
    pub(super) prompt: String,
    /// The worker and its task.
    pub(super) worker: WorkerOf,
    /// When the worker started.
    pub(super) started: SystemTime,
    /// The agent's turn, its work committed on the worker's branch; or why it failed.
    pub(super) result: Result<Finished, Box<Failure>>,
}

/// Runs `job` to its end: the agent in the worktree, then auto-commit there.
pub(super) fn run(job: Job<'_>) -> Ran {
    let started = SystemTime::now();
    let worker = job.worker.clone();
    let turn_actor = job.turn.actor;
    let turn_iteration = job.turn.iteration;
    let prompt = job.decision.prompt.clone();
    let result = work(job);
    Ran {
        turn_actor,
        turn_iteration,
        prompt,
        worker,
        started,
        result,
    }
}

fn work(job: Job<'_>) -> Result<Finished, Box<Failure>> {
    let decision = job.decision.clone();
    let start_failed =
        |what: String| crate::turn::launch::failed(decision.clone(), TurnFailure::Start(what));
    if let Some(prepare) = job.prepare {
        prepare().map_err(start_failed)?;
    }
    let repo = Repo::open_worktree(&job.worktree).map_err(|e| start_failed(e.to_string()))?;
    std::fs::create_dir_all(&job.run_dir)
        .map_err(|e| start_failed(format!("make `{}`: {e}", job.run_dir.display())))?;
    let config = in_worktree(job.config, job.main_workdir, &job.worktree);
    let ws = Workspace::new(config, Some(repo), &job.run_dir, job.events.clone());
    let options = RunOptions {
        autocommit: true,
        commit_dry_run: false,
        echo: false,
    };
    let session = Session::new(ws, job.graph.clone(), options);
    let mut turn = job.turn;
    turn.worker = Some(job.worker);
    turn.head_before = session.head().unwrap_or_default();
    turn.started = SystemTime::now();
    let launched = attempts::run(&session, &turn, job.decision, job.agent)?;
    finish::after_agent(&session, &turn, launched)
}

/// `config` for a worker whose worktree is `worktree`: the workspace root, state, journal,
/// scratch and tasks paths moved from `main_workdir` into it; prompts and logs stay where the
/// run has them (the prompts the run checked; every log in one place).
#[must_use]
pub(crate) fn in_worktree(config: &Config, main_workdir: &Path, worktree: &Path) -> Config {
    let moved = |path: &Path| match path.strip_prefix(main_workdir) {
        Ok(rest) => worktree.join(rest),
        Err(_) => path.to_path_buf(),
    };
    let mut config = config.clone();
    config.root = moved(&config.root);
    config.state_file = moved(&config.state_file);
    config.journal_file = moved(&config.journal_file);
    config.tmp_dir = moved(&config.tmp_dir);
    config.tasks_dir = moved(&config.tasks_dir);
    config
}
