//! The checks a workflow must pass before anything runs (`baton check`, and every command that
//! loads the configuration): each failure names where in the file it is and what to do.

use std::collections::{BTreeMap, BTreeSet};

use crate::state::actor::Actor;
use crate::workflow::{Pos, Step, Workflow};

/// A workflow that cannot run: where, what, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CheckError {
    /// Where the offending actor, step or key is written.
    pub at: Pos,
    /// What is wrong, naming the actor or step.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

fn error(at: Pos, message: String, hint: &str) -> CheckError {
    CheckError {
        at,
        message,
        hint: hint.to_owned(),
    }
}

/// Checks `workflow`: every actor named is declared, every declared actor is reachable from
/// `start`, no loop is made only of steps that always hold, every join's sources were fanned out
/// together, no step comes after one from the same actor that always holds (it would never be
/// taken), and every actor reached has a step that always holds (its last resort).
///
/// # Errors
/// The first [`CheckError`] found, in file order.
pub fn check(workflow: &Workflow) -> Result<(), CheckError> {
    known(workflow)?;
    for (i, step) in workflow.steps.iter().enumerate() {
        shape(step)?;
        if let Some(first) = workflow.steps[..i]
            .iter()
            .find(|s| s.always() && s.from.iter().any(|a| step.from.contains(a)))
        {
            let actor = first.from.iter().find(|a| step.from.contains(a));
            return Err(error(
                step.at,
                format!(
                    "this step from `{}` is never taken: the one at line {} always holds and is \
                     tried first",
                    actor.map_or_else(String::new, ToString::to_string),
                    first.at.line
                ),
                "give the earlier one a `when:` or a `max_loops:`, or move this one before it",
            ));
        }
    }
    let reached = reachable(workflow);
    for (name, spec) in &workflow.actors {
        let mentioned = workflow.start == *name
            || workflow.workers.contains_key(name)
            || workflow
                .steps
                .iter()
                .any(|s| s.from.contains(name) || s.targets().contains(name));
        if !reached.contains(name) && (mentioned || !name.is_pair()) && workflow.declared {
            return Err(error(
                spec.at,
                format!(
                    "actor `{name}` is never reached from `start: {}`",
                    workflow.start
                ),
                "add a step that leads to it, or remove it from `actors:`",
            ));
        }
    }
    for actor in &reached {
        if !workflow.steps_from(*actor).any(|(_, s)| s.always()) {
            let declared_at = workflow
                .actors
                .get(actor)
                .map_or(workflow.start_at, |s| s.at);
            let at = workflow
                .steps_from(*actor)
                .last()
                .map_or(declared_at, |(_, s)| s.at);
            return Err(error(
                at,
                format!(
                    "no step from `{actor}` always holds: after a turn where none of its \
                     conditions holds the iteration could not go on"
                ),
                &format!(
                    "end its steps with one that has no `when:`, e.g. `{{from: {actor}, to: end}}`"
                ),
            ));
        }
    }
    if let Some(step) = endless_loop(workflow) {
        return Err(error(
            step.at,
            format!(
                "the steps from `{}` make a loop in which every step always holds: the iteration \
                 would never end",
                step.from
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "give a step of the loop a `when:` or a `max_loops:`, or lead one to `end`",
        ));
    }
    for step in workflow.steps.iter().filter(|s| s.join_all) {
        if !fanned_out_together(workflow, &step.from) {
            return Err(error(
                step.at,
                format!(
                    "`join: all` waits for {} but no fan-out starts them together, so the join \
                     could wait for ever",
                    names(&step.from)
                ),
                "fan them out in one step (`to: [a, b]`) before joining them",
            ));
        }
    }
    Ok(())
}

/// Every actor named by `start`, `workers` and the steps is declared.
fn known(workflow: &Workflow) -> Result<(), CheckError> {
    let unknown = |actor: &Actor, at: Pos, what: &str| {
        if workflow.has(*actor) {
            return Ok(());
        }
        let declared: Vec<&str> = workflow.actors.keys().map(Actor::as_str).collect();
        let hint = match crate::text::closest(actor.as_str(), declared.iter().copied()) {
            Some(near) => format!("did you mean `{near}`? declare others under `actors:`"),
            None => format!("declared actors: {}", declared.join(", ")),
        };
        Err(error(
            at,
            format!("{what} names unknown actor `{actor}`"),
            &hint,
        ))
    };
    unknown(&workflow.start, workflow.start_at, "`workflow.start`")?;
    for actor in workflow.workers.keys() {
        unknown(actor, workflow.start_at, "`workflow.workers`")?;
    }
    for step in &workflow.steps {
        for actor in step.from.iter().chain(step.targets()) {
            unknown(actor, step.at, "a step")?;
        }
    }
    Ok(())
}

/// A step's own shape: a join needs several sources; no actor twice in `from` or `to`.
fn shape(step: &Step) -> Result<(), CheckError> {
    if step.join_all && step.from.len() < 2 {
        return Err(error(
            step.at,
            "`join: all` needs two or more actors in `from`".to_owned(),
            "list the actors it waits for: `from: [a, b]`",
        ));
    }
    for list in [&step.from[..], step.targets()] {
        let set: BTreeSet<&Actor> = list.iter().collect();
        if set.len() != list.len() {
            return Err(error(
                step.at,
                format!("{} lists an actor twice", names(list)),
                "name each actor once",
            ));
        }
    }
    Ok(())
}

/// The actors a turn of `start` can lead to, `start` included.
pub(crate) fn reachable(workflow: &Workflow) -> BTreeSet<Actor> {
    reach_from(workflow, workflow.start, |_| true)
}

fn reach_from(workflow: &Workflow, from: Actor, follow: impl Fn(&Step) -> bool) -> BTreeSet<Actor> {
    let mut seen = BTreeSet::from([from]);
    let mut todo = vec![from];
    while let Some(actor) = todo.pop() {
        for (_, step) in workflow.steps_from(actor).filter(|(_, s)| follow(s)) {
            for next in step.targets() {
                if seen.insert(*next) {
                    todo.push(*next);
                }
            }
        }
    }
    seen
}

/// A step that closes a loop made only of steps that always hold, if any.
fn endless_loop(workflow: &Workflow) -> Option<&Step> {
    for step in workflow.steps.iter().filter(|s| s.always()) {
        for target in step.targets() {
            let onward = reach_from(workflow, *target, Step::always);
            if step.from.iter().any(|a| onward.contains(a)) {
                return Some(step);
            }
        }
    }
    None
}

/// Whether one fan-out step starts every source of a join: each source is reached from its
/// own target of that step.
fn fanned_out_together(workflow: &Workflow, sources: &[Actor]) -> bool {
    workflow
        .steps
        .iter()
        .filter(|s| s.targets().len() >= sources.len().max(2))
        .any(|fan| {
            let options: Vec<Vec<Actor>> = sources
                .iter()
                .map(|source| {
                    fan.targets()
                        .iter()
                        .copied()
                        .filter(|t| reach_from(workflow, *t, |_| true).contains(source))
                        .collect()
                })
                .collect();
            distinct_choice(&options, &mut BTreeMap::new(), 0)
        })
}

/// Whether each entry of `options` can be given one of its actors, no actor twice (a small
/// bipartite matching by backtracking; joins have a handful of sources).
fn distinct_choice(options: &[Vec<Actor>], taken: &mut BTreeMap<Actor, usize>, i: usize) -> bool {
    let Some(choices) = options.get(i) else {
        return true;
    };
    for actor in choices {
        if taken.contains_key(actor) {
            continue;
        }
        taken.insert(*actor, i);
        if distinct_choice(options, taken, i + 1) {
            return true;
        }
        taken.remove(actor);
    }
    false
}

fn names(actors: &[Actor]) -> String {
    let list: Vec<String> = actors.iter().map(|a| format!("`{a}`")).collect();
    list.join(" and ")
}
