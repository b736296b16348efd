//! A pool worker's loop as an object: what it was given for its whole run ([`Given`]) and
//! what it holds from look to look ([`Worker`]) — free slots, running tasks, tasks back that
//! wait to land, the train on its way, the claims it holds. Each pass of the loop takes tasks
//! back, takes its train in, looks at the remote when something is to be landed or taken
//! (`at_look.rs`), renews the claims due, and waits for a task back, a train back or the next
//! look.

mod at_look;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::Scope;
use std::time::Instant;

use super::claims::{self, renew_due};
use super::gather::Running;
use super::in_flight::{Hand, InFlight};
use super::land::Lands;
use super::look::Fetches;
use super::streak::{self, Streak};
use super::{Back, Held, PoolEnd, PoolOptions};
use crate::agent::AgentChoice;
use crate::error::{Error, Result};
use crate::journal::{Seal, TaskRun};
use crate::pool::claim::Holder;
use crate::router::Decision;
use crate::state::State;
use crate::turn::Session;

/// What a pool worker is given for its whole run, set before its first look.
pub(super) struct Given<'env> {
    pub(super) session: &'env Session,
    /// The clone, its remote and the shared branch.
    pub(super) lands: Lands<'env>,
    pub(super) options: &'env PoolOptions,
    /// This worker's identity in its claims.
    pub(super) holder: Holder,
    /// The local copy of the shared branch (`refs/remotes/<remote>/<branch>`).
    pub(super) tracking: String,
    /// The prefix of the local copies of the claim refs.
    pub(super) seen: String,
    /// The journal's seal, each task's turn starts from.
    pub(super) seal: Seal,
    /// What its tasks run: the actor's deterministic prompt and its agent (`None` when it
    /// takes turns only).
    pub(super) task_prompt: Option<(Decision, AgentChoice)>,
    /// Each slot's lock: its next task's worktree is made ready on that task's thread, and a
    /// landed task's branch is deleted on the worker's (see `task_job.rs`). Slots count from
    /// 1; the lock at 0 is for making a new worktree.
    pub(super) slot_locks: Vec<Mutex<()>>,
}

/// A pool worker on its way: [`Given`], the threads of `scope` its tasks and trains run on,
/// and what it holds from look to look.
pub(super) struct Worker<'scope, 'env> {
    given: &'env Given<'env>,
    scope: &'scope Scope<'scope, 'env>,
    /// The state file as of the last turn this worker ran (or its start).
    state: State,
    /// Where tasks' threads send what they came to.
    tx: Sender<Back>,
    rx: Receiver<Back>,
    /// Free slots, the next one to take last.
    free: Vec<u32>,
    /// The running tasks' slots and starts (`gather.rs`).
    running: Running,
    /// Tasks and turns started.
    started: u32,
    /// Turns run.
    turns: u32,
    /// Tasks that came back since the last look, to land at the next one.
    finished: Vec<Back>,
    /// The claims this worker holds, by task.
    held: BTreeMap<String, Held>,
    /// Tasks this worker claimed once: never claimed again by it.
    tried: BTreeSet<String>,
    /// Tasks' runs that ended, in that order.
    runs: Vec<TaskRun>,
    /// Looks at the remote that failed in a row.
    failed_looks: Streak,
    /// Until when the tasks back wait for more to board their train (`land::holds`).
    hold_until: Option<Instant>,
    /// Set when this clone cannot run turns (role mode's guards): tasks only from then.
    turns_off: bool,
    /// The next look's fetch, when made ahead of it (`look.rs`).
    fetches: Fetches,
    /// A task back that ended the last wait.
    got: Option<Back>,
    /// The train on its way, if any (`in_flight.rs`).
    in_flight: InFlight<'scope>,
}

/// What one pass of the loop found, which decides whether the worker is done and how long it
/// waits.
#[derive(Default)]
struct Pass {
    /// Whether it looked at the remote (a failed look says nothing).
    looked: bool,
    /// Whether open tasks are held by other workers: this one waits for them to land, or
    /// for a claim to run out (a dead worker) and takes the task over.
    held_elsewhere: bool,
    /// With `--wait`: whether the run goes on (no stop flag), so that an idle worker keeps
    /// looking.
    goes_on: bool,
    /// Whether a train that landed moved the local copy of the shared branch: tasks that
    /// waited for its tasks are open from there.
    moved: bool,
}

impl<'scope, 'env> Worker<'scope, 'env> {
    /// A worker with every slot free, its tasks and trains run on threads of `scope`.
    pub(super) fn new(
        given: &'env Given<'env>,
        scope: &'scope Scope<'scope, 'env>,
        state: State,
    ) -> Self {
        let (tx, rx) = mpsc::channel();
        Worker {
            given,
            scope,
            state,
            tx,
            rx,
            free: (1..=given.options.slots).rev().collect(),
            running: Running::default(),
            started: 0,
            turns: 0,
            finished: Vec::new(),
            held: BTreeMap::new(),
            tried: BTreeSet::new(),
            runs: Vec::new(),
            failed_looks: Streak::default(),
            hold_until: None,
            turns_off: false,
            fetches: Fetches::default(),
            got: None,
            in_flight: InFlight::default(),
        }
    }

