//! What a pool worker does at a look, once its fetch is in: a turn of its actors when it is
//! idle; else the train of the tasks back leaves (on a thread of its own), then the free
//! slots' claims are pushed and their tasks start.

use super::{Pass, Worker, shared_head};
use crate::error::Result;
use crate::tasks::Board;
use crate::turn::workers::pool::items::Pending;
use crate::turn::workers::pool::{land, slot_lock, take, task_job, turns};

/// Where the loop goes after a look.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// On to the renewals and the wait.
    On,
    /// Straight to the next look: a turn moved the branch.
    Again,
}

impl Worker<'_, '_> {
    /// The look whose fetch is in: `lands_now` when the tasks back are to land at it.
    ///
    /// # Errors
    /// Git errors; a turn's errors; this clone's reason not to run turns when it takes no
    /// tasks either.
    pub(super) fn at_look(
        &mut self,
        stopping: bool,
        lands_now: bool,
        pass: &mut Pass,
    ) -> Result<Next> {
        let (given, session, options) = (self.given, self.given.session, self.given.options);
        let repo = given.lands.repo;
        let shared = shared_head(given)?;
        let taking = !(stopping || options.once && self.started > 0);
        pass.goes_on = options.wait && session.run_goes_on(repo, &shared)?;
        // A turn of this worker's actors, while none of its tasks runs or waits.
        let idle_here = self.running.is_empty()
            && self.finished.is_empty()
            && self.held.is_empty()
            && self.in_flight.is_none();
        let wants_turn = taking && idle_here && !self.turns_off && !options.turns.is_empty();
        let wants_tasks = taking && options.tasks && !self.free.is_empty();
        // Every open task's file is read: only when something is to be taken.
        let board = if wants_turn || wants_tasks {
            super::super::board_at(session, repo, &shared)?
        } else {
            Board::default()
        };
        if wants_turn && self.turn(&shared, &board)? {
            return Ok(Next::Again);
        }
        let claiming = take::Look {
            repo,
            remote: given.lands.remote,
            branch: given.lands.branch,
            holder: &given.holder,
            options,
            board: &board,
            seen: &given.seen,
        };
        // Tasks back wait for more to board their train (`land::holds`) while this worker
        // runs others, or is about to.
        self.hold_until = None;
        // With `completion.verify`, a task is verified in its slot's worktree as it boards,
        // before the slot's next task takes the worktree: no wait.
        let verifies = !session.config.completion.verify.is_empty();
        if lands_now && !stopping && !verifies {
            let more = !self.running.is_empty()
                || wants_tasks && session.takes_any(&claiming, &self.tried, &self.held)?;
            self.hold_until =
                land::holds(&self.finished, more).map(|left| std::time::Instant::now() + left);
        }
        // The tasks back board a train first (a boarded task's claim is not renewed by the
        // claims' push), the claims are pushed, and then the train leaves on a thread of its
        // own, so that its merges and push do not compete with the claims' push for the
        // machine and the remote (in `cargo bench --bench pool`, a claim's p50 fell from 42
        // to 34 ms, the parallelism rose in 7 pairs of 7), nor the new tasks' worktrees wait
        // for it.
        let mut train = None;
        if lands_now && self.hold_until.is_none() {
            train = land::board_back(session, &given.lands, &mut self.finished, &mut self.held)?;
        }
        let taken = if wants_tasks {
            session.take(&claiming, &self.tried, &mut self.free, &mut self.held)
        } else {
            Ok(take::Taken::default())
        };
        // The boarded train leaves even when the claims failed (a local git error, which ends
        // the worker): its tasks' claims are no longer renewed, so it is its last chance.
        if let Some(train) = train {
            self.in_flight
                .depart(self.scope, session, &given.lands, train)?;
        }
        let mut taken = taken?;
        pass.held_elsewhere = taken.held_elsewhere;
        self.start(std::mem::take(&mut taken.pending), &shared)?;
        // With `completion.verify`, the worker waits for its train: a task back meanwhile
        // must board (and be verified in its slot's worktree) before its slot's next task
        // takes that worktree.
        if verifies {
            pass.moved |= self.take_train_in(true)?;
        }
        if let Err(e) = given.lands.remote.push_each(&taken.releases) {
            // A claim not released runs out with its lease.
            warn_line!(session.events, "[pool] releasing claims: {e}");
        }
        Ok(Next::On)
    }

    /// Runs the ready turn of this worker's actors at `shared`, if any: whether it ran one or
    /// another machine claimed it (the branch moved either way).
    ///
    /// # Errors
    /// The turn's errors; this clone's reason not to run turns when it takes no tasks.
    fn turn(&mut self, shared: &str, board: &Board) -> Result<bool> {
        let (given, session, options) = (self.given, self.given.session, self.given.options);
        let repo = given.lands.repo;
        let Some(ready) = session.ready_turn(repo, shared, options, board, &given.seen)? else {
            return Ok(false);
        };
        let at = turns::TurnClaim {
            remote: given.lands.remote,
            branch: given.lands.branch,
            holder: &given.holder,
        };
        match session.pool_turn(repo, &at, ready)? {
            turns::Turned::Ran => {
                self.started += 1;
                self.turns += 1;
                self.state = session.load_state()?;
            }
            turns::Turned::Taken => {}
            // Nothing else to do here: the reason is the worker's error.
            turns::Turned::NotHere(e) if !options.tasks => return Err(e),
            turns::Turned::NotHere(e) => {
                warn_line!(
                    session.events,
                    "[pool] this clone takes no turns, only tasks: {e}"
                );
                self.turns_off = true;
            }
        }
        Ok(true)
    }

    /// Starts the tasks this look claimed from `shared`, each at once on a thread of its own.
    /// One that landed between that fetch and its claim (a whole run of another worker in
    /// that instant) is found gone when it lands: run for nothing, never landed twice.
    ///
    /// # Errors
    /// Git errors naming a task's branch or opening the repository again.
    fn start(&mut self, pending: Vec<Pending>, shared: &str) -> Result<()> {
        let given = self.given;
        for (claimed, (decision, agent)) in
            pending.into_iter().zip(given.task_prompt.iter().cycle())
        {
            self.started += 1;
            self.tried.insert(claimed.task.clone());
            self.held.insert(claimed.task.clone(), claimed.claim);
            let job = given.session.pool_job(
                given.lands.repo,
                slot_lock(&given.slot_locks, claimed.slot),
                slot_lock(&given.slot_locks, 0),
                &self.state,
                &given.seal,
                shared,
                claimed.slot,
                claimed.found,
                decision,
                agent,
                given.options,
            )?;
            let started = task_job::Started {
                slot: claimed.slot,
                task: claimed.task,
                shared: shared.to_owned(),
            };
            task_job::spawn(self.scope, job, started, self.tx.clone());
            self.running.started(claimed.slot);
        }
        Ok(())
    }
}
