//! A fan-out's turns at once (`to: [sec, arch]`, `docs/workflows.md`): each ready actor's turn
//! runs in a worktree of its own, on a branch of its own (`baton/<actor>/i<iteration>`), on its
//! own thread; as each ends, its branch lands on the shared branch (see `land.rs`) and its turn
//! is stamped — one stamp per actor, in the order they ended, each moving the graph on as a
//! turn of its own would. A branch that does not land fails that actor's turn (`landing: …`),
//! its branch kept.
//!
//! The claim writes every actor of the fan-out as running; the turn record names the first.
//! After a SIGKILL the next start stamps that one as interrupted and the others, still marked
//! running in the state's progress, run again.

use std::sync::mpsc;
use std::time::SystemTime;

use crate::error::{Context as _, Result};
use crate::journal::Landing;
use crate::state::Actor;
use crate::turn::failure::TurnFailure;
use crate::turn::finish::{self, Turn};
use crate::turn::launch::{self, Route};
use crate::turn::record::{SealedJournal, TurnRecord};
use crate::turn::workers::job::{self, Job, Ran, WorkerOf};
use crate::turn::workers::{RUN_SUBDIR, land};
use crate::turn::{Session, TurnEnd, TurnReport, logtail};

/// One fan-out turn, ready to start.
struct Planned {
    actor: Actor,
    decision: crate::router::Decision,
    agent: crate::agent::AgentChoice,
}

impl Session {
    /// Runs the turns of `actors` (ready together, after a fan-out) at once, each in its own
    /// worktree, and stamps each as it lands. `None`, with nothing written, when they cannot run
    /// that way: no git or auto-commit, a router prompt to ask, fewer than two actors.
    ///
    /// # Errors
    /// Before the claim, with nothing written: usage errors (a missing prompt or agent). After:
    /// the first failed turn that no step takes on (exit 1, or 128 + N), state and git errors.
    pub(crate) fn run_fanout(&self, actors: &[Actor]) -> Result<Option<TurnEnd>> {
        let Some(repo) = self.repo.as_ref() else {
            return Ok(None);
        };
        if actors.len() < 2 || !self.options.autocommit || self.options.commit_dry_run {
            return Ok(None);
        }
        let mut state = self.load_state()?;
        let mut planned = Vec::new();
        for &actor in actors {
            match launch::prepare(self, &state, actor, None)? {
                Route::Decided(decision) => {
                    let agent = crate::agent::resolve(&self.config, actor, &decision.prompt)?;
                    planned.push(Planned {
                        actor,
                        decision,
                        agent,
                    });
                }
                Route::Router { .. } => return Ok(None),
            }
        }
        let Some(head) = repo.head_id()? else {
            return Ok(None);
        };
        let seal = self.journal.seal()?;
        let sealed = SealedJournal {
            head: Some(head.clone()),
            mark: seal.mark.clone(),
        };
        let started = SystemTime::now();
        let claim = self.claim_at(started);
        for actor in actors.iter().rev() {
            state.start_turn(*actor, &claim);
        }
        self.store
            .save_claim(&mut state)
            .context("save the running marker")?;
        self.record.save(&TurnRecord {
            actor: actors[0],
            claimed: state.clone(),
            stamp: None,
            journal: Some(sealed),
        })?;
        let iteration = state.iteration;
        let logs_label = self.branch_label();
        let mut jobs = Vec::new();
        for plan in planned {
            let actor = plan.actor;
            self.events
                .emit(&crate::events::Event::TurnClaimed { actor, iteration });
            self.events.emit(&crate::events::Event::Routed {
                actor,
                iteration,
                prompt: &plan.decision.prompt,
                source: plan.decision.source.as_str(),
                reason: &plan.decision.reason,
            });
            let branch = repo.free_branch_name(actor.as_str(), &format!("i{iteration}"))?;
            let tree = repo.add_worktree(&crate::git::worktree_name(&branch), &branch, &head)?;
            self.events.emit(&crate::events::Event::WorkerStarted {
                actor,
                iteration,
                worker: actor.as_str(),
                task: "",
                branch: &branch,
            });
            let turn = Turn {
                actor,
                iteration,
                started,
                head_before: Some(head.clone()),
                claimed: state.clone(),
                notes: Vec::new(),
                claim: None,
                env: Vec::new(),
                seal_head: Some(head.clone()),
                seal: seal.clone(),
                worker: None,
            };
            jobs.push((
                branch,
                tree.path.clone(),
                plan.decision.clone(),
                Job {
                    config: &self.config,
                    graph: &self.graph,
                    main_workdir: repo.workdir(),
                    worktree: tree.path,
                    run_dir: self.run_dir().join(RUN_SUBDIR).join(actor.as_str()),
                    worker: WorkerOf {
                        name: actor.as_str().to_owned(),
                        assigned: None,
                        logs_label: logs_label.clone(),
                    },
                    turn,
                    decision: plan.decision,
                    agent: plan.agent,
                    events: self.events.for_worker(actor.as_str(), ""),
                    prepare: None,
                },
            ));
        }
        let (tx, rx) = mpsc::channel::<(usize, Ran)>();
        let mut places = Vec::new();
        let stamped = std::thread::scope(|scope| {
            for (i, (branch, worktree, decision, job)) in jobs.into_iter().enumerate() {
                places.push((branch, worktree, decision));
                let tx = tx.clone();
                scope.spawn(move || {
                    // The receiver lives until every turn is back.
                    let _ = tx.send((i, job::run(job)));
                });
            }
            drop(tx);
            let mut last = None;
            let mut failed = None;
            for (i, ran) in rx {
                let (branch, worktree, decision) = &places[i];
                let (state, failure) =
                    self.stamp_fanout_turn(repo, ran, branch, worktree, decision, iteration)?;
                if failed.is_none() {
                    failed = failure;
                }
                last = Some(state);
            }
            Ok::<_, crate::error::Error>((last, failed))
        })?;
        self.record.clear()?;
        self.housekeeping.start(repo.workdir());
        match stamped {
            (_, Some(error)) => Err(error),
            (Some(state), None) => Ok(Some(TurnEnd::Done(Box::new(TurnReport { state })))),
            (None, None) => Ok(None),
        }
    }

