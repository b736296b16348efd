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
//! for the tasks that started with it (`gather.rs`), so that one look serves them all.
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

use claims::renew_due;
use items::Pending;
pub(super) use items::{Back, Held};
use look::Fetches;
use streak::Streak;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

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
        let mut state = self.load_state()?;
        // What its tasks run: the actor's deterministic prompt and its agent (none when it
        // takes turns only).
        let setup = if options.tasks {
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
        let lease = self.config.git.lease;
        let tracking = format!("refs/remotes/{}/{branch}", remote.name());
        let seen = refs::tracked_claims(remote.name());
        let seal = self.journal.seal()?;
        let (tx, rx) = mpsc::channel::<Back>();
        let mut held: BTreeMap<String, Held> = BTreeMap::new();
        let mut tried: BTreeSet<String> = BTreeSet::new();
        let mut runs = Vec::new();
        let mut turns_run = 0_u32;
        // Each slot's lock: its next task's worktree is made ready on that task's thread, and a
        // landed task's branch is deleted on this one (see `task_job.rs`). Slots count from 1;
        // the lock at 0 is for making a new worktree.
        let slot_locks: Vec<Mutex<()>> = (0..=options.slots).map(|_| Mutex::new(())).collect();
        std::thread::scope(|scope| {
            let mut free: Vec<u32> = (1..=options.slots).rev().collect();
            let mut running = gather::Running::default();
            let mut started = 0_u32;
            // Tasks that came back since the last look, to land at this one.
            let mut finished: Vec<Back> = Vec::new();
            let mut failed_looks = Streak::default();
            // Until when the tasks back wait for more to board their train (`land::holds`).
            let mut hold_until: Option<Instant> = None;
            // Set when this clone cannot run turns (role mode's guards): tasks only from then.
            let mut turns_off = false;
            // The next look's fetch, when made ahead of it (`look.rs`).
            let mut fetches = Fetches::default();
            // A task back that ended the last wait.
            let mut got: Option<Back> = None;
            // The train on its way, if any (`in_flight.rs`).
            let mut in_flight = in_flight::InFlight::default();
            let lands = land::Lands {
                repo,
                remote,
                branch,
            };
            loop {
                let stopping =
                    crate::executor::received_signal().is_some() || (options.once && started > 0);
                if let Some(back) = got.take().or_else(|| rx.try_recv().ok()) {
                    self.gather_fetching(
                        &mut running,
                        &rx,
                        back,
                        (&mut free, &mut finished),
                        &mut fetches,
                        (remote, branch),
                    );
                }
                // A train back: its landed tasks end, its refused ones board again. One that
                // landed moved the branch: tasks that waited for the landed ones are open from
                // there, so a worker with free slots looks again soon.
                let hand = in_flight::Hand {
                    finished: &mut finished,
                    held: &mut held,
                    runs: &mut runs,
                };
                let mut moved = in_flight.take_in(false, (self, &lands, &slot_locks), hand)?;
                // Open tasks another worker holds: this one waits for them to land, or for a
                // claim to run out (a dead worker) and takes the task over.
                let mut held_elsewhere = false;
                // One fetch a look serves the landings, the checks and the next claims; with
                // every slot busy and nothing to land or check, there is nothing to look for.
                // Tasks back that wait for more to board their train need no look of their own.
                let held_back = !stopping && hold_until.is_some_and(|at| Instant::now() < at);
                let lands_now = !finished.is_empty() && !held_back && in_flight.is_none();
                let look = lands_now || (!stopping && !free.is_empty());
                // A failed look (a lock another git held, the network) is tried again next
                // time: tasks back stay to land.
                let looked = look && self.look(remote, branch, &mut fetches, &mut failed_looks)?;
                // With `--wait`: whether the run goes on (no stop flag), so that an idle worker
                // keeps looking.
                let mut goes_on = false;

                if looked {
                    let shared = repo.ref_sha(&tracking)?.ok_or_else(|| {
                        Error::usage(format!("the remote has no branch `{branch}`"))
                    })?;
                    let taking = !(stopping || options.once && started > 0);
                    goes_on = options.wait && self.run_goes_on(repo, &shared)?;
                    // A turn of this worker's actors, while none of its tasks runs or waits.
                    let idle_here = running.is_empty()
                        && finished.is_empty()
                        && held.is_empty()
                        && in_flight.is_none();
                    let wants_turn = taking && idle_here && !turns_off && !options.turns.is_empty();
                    let wants_tasks = taking && options.tasks && !free.is_empty();
                    // Every open task's file is read: only when something is to be taken.
                    let board = if wants_turn || wants_tasks {
                        board_at(self, repo, &shared)?
                    } else {
                        Board::default()
                    };
                    if wants_turn
                        && let Some(ready) =
                            self.ready_turn(repo, &shared, options, &board, &seen)?
                    {
                        let at = turns::TurnClaim {
                            remote,
                            branch,
                            holder: &holder,
                        };
                        match self.pool_turn(repo, &at, ready)? {
                            turns::Turned::Ran => {
                                started += 1;
                                turns_run += 1;
                                state = self.load_state()?;
                            }
                            turns::Turned::Taken => {}
                            // Nothing else to do here: the reason is the worker's error.
                            turns::Turned::NotHere(e) if !options.tasks => return Err(e),
                            turns::Turned::NotHere(e) => {
                                warn_line!(
                                    self.events,
                                    "[pool] this clone takes no turns, only tasks: {e}"
                                );
                                turns_off = true;
                            }
                        }
                        // The next look at once: the turn moved the branch.
                        continue;
                    }
                    // The train leaves first, on a thread of its own: the branch moving under it
                    // between this look's fetch and its push refuses it, so it does not wait
                    // for the claims' push and the new tasks' worktrees (which, for their
                    // part, do not wait for its merges and push).
                    let claiming = take::Look {
                        repo,
                        remote,
                        branch,
                        holder: &holder,
                        options,
                        board: &board,
                        seen: &seen,
                    };
                    // Tasks back wait for more to board their train (`land::holds`) while this
                    // worker runs others, or is about to.
                    hold_until = None;
                    // With `completion.verify`, a task is verified in its slot's worktree as it
                    // boards, before the slot's next task takes the worktree: no wait.
                    let verifies = !self.config.completion.verify.is_empty();
                    if lands_now && !stopping && !verifies {
                        let more = !running.is_empty()
                            || wants_tasks && self.takes_any(&claiming, &tried, &held)?;
                        hold_until = land::holds(&finished, more).map(|left| Instant::now() + left);
                    }
                    let train = if lands_now && hold_until.is_none() {
                        land::board_back(self, &lands, &mut finished, &mut held)?
                    } else {
                        None
                    };
                    if let Some(train) = train {
                        in_flight.depart(scope, self, &lands, train)?;
                    }
                    let mut taken = take::Taken::default();
                    if wants_tasks {
                        taken = self.take(&claiming, &tried, &mut free, &mut held)?;
                    }
                    held_elsewhere = taken.held_elsewhere;
                    // Claimed from this look's head, each runs at once. One that landed between
                    // that fetch and its claim (a whole run of another worker in that instant)
                    // is found gone when it lands: run for nothing, never landed twice.
                    for (claimed, (decision, agent)) in
                        taken.pending.drain(..).zip(setup.iter().cycle())
                    {
                        started += 1;
                        tried.insert(claimed.task.clone());
                        held.insert(claimed.task.clone(), claimed.claim);
                        let job = self.pool_job(
                            repo,
                            slot_lock(&slot_locks, claimed.slot),
                            slot_lock(&slot_locks, 0),
                            &state,
                            &seal,
                            &shared,
                            claimed.slot,
                            claimed.found,
                            decision,
                            agent,
                            options,
                        )?;
                        let started_at = task_job::Started {
                            slot: claimed.slot,
                            task: claimed.task,
                            shared: shared.clone(),
                        };
                        task_job::spawn(scope, job, started_at, tx.clone());
                        running.started(claimed.slot);
                    }
                    // With `completion.verify`, the worker waits for its train: a task back
                    // meanwhile must board (and be verified in its slot's worktree) before its
                    // slot's next task takes that worktree.
                    if verifies {
                        let hand = in_flight::Hand {
                            finished: &mut finished,
                            held: &mut held,
                            runs: &mut runs,
                        };
                        moved |= in_flight.take_in(true, (self, &lands, &slot_locks), hand)?;
                    }
                    if let Err(e) = remote.push_each(&taken.releases) {
                        // A claim not released runs out with its lease.
                        warn_line!(self.events, "[pool] releasing claims: {e}");
                    }
                }
                // After the landings: a claim about to be deleted by its landing is not renewed.
                // Renewals due wait, while more than half their lease is left, for a look
                // expected within a sixth of a lease (a task expected back): they ride its
                // claims' push instead of a push of their own.
                if !claims::renewals_may_wait(&held, running.look_within(lease / 6), lease) {
                    renew_due(repo, remote, branch, &mut held, lease, &self.events)?;
                }
                // Done once nothing runs or waits to land, and a look found nothing to wait for
                // (a failed look says nothing: the next one tries again).
                let idle = looked && !held_elsewhere && !goes_on && !moved;
                if running.is_empty()
                    && finished.is_empty()
                    && in_flight.is_none()
                    && (stopping || idle)
                {
                    break;
                }
                // Wait for a task to come back, or for the next look: soon when tasks wait to
                // land (a refused train, or more than one train's worth).
                let wait = if let Some(at) = hold_until.filter(|_| !moved) {
                    at.saturating_duration_since(Instant::now())
                        .min(options.poll)
                } else if looked
                    && in_flight.is_none()
                    && (!finished.is_empty() || moved && !free.is_empty())
                {
                    streak::next_train_in(
                        finished
                            .iter()
                            .map(|b| b.refused.times())
                            .max()
                            .unwrap_or(0),
                    )
                } else {
                    options.poll
                };
                // Every slot busy: no look until a task is back; fetch for it ahead.
                let wait = if free.is_empty() {
                    fetches.ahead(running.expected_back(), wait, (remote, branch))
                } else {
                    wait
                };
                // A train on its way ends the wait too, soon after it is back.
                match in_flight.wait(&rx, wait) {
                    Ok(back) => got = back,
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            Ok::<(), Error>(())
        })?;
        crate::modes::check_signal()?;
        Ok(PoolEnd {
            runs,
            turns: turns_run,
        })
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
