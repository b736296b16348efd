//! Moving an iteration along the graph: which turns may start, and where a finished turn
//! leads.
//!
//! [`Progress`] is where an iteration stands — the actors whose turn may start, those running,
//! the sources a pending join has collected and how often each looping step was taken. It is
//! kept in the state file (`workflow` field) whenever it says more than `expected_actor` does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::state::actor::Actor;
use crate::workflow::{Condition, OutcomeIs, Step, Target, Workflow};

/// What a condition needs from outside: running a command, looking at a file.
pub trait Facts {
    /// Whether `argv` exits 0 (run in the workspace root).
    fn command_ok(&mut self, argv: &[String]) -> bool;
    /// Whether `path` (relative to the workspace root) exists.
    fn file_exists(&mut self, path: &str) -> bool;
}

/// A finished turn, as the graph sees it.
#[derive(Clone, Copy, Debug)]
pub struct TurnResult<'a> {
    /// Whose turn it was.
    pub actor: Actor,
    /// Whether it succeeded.
    pub ok: bool,
    /// The word of its `BATON-NEXT: WORD` line (see [`answer_of`]).
    pub answer: Option<&'a str>,
}

/// Where an iteration stands. On the wire (`workflow` in the state file):
/// `{"ready": [actor], "running": [actor], "joins": {"<step>": [actor]}, "loops": {"<step>": n}}`,
/// step numbers counting the configuration's `workflow.steps` from 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Progress {
    /// Actors whose turn may start now, in the order they became ready.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ready: Vec<Actor>,
    /// Actors whose turn runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub running: Vec<Actor>,
    /// Join steps (by index) and the sources that arrived at them this iteration.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub joins: BTreeMap<usize, Vec<Actor>>,
    /// Looping steps (by index) and how often each was taken this iteration.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub loops: BTreeMap<usize, u32>,
}

/// Where a finished turn led.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Moved {
    /// The step taken (by index), and the actors it made ready (none: `end`, or a join still
    /// waiting for other sources).
    Step {
        /// The step's index in `workflow.steps`.
        index: usize,
        /// The actors made ready by it.
        ready: Vec<Actor>,
    },
    /// A failed turn with no step for `outcome: failed`: the run stops and the same turn runs
    /// again at the next start.
    Rerun,
    /// No step holds (a graph `baton check` refuses; kept for robustness): this branch ends.
    Nowhere,
}

/// The word of the agent's `BATON-NEXT: WORD` answer: the last non-empty line of its final
/// message, when it has that form (`WORD` is the first word after the colon).
#[must_use]
pub fn answer_of(final_message: &str) -> Option<&str> {
    let last = final_message.lines().rev().find(|l| !l.trim().is_empty())?;
    let rest = last.trim().strip_prefix("BATON-NEXT:")?;
    rest.split_whitespace().next()
}

impl Progress {
    /// The start of an iteration: `start` is ready.
    #[must_use]
    pub fn fresh(workflow: &Workflow) -> Progress {
        Progress {
            ready: vec![workflow.start],
            ..Progress::default()
        }
    }

    /// Whether the progress says no more than "`expected` is next" (then the state file does
    /// not carry it: the default pair's files look as they always did).
    #[must_use]
    pub fn is_plain(&self, expected: Actor) -> bool {
        self.ready == [expected]
            && self.running.is_empty()
            && self.joins.is_empty()
            && self.loops.is_empty()
    }

