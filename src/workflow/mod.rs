//! Workflows: the order of turns as a declarative graph (`docs/configuration.md`, workflows).
//!
//! A [`Workflow`] is a start actor and a list of [`Step`]s. After each turn, the steps from its
//! actor are tried in order and the first whose condition holds is taken (an edge without
//! `when` always holds; one whose `max_loops` is used up is skipped): it names the next actor,
//! several at once (a fan-out), or `end` (the iteration ends, and the next one starts at
//! `start`). A step from several actors with `join: all` fires once every one of them is done.
//!
//! Without `workflow:` in the configuration the default pair runs: galph, then ralph, then the
//! iteration ends ([`Workflow::pair`]). Everything here is pure: [`check()`] validates a graph,
//! [`walk`] moves an iteration on after a turn (conditions that need I/O come in through a
//! [`walk::Facts`] implementation), [`draw`] renders the graph as text, DOT or Mermaid.

pub mod check;
pub mod draw;
pub mod walk;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use crate::state::actor::{Actor, ActorKind};

pub use check::{CheckError, check};
pub use walk::{Facts, Progress, TurnResult};

/// Where something is written: the configuration key it is under (`workflow.steps`, `actors`,
/// `workflow.start`, `workflow.workers`; empty for the default graph) and the 1-based line and
/// column of its value (0 when unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// The configuration key whose value holds it.
    pub key: &'static str,
    /// 1-based line (0: unknown).
    pub line: u64,
    /// 1-based column (0: unknown).
    pub column: u64,
}

/// One actor: its name, kind, and what it runs unless configured otherwise elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorSpec {
    /// The name.
    pub name: Actor,
    /// What kind of actor it is.
    pub kind: ActorKind,
    /// The prompt it runs (a file in `prompts_dir`); `None` for galph and ralph, whose prompt
    /// the router chooses (`prompts.*`, review cadence, router prompt).
    pub prompt: Option<String>,
    /// The agent it runs (as `agent.roles` would say); `None`: the usual dispatch.
    pub agent: Option<String>,
    /// Where it is declared.
    pub at: Pos,
}

/// Where a step leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// These actors' turns (more than one: a fan-out, all at once).
    Actors(Vec<Actor>),
    /// The iteration ends (for this branch of a fan-out).
    End,
}

/// A turn's outcome as a condition names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeIs {
    /// The turn succeeded.
    Ok,
    /// The turn failed.
    Failed,
}

/// When a step holds (`when:`). Every condition but `outcome: failed` holds only after a
/// successful turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `{outcome: ok|failed}`.
    Outcome(OutcomeIs),
    /// `{answer: WORD}`: the agent's final message ends with a line `BATON-NEXT: WORD`.
    Answer(String),
    /// `{command: [argv…]}`: the command exits 0 in the workspace root.
    Command(Vec<String>),
    /// `{file: PATH}`: the path (relative to the workspace root) exists.
    File(String),
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Outcome(OutcomeIs::Ok) => f.write_str("outcome ok"),
            Condition::Outcome(OutcomeIs::Failed) => f.write_str("outcome failed"),
            Condition::Answer(word) => write!(f, "answer {word}"),
            Condition::Command(argv) => write!(f, "command `{}`", argv.join(" ")),
            Condition::File(path) => write!(f, "file {path}"),
        }
    }
}

/// One edge of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The actors it leads from (one, or the sources of a join).
    pub from: Vec<Actor>,
    /// Where it leads.
    pub to: Target,
    /// When it holds; `None`: always (after a successful turn).
    pub when: Option<Condition>,
    /// `join: all`: fires once every actor of `from` is done in this iteration.
    pub join_all: bool,
    /// Taken at most this many times per iteration; then the next matching step is.
    pub max_loops: Option<u32>,
    /// Where it is written (the list item).
    pub at: Pos,
}

impl Step {
    /// Whether the step holds after any successful turn (no `when`, no `max_loops`).
    #[must_use]
    pub fn always(&self) -> bool {
        self.when.is_none() && self.max_loops.is_none()
    }

    /// The actors it leads to (none for `end`).
    #[must_use]
    pub fn targets(&self) -> &[Actor] {
        match &self.to {
            Target::Actors(actors) => actors,
            Target::End => &[],
        }
    }
}

