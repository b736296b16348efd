//! The job of one claimed task of the pool: the slot's worktree on a new branch from the shared
//! head (kept from the slot's last task, only what differs checked out), and the worker's turn
//! that runs the actor's prompt on the task there.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use crate::error::Result;
use crate::git::Repo;
use crate::turn::Session;
use crate::turn::finish::Turn;
use crate::turn::workers::job::{Job, Prepare};
use crate::turn::workers::pool::{Back, PoolOptions};
use crate::turn::workers::{Assigned, RUN_SUBDIR, WorkerOf};

impl Session {
    /// The job of one claimed task: the slot's worktree put on a new branch from `shared` —
    /// on the job's own thread, under the slot's lock `slot_lock` (the worker deletes a landed
    /// task's branch under it, leaving its worktree) and, for a new worktree, under `making`,
    /// with a handle of its own on the repository.
    ///
    /// # Errors
    /// Git errors naming the branch or opening the repository again.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn pool_job<'a>(
        &'a self,
        repo: &'a Repo,
        slot_lock: &'a Mutex<()>,
        making: &'a Mutex<()>,
        state: &crate::state::State,
        seal: &crate::journal::Seal,
        shared: &str,
        slot: u32,
        task: crate::tasks::Task,
        decision: &crate::router::Decision,
        agent: &crate::agent::AgentChoice,
        options: &PoolOptions,
    ) -> Result<PoolJob<'a>> {
        let name = format!("{}-{slot}", options.actor);
        let branch = repo.free_branch_name(&name, &task.id)?;
        let worktree = repo.worktrees_dir().join(slot_worktree(&name));
        let prepare: Prepare<'a> = {
            let own = repo.reopen()?;
            let (name, branch, shared) = (slot_worktree(&name), branch.clone(), shared.to_owned());
            let path = worktree.clone();
            Box::new(move || {
                let lock =
                    |m: &'a Mutex<()>| m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let _slot = lock(slot_lock);
                // libgit2 makes `.git/worktrees` for the first worktree, failing when another
                // thread just made it: new worktrees are made one at a time.
                let _making = (!path.exists()).then(|| lock(making));
                own.reuse_worktree(&name, &branch, &shared)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        };
        self.events.emit(&crate::events::Event::WorkerStarted {
            actor: options.actor,
            iteration: state.iteration,
            worker: &name,
            task: &task.id,
            branch: &branch,
        });
        let tasks_dir = repo.relative(&self.config.tasks_dir).unwrap_or_default();
        let file = worktree.join(&tasks_dir).join(format!("{}.md", task.id));
        let events = self.events.for_worker(&name, &task.id);
        let turn = Turn {
            actor: options.actor,
            iteration: state.iteration,
            started: SystemTime::now(),
            head_before: Some(shared.to_owned()),
            claimed: state.clone(),
            notes: Vec::new(),
            claim: None,
            env: Vec::new(),
            seal_head: None,
            seal: seal.clone(),
            worker: None,
        };
        Ok(PoolJob {
            worktree: worktree.clone(),
            branch,
            job: Job {
                config: &self.config,
                graph: &self.graph,
                main_workdir: repo.workdir(),
                worktree,
                run_dir: self.run_dir().join(RUN_SUBDIR).join(&name),
                worker: WorkerOf {
                    name,
                    assigned: Some(Assigned { task, file }),
                    logs_label: self.branch_label(),
                },
                turn,
                decision: decision.clone(),
                agent: agent.clone(),
                events,
                prepare: Some(prepare),
            },
        })
    }
}

/// The worktree a slot's worker keeps from task to task (`ralph-2+_pool`: no task id starts
/// with `_`, so it is never a task's worktree name).
pub(super) fn slot_worktree(worker: &str) -> String {
    format!("{worker}+_pool")
}

/// Where a claimed task's job starts: its slot, its task, the shared head it starts from.
pub(super) struct Started {
    pub(super) slot: u32,
    pub(super) task: String,
    pub(super) shared: String,
}

/// Runs `job` on a thread of `scope`; what it came to is sent on `tx` as a [`Back`] when it
/// ends.
pub(super) fn spawn<'scope, 'env: 'scope>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    job: PoolJob<'env>,
    started: Started,
    tx: std::sync::mpsc::Sender<Back>,
) {
    scope.spawn(move || {
        let ran = crate::turn::workers::job::run(job.job);
        // The receiver lives until every worker is back.
        let _ = tx.send(Back {
            slot: started.slot,
            task: started.task,
            branch: job.branch,
            worktree: job.worktree,
            ran,
            shared: started.shared,
            landing_from: SystemTime::now(),
            verified: None,
            refused: super::streak::Streak::default(),
        });
    });
}

/// A job and where it works.
pub(super) struct PoolJob<'a> {
    pub(super) worktree: PathBuf,
    pub(super) branch: String,
    pub(super) job: Job<'a>,
}