    /// Lands one fan-out turn's branch and stamps the turn; the state after the stamp, and the
    /// error to end the run with when the turn failed and no step takes that on.
    fn stamp_fanout_turn(
        &self,
        repo: &crate::git::Repo,
        ran: Ran,
        branch: &str,
        worktree: &std::path::Path,
        decision: &crate::router::Decision,
        iteration: u64,
    ) -> Result<(crate::state::State, Option<crate::error::Error>)> {
        let head_before = repo.head_id()?;
        let landed = land::land(
            self,
            repo,
            land::Made {
                ran: &ran,
                branch,
                worktree,
                iteration,
            },
        )?;
        super::ended(&self.events, ran.turn_actor, iteration, &landed);
        let result = match ran.result {
            Ok(done) if landed.landing == Landing::Landed => Ok(done),
            Ok(done) => {
                let why = landed.error.clone().unwrap_or_default();
                let why = if landed.conflicts.is_empty() {
                    why
                } else {
                    format!("{why} ({})", landed.conflicts.join(", "))
                };
                Err(finish::overruled(
                    Ok(done),
                    decision,
                    TurnFailure::Landing(why),
                ))
            }
            Err(failure) => Err(failure),
        };
        let turn = Turn {
            actor: ran.turn_actor,
            iteration,
            started: ran.started,
            head_before,
            claimed: self.load_state()?,
            notes: Vec::new(),
            claim: None,
            env: Vec::new(),
            seal_head: None,
            seal: self.journal.seal()?,
            worker: None,
        };
        let pending = finish::stamp(self, &turn, decision, result, Vec::new())?;
        self.record.save(&TurnRecord {
            actor: turn.actor,
            claimed: turn.claimed.clone(),
            stamp: Some(pending.stamp.clone()),
            journal: None,
        })?;
        self.apply_stamp(&pending.stamp)?;
        logtail::append_footer(&self.config, &pending.stamp.entry, &self.events);
        let error = match pending.failure {
            None | Some(TurnFailure::Limited { .. }) => None,
            Some(failure) if pending.routed && !matches!(failure, TurnFailure::Interrupted(_)) => {
                warn_line!(
                    self.events,
                    "[turn] {}'s turn failed ({failure}); the workflow goes on",
                    turn.actor
                );
                None
            }
            Some(failure) => Some(logtail::with_hint(
                failure.to_error(),
                &self.config,
                &pending.stamp.entry,
            )),
        };
        Ok((pending.stamp.state, error))
    }
}
