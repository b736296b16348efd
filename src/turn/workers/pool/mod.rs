//! `baton work`: a pool worker on any clone (`docs/pool.md`). It takes open tasks of the shared
//! branch *through the remote*, up to `--slots` at once: each task is claimed by a
//! compare-and-swap push of its own claim ref (`refs/baton/claims/<task>`, expected absent, or
//! expected at a claim whose lease expired), worked on in a worktree as a worker of
//! `workflow.workers` is, and landed by one atomic push that moves the shared branch to the
//! merge commit (expected at the head it merged onto; retried after a fetch when it moved) and
//! deletes the claim (expected at this worker's own claim): a worker that lost its claim never
//! lands. Leases are renewed while a task runs.
//!
//! The pool never writes the state file; each landing appends the task's journal line in its
//! merge commit, so budgets and `baton stats` count pool tasks.

mod claims;
mod land;

use claims::{claims_seen, renew_due};

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::git::{Remote, Repo};
use crate::journal::TaskRun;
use crate::pool::claim::{ClaimRecord, Holder};
use crate::pool::plan::View;
use crate::pool::{push, refs};
use crate::state::Actor;
use crate::tasks::Board;
use crate::turn::Session;
use crate::turn::finish::Turn;
use crate::turn::launch::{self, Route};
use crate::turn::workers::job::{self, Job};
use crate::turn::workers::{Assigned, RUN_SUBDIR, WorkerOf};

/// What `baton work` was asked.
#[derive(Clone, Debug)]
pub(crate) struct PoolOptions {
    /// The actor whose tasks it takes.
    pub(crate) actor: Actor,
    /// The most tasks at once (1 to 64).
    pub(crate) slots: u32,
    /// Take one task, finish it, and exit.
    pub(crate) once: bool,
    /// How long to wait between looks at the remote.
    pub(crate) poll: Duration,
}

/// A claim this worker holds.
#[derive(Clone, Debug)]
pub(super) struct Held {
    /// The claim as pushed last.
    pub(super) record: ClaimRecord,
    /// Its commit (what the remote's claim ref must still point at).
    pub(super) sha: String,
    /// Whether a renewal found it taken over: the worker's work must not land.
    pub(super) lost: bool,
    /// How long its claim push took (milliseconds).
    pub(super) claim_ms: u64,
}

/// A finished worker of the pool, handed back by its thread.
pub(super) struct Back {
    pub(super) slot: u32,
    pub(super) task: String,
    pub(super) branch: String,
    pub(super) worktree: PathBuf,
    pub(super) ran: job::Ran,
    pub(super) shared: String,
}

