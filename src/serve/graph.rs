//! The workflow as the dashboard shows it (the snapshot's `graph`): `baton graph`'s text
//! drawing with the actors running or ready marked, and where the iteration stands, from the
//! state's `workflow` progress (or `expected_actor` and `status`). Pure.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::state::{Actor, State};
use crate::workflow::Workflow;
use crate::workflow::draw::{Format, draw};

/// The graph and its current step.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct GraphView {
    /// Whether it is the default pair (galph, then ralph; no `workflow:` steps, actors or
    /// workers): the page shows no graph then.
    pub(crate) pair: bool,
    /// The drawing of `baton graph` (`--format text`): the steps, then one line per actor,
    /// those running or ready ending with ` *`.
    pub(crate) text: String,
    /// The actors whose turn runs.
    pub(crate) running: Vec<String>,
    /// The actors whose turn may start.
    pub(crate) ready: Vec<String>,
    /// Joins waiting for more of their sources: `{"step", "from", "to", "done"}`.
    pub(crate) joins: Vec<JoinView>,
    /// `workflow.workers`: the most workers of an actor at once.
    pub(crate) workers: BTreeMap<String, u32>,
}

/// A `join: all` step some of whose sources are done in this iteration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct JoinView {
    /// The step's index in `workflow.steps` (from 0).
    pub(crate) step: usize,
    /// Its sources.
    pub(crate) from: Vec<String>,
    /// Where it leads (`end` for none).
    pub(crate) to: Vec<String>,
    /// The sources done so far.
    pub(crate) done: Vec<String>,
}

fn names(actors: &[Actor]) -> Vec<String> {
    actors.iter().map(|a| a.as_str().to_owned()).collect()
}

/// The view of `workflow` with `state`'s progress (none before the first run).
#[must_use]
pub(crate) fn view(workflow: &Workflow, state: Option<&State>) -> GraphView {
    let progress = state.map(State::progress).unwrap_or_default();
    let marked: Vec<Actor> = progress
        .running
        .iter()
        .chain(&progress.ready)
        .copied()
        .collect();
    let joins = progress
        .joins
        .iter()
        .filter_map(|(index, done)| {
            let step = workflow.steps.get(*index)?;
            let to = match step.targets() {
                [] => vec!["end".to_owned()],
                targets => names(targets),
            };
            Some(JoinView {
                step: *index,
                from: names(&step.from),
                to,
                done: names(done),
            })
        })
        .collect();
    GraphView {
        pair: workflow.is_plain_pair(),
        text: draw(workflow, Format::Text, &marked),
        running: names(&progress.running),
        ready: names(&progress.ready),
        joins,
        workers: workflow
            .workers
            .iter()
            .map(|(actor, n)| (actor.as_str().to_owned(), *n))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Status;

    #[test]
    fn the_running_and_ready_actors_are_marked_in_the_drawing() {
        let pair = view(&Workflow::default(), None);
        assert!(pair.pair);
        assert!(pair.text.starts_with("start: galph\n"), "{}", pair.text);

        let mut workflow = Workflow::default();
        workflow.workers.insert(Actor::RALPH, 4);
        let state = State {
            status: Status::Running(Actor::RALPH),
            expected_actor: Actor::RALPH,
            ..State::default()
        };
        let shown = view(&workflow, Some(&state));
        assert!(!shown.pair);
        assert_eq!(shown.running, ["ralph"]);
        assert!(shown.ready.is_empty());
        assert_eq!(shown.workers.get("ralph"), Some(&4));
        assert!(
            shown
                .text
                .lines()
                .any(|l| l == "actor ralph: engineer, 4 workers *"),
            "{}",
            shown.text
        );
        assert!(
            shown.text.lines().any(|l| l == "actor galph: supervisor"),
            "{}",
            shown.text
        );
    }
}
