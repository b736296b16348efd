//! A pool worker's landings through the remote, as a train: every task that came back since
//! the last look at the remote is merged onto the head that look fetched — one merge commit a
//! task, chained, each moving its task to `done/` and appending its journal line — and one
//! atomic push moves the shared branch (expected at that head) and deletes every one of their
//! claims (each expected at this worker's claim). A task whose train the remote refused (the
//! branch moved) boards the next look's train; a claim found taken over means another worker
//! owns that task now: it leaves the train, its work kept on a backup ref, and the rest lands.
//!
//! Here: a train's way from its boarding on the worker's thread ([`board_back`]) through its
//! run on its own ([`Train::run`]) to its arrival back ([`arrive`]), and what happens to a task
//! that will not land. What each task that came back needs before it boards (its claim, a
//! successful run, its branch, a green verify) is [`boarding`]'s; the train's merges and push
//! [`train`]'s; the read of where a task stands [`standing`](mod@standing)'s; when a train leaves
//! [`leaves`]'s.
use crate::error::Result;
use crate::git::{Remote, Repo};
use crate::journal::TaskRun;
use crate::pool::push::{self, RefUpdate};
use crate::pool::refs;
use crate::turn::Session;
use crate::turn::workers::pool::{Back, Held};

mod boarding;
mod leaves;
mod standing;
mod train;

use boarding::{Boarded, board};
pub(super) use leaves::holds;
use standing::standing;
pub(super) use train::Track;
use train::run_train;

/// The most tasks one train carries. Merging a train is the window in which another worker's
/// landing refuses it, and a refused train's tasks board the next one with what came back
/// since: unbounded, a worker that lost a few races makes ever longer trains that lose ever
/// more (seen in `cargo bench --bench pool`: 13-task trains losing 30 races in 31).
const TRAIN_CARS: usize = 8;

/// How often at most a worker starts `git gc --auto` after its trains (see
/// [`crate::git::maintenance::Housekeeping::start_every`]).
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// A finished task on its way to the shared branch.
struct Car {
    back: Back,
    claim: Held,
    run: TaskRun,
    /// The worker's branch tip (after verifying, the verified merge).
    tip: String,
    /// Its landing message (names the claim).
    message: String,
}

impl Car {
    /// Keeps its work on its claim's backup ref (see [`keep_backup`]): a lost claim, or a task
    /// gone from the shared branch.
    fn keep_backup(&mut self, repo: &Repo, remote: &Remote) -> Result<()> {
        keep_backup(
            repo,
            remote,
            &self.back.task,
            &self.claim,
            &self.tip,
            &mut self.run,
        )
    }
}

/// Where a worker lands: its repository, the remote and the shared branch.
pub(super) struct Lands<'a> {
    pub(super) repo: &'a Repo,
    pub(super) remote: &'a Remote,
    pub(super) branch: &'a str,
}

/// A look's train, boarded on the worker's own thread: the head it merges onto, its cars,
/// the runs that ended at boarding (their claims' releases queued), and those releases.
pub(super) struct Train {
    shared: String,
    cars: Vec<Car>,
    ended: Vec<TaskRun>,
    releases: Vec<RefUpdate>,
}

/// What a train came to: the runs that ended (landed or not), the tasks a moved branch kept
/// from landing (with their claims, for the next look), the landed or lost tasks whose
/// branches to delete, and the head it landed.
#[derive(Default)]
pub(super) struct Arrived {
    ended: Vec<TaskRun>,
    again: Vec<(Back, Held)>,
    clean: Vec<Landed>,
    landed: Option<String>,
}

/// A task whose branch goes once its train is back: its worker (whose slot's worktree may
/// still be on it) and its branch.
pub(super) struct Landed {
    slot: u32,
    worker: String,
    branch: String,
}

impl Landed {
    fn of(back: &Back) -> Landed {
        Landed {
            slot: back.slot,
            worker: back.ran.worker.name.clone(),
            branch: back.branch.clone(),
        }
    }
}

/// Boards one look's train at the head the look fetched (the remote-tracking ref): the
/// longest back of `finished`, at most [`TRAIN_CARS`], each checked ([`board`]: its claim, its
/// run, its branch, its verify); the rest stay in `finished` for the next look. The boarded
/// tasks' claims leave `held` (a renewal must not move a claim the train deletes); `None`
/// when nothing came back.
///
/// # Errors
/// Git errors.
pub(super) fn board_back(
    session: &Session,
    at: &Lands<'_>,
    finished: &mut Vec<Back>,
    held: &mut std::collections::BTreeMap<String, Held>,
) -> Result<Option<Train>> {
    let tracking = format!("refs/remotes/{}/{}", at.remote.name(), at.branch);
    let Some(shared) = at.repo.ref_sha(&tracking)? else {
        return Ok(None);
    };
    if finished.is_empty() {
        return Ok(None);
    }
    finished.sort_by_key(|back| back.landing_from);
    let waiting = finished.split_off(finished.len().min(TRAIN_CARS));
    let mut train = Train {
        shared,
        cars: Vec::new(),
        ended: Vec::new(),
        releases: Vec::new(),
    };
    for back in std::mem::replace(finished, waiting) {
        let claim = held.remove(&back.task);
        let boarded = board(
            session,
            at.repo,
            at.remote,
            &train.shared,
            back,
            claim,
            &mut train.releases,
        )?;
        match boarded {
            Boarded::Car(car) => train.cars.push(*car),
            Boarded::Ended(ended_here) => {
                let (back, run) = *ended_here;
                train.ended.push(report(&session.events, &back, run));
            }
        }
    }
    Ok(Some(train))
}