/// The graph of a run: its actors, where an iteration starts, the steps, and how many workers
/// an actor may run at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workflow {
    /// Every declared actor (galph and ralph always), by name.
    pub actors: BTreeMap<Actor, ActorSpec>,
    /// Where each iteration starts.
    pub start: Actor,
    /// Where `start` is written.
    pub start_at: Pos,
    /// The edges, in the order they are tried.
    pub steps: Vec<Step>,
    /// `workflow.workers`: actor → most turns of it at once (absent: 1).
    pub workers: BTreeMap<Actor, u32>,
    /// Whether the graph was written in the configuration (`false`: the default pair's).
    pub declared: bool,
}

impl Default for Workflow {
    /// The default pair's graph.
    fn default() -> Self {
        Workflow::pair(Workflow::pair_actors())
    }
}

impl Workflow {
    /// galph (supervisor) and ralph (engineer), with no prompt of their own.
    #[must_use]
    pub fn pair_actors() -> BTreeMap<Actor, ActorSpec> {
        let spec = |name, kind| ActorSpec {
            name,
            kind,
            prompt: None,
            agent: None,
            at: Pos::default(),
        };
        BTreeMap::from([
            (Actor::GALPH, spec(Actor::GALPH, ActorKind::Supervisor)),
            (Actor::RALPH, spec(Actor::RALPH, ActorKind::Engineer)),
        ])
    }

    /// The default graph: `start: galph`, galph → ralph, ralph → end.
    #[must_use]
    pub fn pair(actors: BTreeMap<Actor, ActorSpec>) -> Workflow {
        let step = |from, to| Step {
            from: vec![from],
            to,
            when: None,
            join_all: false,
            max_loops: None,
            at: Pos::default(),
        };
        Workflow {
            actors,
            start: Actor::GALPH,
            start_at: Pos::default(),
            steps: vec![
                step(Actor::GALPH, Target::Actors(vec![Actor::RALPH])),
                step(Actor::RALPH, Target::End),
            ],
            workers: BTreeMap::new(),
            declared: false,
        }
    }

    /// The graph of a single-actor run (`baton loop`, `baton supervisor` without a remote):
    /// `actor` alone, every turn an iteration.
    #[must_use]
    pub fn solo(&self, actor: Actor) -> Workflow {
        Workflow {
            actors: self.actors.clone(),
            start: actor,
            start_at: Pos::default(),
            steps: vec![Step {
                from: vec![actor],
                to: Target::End,
                when: None,
                join_all: false,
                max_loops: None,
                at: Pos::default(),
            }],
            workers: BTreeMap::new(),
            declared: false,
        }
    }

    /// Whether this is the default pair as it always ran: no graph or actors declared, no
    /// workers (what `watch` and `serve` show no workflow step for).
    #[must_use]
    pub fn is_plain_pair(&self) -> bool {
        !self.declared && self.workers.is_empty()
    }

    /// The actor of a graph that is one actor's turns back to back (`start → end`, as
    /// [`Workflow::solo`] makes): every turn is an iteration, and that actor may declare the
    /// work complete.
    #[must_use]
    pub fn alone(&self) -> Option<Actor> {
        match self.steps.as_slice() {
            [only] if only.from == [self.start] && only.to == Target::End => Some(self.start),
            _ => None,
        }
    }

    /// The kind of `actor`; an undeclared name counts as a reviewer (it may change nothing
    /// but docs and reports).
    #[must_use]
    pub fn kind(&self, actor: Actor) -> ActorKind {
        self.actors
            .get(&actor)
            .map_or(ActorKind::Reviewer, |spec| spec.kind)
    }

    /// Whether a turn of `actor` can happen: it is `start` or a step leads to it from there.
    #[must_use]
    pub fn reaches(&self, actor: Actor) -> bool {
        check::reachable(self).contains(&actor)
    }

    /// Whether `actor` is declared.
    #[must_use]
    pub fn has(&self, actor: Actor) -> bool {
        self.actors.contains_key(&actor)
    }

    /// The steps from `actor`, with their indexes, in the order they are tried.
    pub fn steps_from(&self, actor: Actor) -> impl Iterator<Item = (usize, &Step)> {
        self.steps
            .iter()
            .enumerate()
            .filter(move |(_, step)| step.from.contains(&actor))
    }

    /// The most turns of `actor` at once (`workflow.workers`, default 1).
    #[must_use]
    pub fn slots(&self, actor: Actor) -> u32 {
        self.workers.get(&actor).copied().unwrap_or(1).max(1)
    }

    /// Whether a turn of `actor` can ever run beside another (it is fanned out to, or has more
    /// than one worker): such turns run in worktrees and land.
    #[must_use]
    pub fn runs_beside_others(&self, actor: Actor) -> bool {
        self.slots(actor) > 1
            || self
                .steps
                .iter()
                .any(|s| s.targets().len() > 1 && s.targets().contains(&actor))
    }
}
