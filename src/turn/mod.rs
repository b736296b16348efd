//! The shared turn runner: one turn = claim → route → run the agent → auto-commit → stamp →
//! journal. It does not care who calls it: the combined loop, a single-actor run or a role
//! daemon all drive [`Session::run_turn`] and plug their git work in through [`TurnHooks`].

mod attempts;
mod completion;
mod failure;
mod finish;
mod launch;
mod logtail;
pub(crate) mod next;
mod notes;
mod owned;
mod record;
mod session;
mod stamping;
mod stop;
pub(crate) mod subject;
mod verdict;
pub(crate) mod workers;

use std::time::SystemTime;

use crate::error::{Context as _, Result};
use crate::fault;
use crate::journal::JournalEntry;
use crate::router::Decision;
use crate::state::{Actor, State};

pub(crate) use failure::TurnFailure;
pub(crate) use finish::Turn;
pub(crate) use record::RecordError;
pub(crate) use session::{Session, Workspace};

pub(crate) use record::PendingStamp;
use record::TurnRecord;
pub(crate) use stop::{Request, send_request};

/// How the runner behaves for the mode that drives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RunOptions {
    /// Auto-commit after a successful turn (off with `--no-git` or outside a repository).
    pub autocommit: bool,
    /// Print what auto-commit would commit instead of committing.
    pub commit_dry_run: bool,
    /// Echo agent output to the console.
    pub echo: bool,
}

/// Git work a mode does around a turn (combined: nothing; role: the claim push and the stamp
/// push).
pub(crate) trait TurnHooks {
    /// Called after the running marker has been saved (and recorded), before the agent runs.
    /// Role mode commits the marker and wins the claim with a compare-and-swap push.
    ///
    /// # Errors
    /// Any error stops the run (the state keeps `running-<actor>`).
    fn claimed(&mut self, runner: &Session, state: &State) -> Result<Claimed>;

    /// Called after the stamp has been applied (state, journal line, stamp commit).
    ///
    /// # Errors
    /// Any error stops the run; the stamp stays committed locally.
    fn stamped(&mut self, runner: &Session, state: &State, entry: &JournalEntry) -> Result<()>;

    /// The id of the claim won by [`TurnHooks::claimed`], named by the stamp commit (role
    /// mode); `None` when nothing was claimed on a remote.
    fn claim_id(&self) -> Option<String> {
        None
    }

    /// Variables added to the agent's environment for this turn (role mode: the guard that
    /// refuses the agent's own pushes to the shared branch).
    fn agent_env(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Called once the agent is done and auto-commit ran, before the stamp is decided: a
    /// failure returned here replaces the turn's outcome (role mode: the agent rewound the
    /// branch under the claim, which the hook has put back).
    ///
    /// # Errors
    /// Any error stops the run before the stamp (the state keeps `running-<actor>`).
    fn before_stamp(&mut self, _runner: &Session, _turn: &finish::Turn) -> Result<Option<String>> {
        Ok(None)
    }
}

/// Whether this process holds the turn after [`TurnHooks::claimed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Claimed {
    /// The claim is ours: run the agent.
    Won,
    /// Someone else claimed the turn first (their claim reached the remote before ours); the
    /// clone is back at the remote's state. The text says who holds it.
    Lost(String),
}

/// How [`Session::run_turn`] ended when it did not fail.
#[derive(Clone, Debug)]
pub(crate) enum TurnEnd {
    /// The turn ran and was stamped `ok`.
    Done(Box<TurnReport>),
    /// Another daemon claimed the turn first; nothing ran.
    Lost(String),
}

/// What one finished turn did.
#[derive(Clone, Debug)]
pub(crate) struct TurnReport {
    /// The state after the stamp.
    pub state: State,
}