impl Train {
    /// Merges the cars onto the boarded head and pushes them once ([`run_train`]), then
    /// releases the claims of what will not land. Any thread: `at.repo` is a handle of its
    /// own, and nothing here touches a worktree (the landed branches go in [`arrive`]).
    ///
    /// # Errors
    /// Git errors talking to the remote.
    pub(super) fn run(mut self, track: &Track<'_>, at: &Lands<'_>) -> Result<Arrived> {
        let mut arrived = Arrived {
            ended: std::mem::take(&mut self.ended),
            again: Vec::new(),
            clean: Vec::new(),
            landed: None,
        };
        if !self.cars.is_empty() {
            let ran = run_train(track, at, &self.shared, self.cars, &mut self.releases)?;
            arrived.ended.extend(ran.ended);
            arrived.clean = ran.clean;
            arrived.landed = ran.landed;
            arrived.again = ran
                .left
                .into_iter()
                .map(|mut car| {
                    car.back.verified = Some(car.tip);
                    (car.back, car.claim)
                })
                .collect();
        }
        if let Err(e) = at.remote.push_each(&self.releases) {
            // A claim not released runs out with its lease; the task is taken over then.
            warn_line!(track.events, "[pool] releasing claims: {e}");
        }
        Ok(arrived)
    }
}

/// Takes a train's end in on the worker's thread: the landed tasks' branches deleted (their
/// slots' worktrees left on no branch, unless the slot's next task has it already), the local
/// copy of the shared branch at what landed, what must board again back in `finished` (its
/// verified tip kept: it is not verified again) with its claim in `held`, and housekeeping.
/// The runs that ended.
///
/// # Errors
/// Git errors moving the local copy of the shared branch.
pub(super) fn arrive(
    session: &Session,
    at: &Lands<'_>,
    slot_locks: &[std::sync::Mutex<()>],
    arrived: Arrived,
    finished: &mut Vec<Back>,
    held: &mut std::collections::BTreeMap<String, Held>,
) -> Result<Vec<TaskRun>> {
    for landed in &arrived.clean {
        // Under the slot's lock: its next task's thread may be putting the worktree on its
        // own branch (then it is left alone, and only the branch goes).
        let _slot = super::slot_lock(slot_locks, landed.slot)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        clean_up(at.repo, landed);
    }
    if let Some(head) = &arrived.landed {
        // As git's own push does for a tracked branch: the next look plans from this head —
        // unless a look fetched past it while the train was on its way.
        let tracking = format!("refs/remotes/{}/{}", at.remote.name(), at.branch);
        let fetched = at.repo.ref_sha(&tracking)?;
        let behind = match fetched.as_deref() {
            Some(fetched) => fetched != head.as_str() && at.repo.is_ancestor(fetched, head)?,
            None => true,
        };
        if behind {
            at.repo.set_ref(&tracking, head, "baton: a train landed")?;
        }
    }
    for (back, claim) in arrived.again {
        held.insert(back.task.clone(), claim);
        finished.push(back);
    }
    if !arrived.clean.is_empty() || arrived.landed.is_some() {
        session
            .housekeeping
            .start_every(at.repo.workdir(), HOUSEKEEPING_EVERY);
    }
    Ok(arrived.ended)
}

/// Deletes a landed task's branch (its commits are the merge's second parent), leaving the
/// slot's worktree on no branch for its next task.
fn clean_up(repo: &Repo, landed: &Landed) {
    let slot = super::task_job::slot_worktree(&landed.worker);
    if let Err(e) = repo
        .detach_worktree(&slot, &landed.branch)
        .and_then(|()| repo.delete_branch(&landed.branch))
    {
        tracing::warn!(error = %e, "a landed pool worker's branch stays");
    }
}

/// Queues the deletion of this worker's claim (expected at its own claim commit): the task is
/// open again once it is pushed.
fn release(releases: &mut Vec<RefUpdate>, task: &str, claim: &Held) {
    if !claim.lost {
        releases.push(push::release(task, &claim.sha));
    }
}

/// The work of a worker whose claim was taken over: kept on `refs/baton/backup/<task>-<id>`,
/// here and on the remote, never landed.
fn keep_backup(
    repo: &Repo,
    remote: &Remote,
    task: &str,
    claim: &Held,
    tip: &str,
    run: &mut TaskRun,
) -> Result<()> {
    let backup = refs::backup(task, claim.record.claim_id());
    repo.set_ref(&backup, tip, "baton: a lost claim's work")?;
    let update = push::backup(task, claim.record.claim_id(), tip);
    if let Err(e) = remote.push_leased(&[update]) {
        tracing::warn!(error = %e, "the backup of a lost claim's work stays local");
    }
    run.error = Some(format!(
        "the claim was taken over (its lease expired); the work is kept on {backup}"
    ));
    Ok(())
}

/// Says how the task went (a `worker_ended` event) and returns it.
fn report(events: &crate::events::Events, back: &Back, run: TaskRun) -> TaskRun {
    crate::turn::workers::ended(events, back.ran.turn_actor, back.ran.turn_iteration, &run);
    run
}