    /// Whether the iteration has nothing left to do: nothing ready, nothing running.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.ready.is_empty() && self.running.is_empty()
    }

    /// Marks `actor`'s turn as running (it leaves the ready list). A turn the graph did not
    /// make ready (one actor run alone, a turn stamped by hand) starts a progress of its own.
    pub fn begin(&mut self, actor: Actor) {
        if !self.ready.contains(&actor) && !self.running.contains(&actor) {
            *self = Progress::default();
        }
        self.ready.retain(|a| *a != actor);
        if !self.running.contains(&actor) {
            self.running.push(actor);
        }
    }

    /// Puts `actor`'s turn back as ready (a limited or failed turn that runs again).
    pub fn again(&mut self, actor: Actor) {
        self.running.retain(|a| *a != actor);
        self.make_ready(actor);
    }

    fn make_ready(&mut self, actor: Actor) {
        if !self.ready.contains(&actor) {
            self.ready.push(actor);
        }
    }

    /// Starts the next iteration: `start` ready, joins and loop counts forgotten.
    pub fn restart(&mut self, workflow: &Workflow) {
        *self = Progress::fresh(workflow);
    }

    /// Moves on after `turn`: its actor stops running, the first step from it that holds is
    /// taken (conditions through `facts`), and its targets become ready. A failed turn takes
    /// only a step for `outcome: failed`; without one it is put back ([`Moved::Rerun`]).
    pub fn after(
        &mut self,
        workflow: &Workflow,
        turn: TurnResult<'_>,
        facts: &mut dyn Facts,
    ) -> Moved {
        self.running.retain(|a| *a != turn.actor);
        let mut taken = None;
        for (index, step) in workflow.steps_from(turn.actor) {
            let used = self.loops.get(&index).copied().unwrap_or(0);
            if step.max_loops.is_some_and(|max| used >= max) {
                continue;
            }
            if holds(step, turn, facts) {
                taken = Some((index, step));
                break;
            }
        }
        let Some((index, step)) = taken else {
            if turn.ok {
                return Moved::Nowhere;
            }
            self.make_ready(turn.actor);
            return Moved::Rerun;
        };
        if step.join_all {
            let arrived = self.joins.entry(index).or_default();
            if !arrived.contains(&turn.actor) {
                arrived.push(turn.actor);
            }
            if !step.from.iter().all(|a| arrived.contains(a)) {
                return Moved::Step {
                    index,
                    ready: Vec::new(),
                };
            }
            self.joins.remove(&index);
        }
        if step.max_loops.is_some() {
            *self.loops.entry(index).or_insert(0) += 1;
        }
        let ready = match &step.to {
            Target::Actors(actors) => actors.clone(),
            Target::End => Vec::new(),
        };
        for actor in &ready {
            self.make_ready(*actor);
        }
        Moved::Step { index, ready }
    }
}

/// Whether `step`'s condition holds after `turn`.
fn holds(step: &Step, turn: TurnResult<'_>, facts: &mut dyn Facts) -> bool {
    match &step.when {
        Some(Condition::Outcome(OutcomeIs::Failed)) => !turn.ok,
        _ if !turn.ok => false,
        None | Some(Condition::Outcome(OutcomeIs::Ok)) => true,
        Some(Condition::Answer(word)) => turn.answer == Some(word.as_str()),
        Some(Condition::Command(argv)) => facts.command_ok(argv),
        Some(Condition::File(path)) => facts.file_exists(path),
    }
}

/// Facts for a dry walk (`baton route --next N`): no command runs (each counts as failing),
/// no file exists.
#[derive(Debug, Default)]
pub struct Assumed;

impl Facts for Assumed {
    fn command_ok(&mut self, _: &[String]) -> bool {
        false
    }

    fn file_exists(&mut self, _: &str) -> bool {
        false
    }
}

/// The next `n` turns of a dry walk from `progress` (every turn ok, no answers, see
/// [`Assumed`]): the actor of each, and the iteration it belongs to counted from 0. Turns that
/// would run at once are listed one after the other.
#[must_use]
pub fn dry_walk(workflow: &Workflow, progress: &Progress, n: usize) -> Vec<(u64, Actor)> {
    let mut progress = progress.clone();
    let mut out = Vec::with_capacity(n);
    let mut iteration = 0;
    while out.len() < n {
        if progress.is_done() {
            progress.restart(workflow);
            iteration += 1;
        }
        let Some(actor) = progress.ready.first().copied() else {
            // Something still runs and nothing is ready: it finishes first.
            let Some(actor) = progress.running.first().copied() else {
                break;
            };
            finish(workflow, &mut progress, actor);
            continue;
        };
        progress.begin(actor);
        out.push((iteration, actor));
        if progress.ready.is_empty() {
            finish(workflow, &mut progress, actor);
        }
    }
    out
}

fn finish(workflow: &Workflow, progress: &mut Progress, actor: Actor) {
    let turn = TurnResult {
        actor,
        ok: true,
        answer: None,
    };
    let _ = progress.after(workflow, turn, &mut Assumed);
}
