//! `baton work`: a pool worker on any clone (`docs/pool.md`). It takes open tasks of the shared
//! branch *through the remote*, up to `--slots` at once: each task is claimed by a
//! compare-and-swap push of its own claim ref (`refs/baton/claims/<task>`, expected absent, or
//! expected at a claim whose lease expired), worked on in a worktree as a worker of
//! `workflow.workers` is, and landed by one atomic push that moves the shared branch to the
//! merge commit (expected at the head it merged onto; merged again at the next look when it
//! moved) and deletes the claim (expected at this worker's own claim): a worker that lost its
//! claim never lands. Leases are renewed while a task runs.
//!
//! The worker works in *looks*: one fetch of the branch and the claims serves the claims for
//! its free slots (one push, each claim its own compare-and-swap), whose tasks run at once, and
//! then the landing of every task back since the last look (one train: a chain of merges, one
//! atomic push, on a thread of its own, one train at a time; the worker goes on meanwhile and
//! takes the train in once it is back, `in_flight.rs`). A task that comes back waits a little
//! for the tasks that started with it (`gather.rs`), so that one look serves them all. The
//! loop and what it holds from look to look are `worker.rs`; what it does at a look,
//! `worker/at_look.rs`.
//!
//! The pool never writes the state file; each landing appends the task's journal line in its
//! merge commit, so budgets and `baton stats` count pool tasks.

mod claims;
mod gather;
mod in_flight;
mod items;
mod land;
mod look;
mod streak;
mod take;
mod task_job;
mod turns;
mod worker;

use items::Pending;
pub(super) use items::{Back, Held};

use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::git::{Remote, Repo};
use crate::journal::TaskRun;
use crate::pool::claim::Holder;
use crate::pool::refs;
use crate::state::Actor;
use crate::tasks::Board;
use crate::turn::Session;
use crate::turn::launch::{self, Route};

/// What `baton work` was asked.
#[derive(Clone, Debug)]
pub(crate) struct PoolOptions {
    /// The actor whose tasks it takes (when `tasks`).
    pub(crate) actor: Actor,
    /// Whether it takes tasks at all (not when every actor it was given is a supervisor).
    pub(crate) tasks: bool,
    /// The actors whose ready turns it takes, in this order of preference.
    pub(crate) turns: Vec<Actor>,
    /// Keep looking while nothing is there to take, until the stop flag (else: exit once no
    /// task or turn is left for it).
    pub(crate) wait: bool,
    /// The most tasks at once (1 to 64).
    pub(crate) slots: u32,
    /// Take one task, finish it, and exit.
    pub(crate) once: bool,
    /// How long to wait between looks at the remote.
    pub(crate) poll: Duration,
}

/// What a pool worker did: its tasks' runs, in the order they ended, and how many turns it ran.
#[derive(Debug)]
pub(crate) struct PoolEnd {
    pub(crate) runs: Vec<TaskRun>,
    pub(crate) turns: u32,
}

impl Session {
    /// Runs a pool worker until no task or turn is left to take and none runs (with `once`:
    /// after one; with `wait`: until the stop flag), landing each task it finishes.
    ///
    /// # Errors
    /// Usage errors (no git, no remote branch, a prompt that needs the router) before anything
    /// is claimed; git errors; interrupted (exit 128 + N) after the running tasks ended.
    pub(crate) fn work_pool(
        &self,
        remote: &Remote,
        branch: &str,
        options: &PoolOptions,
    ) -> Result<PoolEnd> {
        let Some(repo) = self.repo.as_ref() else {
            return Err(Error::usage(
                "baton work needs a git repository with a remote",
            ));
        };
        let state = self.load_state()?;
        // What its tasks run: the actor's deterministic prompt and its agent (none when it
        // takes turns only).
        let task_prompt = if options.tasks {
            let decision = match launch::prepare(self, &state, options.actor, None)? {
                Route::Decided(decision) => decision,
                Route::Router { .. } => {
                    return Err(Error::usage(
                        "baton work runs the deterministic prompt of its actor; the router \
                         prompt decides galph's turns only",
                    ));
                }
            };
            let agent = crate::agent::resolve(&self.config, options.actor, &decision.prompt)?;
            Some((decision, agent))
        } else {
            None
        };
        let holder = Holder::new(
            &crate::process::hostname(),
            std::process::id(),
            &crate::process::Identity::current()
                .map(|id| id.start_token())
                .unwrap_or_default(),
        )
        .map_err(|e| Error::failed(format!("this worker's identity: {e}")))?;
        let given = worker::Given {
            session: self,
            lands: land::Lands {
                repo,
                remote,
                branch,
            },
            options,
            holder,
            tracking: format!("refs/remotes/{}/{branch}", remote.name()),
            seen: refs::tracked_claims(remote.name()),
            seal: self.journal.seal()?,
            task_prompt,
            slot_locks: (0..=options.slots).map(|_| Mutex::new(())).collect(),
        };
        let end = std::thread::scope(|scope| worker::Worker::new(&given, scope, state).run())?;
        crate::modes::check_signal()?;
        Ok(end)
    }
}

/// The tasks of the shared branch at `commit`.
fn board_at(session: &Session, repo: &Repo, commit: &str) -> Result<Board> {
    crate::turn::workers::board_at(session, repo, commit)
}

/// Whether a signal asked the run to stop.
fn signalled() -> bool {
    crate::executor::received_signal().is_some()
}

/// The lock of `slot` (slots count from 1; `locks` has one more).
pub(super) fn slot_lock(locks: &[Mutex<()>], slot: u32) -> &Mutex<()> {
    let at = usize::try_from(slot).unwrap_or(0) % locks.len().max(1);
    &locks[at]
}