    /// Runs until no task or turn is left to take and none runs (with `once`: after one;
    /// with `wait`: until the stop flag), landing each task it finishes.
    ///
    /// # Errors
    /// Git errors, a train's errors, a turn's errors.
    pub(super) fn run(mut self) -> Result<PoolEnd> {
        let (session, options) = (self.given.session, self.given.options);
        let Lands { remote, branch, .. } = self.given.lands;
        loop {
            let stopping =
                crate::executor::received_signal().is_some() || (options.once && self.started > 0);
            if let Some(back) = self.got.take().or_else(|| self.rx.try_recv().ok()) {
                session.gather_fetching(
                    &mut self.running,
                    &self.rx,
                    back,
                    (&mut self.free, &mut self.finished),
                    &mut self.fetches,
                    (remote, branch),
                );
            }
            // A train back: its landed tasks end, its refused ones board again.
            let mut pass = Pass {
                moved: self.take_train_in(false)?,
                ..Pass::default()
            };
            // One fetch a look serves the landings, the checks and the next claims; with every
            // slot busy and nothing to land or check, there is nothing to look for. Tasks back
            // that wait for more to board their train need no look of their own.
            let held_back = !stopping && self.hold_until.is_some_and(|at| Instant::now() < at);
            let lands_now = !self.finished.is_empty() && !held_back && self.in_flight.is_none();
            let look = lands_now || (!stopping && !self.free.is_empty());
            // A failed look (a lock another git held, the network) is tried again next time:
            // tasks back stay to land.
            pass.looked =
                look && session.look(remote, branch, &mut self.fetches, &mut self.failed_looks)?;
            if pass.looked && self.at_look(stopping, lands_now, &mut pass)? == at_look::Next::Again
            {
                continue;
            }
            self.renew()?;
            // Done once nothing runs or waits to land, and a look found nothing to wait for.
            let idle = pass.looked && !pass.held_elsewhere && !pass.goes_on && !pass.moved;
            if self.running.is_empty()
                && self.finished.is_empty()
                && self.in_flight.is_none()
                && (stopping || idle)
            {
                break;
            }
            if !self.wait(&pass) {
                break;
            }
        }
        Ok(PoolEnd {
            runs: self.runs,
            turns: self.turns,
        })
    }

    /// Takes the train in once it is back (waiting for it when `wait`); whether it moved the
    /// local copy of the shared branch.
    fn take_train_in(&mut self, wait: bool) -> Result<bool> {
        let hand = Hand {
            finished: &mut self.finished,
            held: &mut self.held,
            runs: &mut self.runs,
        };
        let given = self.given;
        self.in_flight
            .take_in(wait, (given.session, &given.lands, &given.slot_locks), hand)
    }

    /// Renews the claims due — after the look's landings, so that a claim about to be deleted
    /// by its landing is not renewed. Renewals due wait, while more than half their lease is
    /// left, for a look expected within a sixth of a lease (a task expected back): they ride
    /// its claims' push instead of a push of their own.
    fn renew(&mut self) -> Result<()> {
        let lease = self.given.session.config.git.lease;
        if claims::renewals_may_wait(&self.held, self.running.look_within(lease / 6), lease) {
            return Ok(());
        }
        let Lands {
            repo,
            remote,
            branch,
        } = self.given.lands;
        renew_due(
            repo,
            remote,
            branch,
            &mut self.held,
            lease,
            &self.given.session.events,
        )
    }

    /// Waits for a task to come back, a train to be back, or the next look: soon when tasks
    /// wait to land (a refused train, or more than one train's worth); `false` when no task
    /// can come back any more.
    fn wait(&mut self, pass: &Pass) -> bool {
        let poll = self.given.options.poll;
        let wait = if let Some(at) = self.hold_until.filter(|_| !pass.moved) {
            at.saturating_duration_since(Instant::now()).min(poll)
        } else if pass.looked
            && self.in_flight.is_none()
            && (!self.finished.is_empty() || pass.moved && !self.free.is_empty())
        {
            let refused = self.finished.iter().map(|b| b.refused.times()).max();
            streak::next_train_in(refused.unwrap_or(0))
        } else {
            poll
        };
        // Every slot busy: no look until a task is back; fetch for it ahead.
        let wait = if self.free.is_empty() {
            let Lands { remote, branch, .. } = self.given.lands;
            self.fetches
                .ahead(self.running.expected_back(), wait, (remote, branch))
        } else {
            wait
        };
        // A train on its way ends the wait too, soon after it is back.
        match self.in_flight.wait(&self.rx, wait) {
            Ok(back) => {
                self.got = back;
                true
            }
            Err(mpsc::RecvTimeoutError::Timeout) => true,
            Err(mpsc::RecvTimeoutError::Disconnected) => false,
        }
    }
}

/// A look's head: the local copy of the shared branch, just fetched.
fn shared_head(given: &Given<'_>) -> Result<String> {
    given
        .lands
        .repo
        .ref_sha(&given.tracking)?
        .ok_or_else(|| Error::usage(format!("the remote has no branch `{}`", given.lands.branch)))
}