impl Session {
    /// Runs a pool worker until no task is left to take and none runs (with `once`: after one
    /// task), landing each task it finishes; the runs, in the order they ended.
    ///
    /// # Errors
    /// Usage errors (no git, no remote branch, a prompt that needs the router) before anything
    /// is claimed; git errors; interrupted (exit 128 + N) after the running tasks ended.
    pub(crate) fn work_pool(
        &self,
        remote: &Remote,
        branch: &str,
        options: &PoolOptions,
    ) -> Result<Vec<TaskRun>> {
        let Some(repo) = self.repo.as_ref() else {
            return Err(Error::usage(
                "baton work needs a git repository with a remote",
            ));
        };
        let state = self.load_state()?;
        let decision = match launch::prepare(self, &state, options.actor, None)? {
            Route::Decided(decision) => decision,
            Route::Router { .. } => {
                return Err(Error::usage(
                    "baton work runs the deterministic prompt of its actor; the router prompt \
                     decides galph's turns only",
                ));
            }
        };
        let agent = crate::agent::resolve(&self.config, options.actor, &decision.prompt)?;
        let holder = Holder::new(
            &crate::process::hostname(),
            std::process::id(),
            &crate::process::Identity::current()
                .map(|id| id.start_token())
                .unwrap_or_default(),
        )
        .map_err(|e| Error::failed(format!("this worker's identity: {e}")))?;
        let lease = self.config.git.lease;
        let tracking = format!("refs/remotes/{}/{branch}", remote.name());
        let seen = refs::tracked_claims(remote.name());
        let seal = self.journal.seal()?;
        let (tx, rx) = mpsc::channel::<Back>();
        let mut held: BTreeMap<String, Held> = BTreeMap::new();
        let mut tried: BTreeSet<String> = BTreeSet::new();
        let mut runs = Vec::new();
        std::thread::scope(|scope| {
            let mut free: Vec<u32> = (1..=options.slots).rev().collect();
            let mut running = 0_u32;
            let mut started = 0_u32;
            loop {
                let stopping =
                    crate::executor::received_signal().is_some() || (options.once && started > 0);
                renew_due(repo, remote, &mut held, lease)?;
                let mut picked = 0;
                // Open tasks another worker holds: this one waits for them to land, or for a
                // claim to run out (a dead worker) and takes the task over.
                let mut held_elsewhere = false;
                // With every slot busy there is nothing to look at the remote for.
                if !stopping && !free.is_empty() {
                    remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name()))?;
                    let shared = repo.ref_sha(&tracking)?.ok_or_else(|| {
                        Error::usage(format!("the remote has no branch `{branch}`"))
                    })?;
                    let board = board_at(self, repo, &shared)?;
                    let claims = claims_seen(repo, &seen)?;
                    let busy: BTreeSet<String> = tried.iter().chain(held.keys()).cloned().collect();
                    let view = View {
                        board: &board,
                        claims: &claims,
                        now: SystemTime::now(),
                        lease,
                    };
                    let planned = crate::pool::plan::plan(&view, &holder, &busy, free.len());
                    held_elsewhere = board
                        .open
                        .keys()
                        .any(|t| !busy.contains(t) && claims.contains_key(t));
                    for sweep in &planned.sweep {
                        // A claim nobody needs (its task is gone); losing this race is fine.
                        remote.push_leased(&[push::release(&sweep.task, &sweep.sha)])?;
                    }
                    let mut won = Vec::new();
                    for attempt in planned.attempts {
                        if options.once && (started > 0 || !won.is_empty()) {
                            break;
                        }
                        let Some(found) = board.open.get(&attempt.task).cloned() else {
                            continue;
                        };
                        let Some(slot) = free.pop() else { break };
                        let Some(claim) = self.claim(
                            repo,
                            remote,
                            branch,
                            &attempt,
                            &holder,
                            &format!("{}-{slot}", options.actor),
                            options.slots,
                            claims.get(&attempt.task).and_then(|c| c.record.as_ref()),
                        )?
                        else {
                            free.push(slot);
                            continue;
                        };
                        won.push((attempt.task, found, slot, claim));
                    }
                    // Claimed from what may be an old fetch: run each only while it is still
                    // open at a fresh head and the claim ours (it may have landed meanwhile).
                    // One fetch for every claim won.
                    let now_at = if won.is_empty() {
                        shared.clone()
                    } else {
                        remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name()))?;
                        repo.ref_sha(&tracking)?.unwrap_or_default()
                    };
                    for (task, found, slot, claim) in won {
                        let standing = land::standing(self, repo, remote, &now_at, &task, &claim)?;
                        if standing != crate::pool::outcome::Standing::Proceed {
                            remote.push_leased(&[push::release(&task, &claim.sha)])?;
                            free.push(slot);
                            continue;
                        }
                        picked += 1;
                        started += 1;
                        tried.insert(task.clone());
                        held.insert(task.clone(), claim);
                        let job = self.pool_job(
                            repo, &state, &seal, &now_at, slot, found, &decision, &agent, options,
                        )?;
                        let tx = tx.clone();
                        let (worktree, branch_name) = (job.worktree.clone(), job.branch.clone());
                        let shared_at = now_at.clone();
                        scope.spawn(move || {
                            let ran = job::run(job.job);
                            // The receiver lives until every worker is back.
                            let _ = tx.send(Back {
                                slot,
                                task,
                                branch: branch_name,
                                worktree,
                                ran,
                                shared: shared_at,
                            });
                        });
                        running += 1;
                    }
                }
                if running == 0 && (stopping || (picked == 0 && !held_elsewhere)) {
                    break;
                }
                match rx.recv_timeout(options.poll) {
                    Ok(back) => {
                        running -= 1;
                        free.push(back.slot);
                        let claim = held.remove(&back.task);
                        let run = land::land(self, repo, remote, branch, back, claim)?;
                        runs.push(run);
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            Ok::<(), Error>(())
        })?;
        crate::modes::check_signal()?;
        Ok(runs)
    }

    /// The job of one claimed task: a worktree on a new branch from `shared`.
    #[allow(clippy::too_many_arguments)]
    fn pool_job<'a>(
        &'a self,
        repo: &'a Repo,
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
        let tree = repo.add_worktree(&crate::git::worktree_name(&branch), &branch, shared)?;
        self.events.emit(&crate::events::Event::WorkerStarted {
            actor: options.actor,
            iteration: state.iteration,
            worker: &name,
            task: &task.id,
            branch: &branch,
        });
        let tasks_dir = repo.relative(&self.config.tasks_dir).unwrap_or_default();
        let file = tree.path.join(&tasks_dir).join(format!("{}.md", task.id));
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
            worktree: tree.path.clone(),
            branch,
            job: Job {
                config: &self.config,
                graph: &self.graph,
                main_workdir: repo.workdir(),
                worktree: tree.path,
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
            },
        })
    }
}

/// A job and where it works.
struct PoolJob<'a> {
    worktree: PathBuf,
    branch: String,
    job: Job<'a>,
}

/// The tasks of the shared branch at `commit`.
fn board_at(session: &Session, repo: &Repo, commit: &str) -> Result<Board> {
    crate::turn::workers::board_at(session, repo, commit)
}
