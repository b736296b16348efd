//! Properties of every graph `check` accepts, over random graphs and random turns.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{a, at};
use crate::workflow::walk::Moved;
use crate::workflow::*;

const NAMES: [&str; 5] = ["galph", "ralph", "sec", "arch", "critic"];

/// A random condition for a looping step: it always has `max_loops`, so that no walk can loop
/// for ever whatever the answers (a condition alone bounds nothing).
fn condition(pick: u8) -> Condition {
    match pick % 3 {
        0 => Condition::Answer("revise".to_owned()),
        1 => Condition::File("FLAG".to_owned()),
        _ => Condition::Outcome(OutcomeIs::Failed),
    }
}

/// Actors by index in [`NAMES`] (wrapped).
fn named(indexes: &[usize]) -> Vec<Actor> {
    indexes.iter().map(|i| a(NAMES[i % NAMES.len()])).collect()
}

/// A random graph over [`NAMES`]: before each actor's last resort, up to two looping steps to
/// anywhere; the last resort leads forward (to one or two later actors, or `end`), and a
/// fan-out's two targets may be joined by one step that leads further forward.
fn workflow_strategy() -> impl Strategy<Value = Workflow> {
    let per_actor = (
        prop::collection::vec((0u8..3, 0usize..6, 1u32..3), 0..3),
        0usize..4,
        0usize..3,
        any::<bool>(),
    );
    prop::collection::vec(per_actor, NAMES.len()).prop_map(|actors| {
        let mut steps = Vec::new();
        let mut joined: Vec<usize> = Vec::new();
        for (i, (loops, ..)) in actors.iter().enumerate() {
            for &(pick, to, max) in loops {
                steps.push(Step {
                    from: named(&[i]),
                    to: if to == 5 {
                        Target::End
                    } else {
                        Target::Actors(named(&[to]))
                    },
                    when: Some(condition(pick)),
                    join_all: false,
                    max_loops: Some(max),
                    at: at(1),
                });
            }
        }
        for (i, (_, forward, width, join)) in actors.into_iter().enumerate() {
            if joined.contains(&i) {
                continue; // its join step is its last resort
            }
            let first = i + 1 + forward;
            let targets: Vec<usize> = (first..first + width.max(1))
                .filter(|t| *t < NAMES.len())
                .collect();
            let to = if targets.is_empty() {
                Target::End
            } else {
                Target::Actors(named(&targets))
            };
            steps.push(Step {
                from: named(&[i]),
                to,
                when: None,
                join_all: false,
                max_loops: None,
                at: at(1),
            });
            if join && targets.len() == 2 && !targets.iter().any(|t| joined.contains(t)) {
                let after = targets[1] + 1;
                let to = if after < NAMES.len() {
                    Target::Actors(named(&[after]))
                } else {
                    Target::End
                };
                steps.push(Step {
                    from: named(&targets),
                    to,
                    when: None,
                    join_all: true,
                    max_loops: None,
                    at: at(1),
                });
                joined.extend(&targets);
            }
        }
        let mut actors = Workflow::pair_actors();
        for name in &NAMES[2..] {
            let spec = ActorSpec {
                name: a(name),
                kind: ActorKind::Reviewer,
                prompt: None,
                agent: None,
                at: at(1),
            };
            actors.insert(a(name), spec);
        }
        Workflow {
            actors,
            start: Actor::GALPH,
            start_at: at(1),
            steps,
            workers: BTreeMap::new(),
            declared: false,
        }
    })
}

struct Coin(Vec<bool>, usize);

impl Facts for Coin {
    fn command_ok(&mut self, _: &[String]) -> bool {
        self.flip()
    }

    fn file_exists(&mut self, _: &str) -> bool {
        self.flip()
    }
}

impl Coin {
    fn flip(&mut self) -> bool {
        self.1 += 1;
        self.0
            .get(self.1 % self.0.len().max(1))
            .copied()
            .unwrap_or(false)
    }
}

proptest! {
    /// Whatever the outcomes and answers, a graph that passes the checks never leaves a
    /// successful turn with nowhere to go, and every iteration ends.
    #[test]
    fn checked_graphs_always_move_on_and_end_every_iteration(
        workflow in workflow_strategy(),
        coins in prop::collection::vec(any::<bool>(), 1..64),
    ) {
        prop_assume!(check(&workflow).is_ok());
        let mut facts = Coin(coins.clone(), 0);
        let mut progress = Progress::fresh(&workflow);
        let mut iterations = 0;
        // At most every step's loops, for each of five actors, per iteration.
        let bound = 5 * workflow.steps.iter().map(|s| s.max_loops.unwrap_or(1) as usize + 1).sum::<usize>();
        let mut turns_this_iteration = 0;
        for turn in 0..2000 {
            if progress.is_done() {
                iterations += 1;
                turns_this_iteration = 0;
                progress.restart(&workflow);
            }
            let actor = match progress.ready.first().copied() {
                Some(actor) => { progress.begin(actor); actor }
                None => progress.running[0],
            };
            // Everything ready starts before anything finishes, as a run does.
            if !progress.ready.is_empty() { continue; }
            let ok = coins[turn % coins.len()] || turn % 7 != 0;
            let answer = coins[(turn + 1) % coins.len()].then_some("revise");
            let result = TurnResult { actor, ok, answer };
            match progress.after(&workflow, result, &mut facts) {
                Moved::Nowhere => prop_assert!(false, "ok turn of {actor} went nowhere"),
                Moved::Rerun => { prop_assert!(!ok); progress.ready.clear(); progress.running.clear(); }
                Moved::Step { .. } => {}
            }
            turns_this_iteration += 1;
            prop_assert!(turns_this_iteration <= bound, "iteration longer than {bound} turns");
            for running in &progress.running {
                prop_assert!(!progress.ready.contains(running) || workflow.steps.iter().any(|s| s.targets().contains(running)));
            }
        }
        prop_assert!(iterations > 0);
    }
}