impl Session {
    /// Runs one turn of `actor` to its stamp: prepare (nothing written on error), claim (the
    /// running marker saved and recorded; `hooks.claimed`), route and run the agent, auto-commit,
    /// stamp (recorded, then applied), `hooks.stamped`, record cleared. `escalation` is a prompt
    /// the run chose instead of routing (a stuck loop's `stuck.escalate`).
    ///
    /// # Errors
    /// Before the claim, with nothing written: a usage error (exit 2) for a missing prompt or
    /// agent, or a state error. After a failed turn (already stamped `failed` and journalled):
    /// exit 1, or 128 + N when interrupted.
    pub(crate) fn run_turn(
        &self,
        actor: Actor,
        escalation: Option<String>,
        hooks: &mut dyn TurnHooks,
    ) -> Result<TurnEnd> {
        let mut state = self.load_state()?;
        let route = launch::prepare(self, &state, actor, escalation)?;
        // Before anything is written, and long before the agent starts: what the stamp puts
        // back if the agent changes the journal.
        let seal = self.journal.seal()?;
        let sealed = record::SealedJournal {
            head: self.head()?,
            mark: seal.mark.clone(),
        };
        let started = SystemTime::now();
        let claim = self.claim_at(started);
        // People's notes for this turn leave the state with the claim: delivered once.
        let notes = state.notes_for(actor);
        state.start_turn(actor, &claim);
        self.store
            .save_claim(&mut state)
            .context("save the running marker")?;
        fault::point("claim-saved");
        self.record.save(&TurnRecord {
            actor,
            claimed: state.clone(),
            stamp: None,
            journal: Some(sealed.clone()),
        })?;
        fault::point("claim-recorded");
        if let Claimed::Lost(holder) = hooks.claimed(self, &state)? {
            self.record.clear()?;
            return Ok(TurnEnd::Lost(holder));
        }
        self.events.emit(&crate::events::Event::TurnClaimed {
            actor,
            iteration: state.iteration,
        });
        // After the claim, so that a role-mode running marker does not count as the turn's work.
        let head_before = self.head()?;
        let turn = finish::Turn {
            actor,
            iteration: state.iteration,
            started,
            head_before,
            claimed: state.clone(),
            notes,
            claim: hooks.claim_id(),
            env: hooks.agent_env(),
            seal_head: sealed.head,
            seal,
            worker: None,
        };
        let launched = launch::route_and_run(self, &turn, route);
        // The agent is done and its processes are ended: what it changed in the journal is put
        // back before auto-commit looks at the tree.
        let journal_restored = owned::restore_journal(self, &turn.seal, turn.seal_head.as_deref())?;
        let (mut result, decision) = match launched {
            Ok(done) => {
                let decision = done.decision.clone();
                (finish::after_agent(self, &turn, done), decision)
            }
            Err(failure) => {
                let decision = failure.decision.clone();
                (Err(failure), decision)
            }
        };
        if let Some(why) = hooks.before_stamp(self, &turn)? {
            result = Err(finish::overruled(
                result,
                &decision,
                TurnFailure::Branch(why),
            ));
        }
        let pending = finish::stamp(self, &turn, &decision, result, journal_restored)?;
        self.record.save(&TurnRecord {
            actor,
            claimed: turn.claimed.clone(),
            stamp: Some(pending.stamp.clone()),
            journal: None,
        })?;
        fault::point("stamp-recorded");
        self.apply_stamp(&pending.stamp)?;
        logtail::append_footer(&self.config, &pending.stamp.entry, &self.events);
        hooks.stamped(self, &pending.stamp.state, &pending.stamp.entry)?;
        fault::point("stamp-pushed");
        if let Some(repo) = &self.repo {
            self.housekeeping.start(repo.workdir());
        }
        self.record.clear()?;
        if pending.stamp.state.stop_requested().is_some() {
            self.inbox.clear_stop()?;
        }
        let finish::Stamped {
            stamp,
            failure,
            routed,
        } = pending;
        if stamp.entry.completion.as_ref().is_some_and(|c| c.verified) {
            let reason = stamp.state.stop_requested().unwrap_or_default();
            self.events.emit(&crate::events::Event::Completed {
                actor,
                iteration: stamp.entry.iteration,
                reason: &reason,
            });
        }
        match failure {
            // A usage limit is not a failure: the state says when the same turn runs again. A
            // failure a workflow step takes on is the graph's to route, not the run's end.
            Some(TurnFailure::Limited { .. }) | None => {
                Ok(TurnEnd::Done(Box::new(TurnReport { state: stamp.state })))
            }
            Some(failure) if routed && !matches!(failure, TurnFailure::Interrupted(_)) => {
                warn_line!(
                    self.events,
                    "[turn] {actor}'s turn failed ({failure}); the workflow goes on to {}",
                    stamp.state.expected_actor
                );
                Ok(TurnEnd::Done(Box::new(TurnReport { state: stamp.state })))
            }
            Some(failure) => Err(logtail::with_hint(
                failure.to_error(),
                &self.config,
                &stamp.entry,
            )),
        }
    }
}

/// How a failed turn ended, before it is stamped.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The decision, if routing got that far (else the deterministic one).
    pub(crate) decision: Decision,
    /// Why it failed (`last_error`, journal outcome, the run's error).
    pub(crate) failure: TurnFailure,
    /// The agent's exit code, if it ran and exited.
    pub(crate) exit_code: Option<i32>,
    /// The agent name, if one was chosen.
    pub(crate) agent: String,
    /// The turn log, if one was written.
    pub(crate) log: Option<std::path::PathBuf>,
    /// What the agent runs reported and how many there were.
    pub(crate) receipt: launch::Receipt,
}
