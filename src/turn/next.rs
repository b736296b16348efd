//! Where a finished turn leads in the run's graph (`docs/workflows.md`): the progress of the
//! iteration is moved on by the turn's outcome and answer, conditions are looked at through
//! [`RunFacts`], and the state's `expected_actor` / `status` / `iteration` follow.

use std::path::{Component, Path};

use crate::state::{Actor, Next, State};
use crate::turn::{Session, completion};
use crate::workflow::walk::{Moved, TurnResult, answer_of};
use crate::workflow::{Facts, Progress, Workflow};

/// Where a turn led.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Leads {
    /// To this next turn (or the end of the iteration).
    To(Next),
    /// Nowhere: the turn failed and no step takes a failure; it runs again.
    Again,
}

/// The conditions of a run's steps: commands run in the workspace root as verify commands run
/// (bounded, their output in `<turn log>.when.log`), files looked for beneath the root.
pub(crate) struct RunFacts<'a> {
    session: &'a Session,
    turn_log: Option<&'a Path>,
}

impl Facts for RunFacts<'_> {
    fn command_ok(&mut self, argv: &[String]) -> bool {
        let Some(turn_log) = self.turn_log else {
            return false;
        };
        let mut log = turn_log.as_os_str().to_owned();
        log.push(".when.log");
        let log = std::path::PathBuf::from(log);
        let code = completion::run_one(&self.session.config, argv, &log, &self.session.events);
        code == Some(0)
    }

    fn file_exists(&mut self, path: &str) -> bool {
        let inside = Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        inside
            && self
                .session
                .config
                .root
                .join(path)
                .symlink_metadata()
                .is_ok()
    }
}

/// Moves `state`'s iteration on after `actor`'s turn (`ok`, with `final_message`): which step
/// is taken, and the progress the stamp writes. A successful turn always leads somewhere (a
/// step that holds, else — for a graph the checks would refuse — the end of its branch).
pub(crate) fn walk(
    session: &Session,
    state: &State,
    actor: Actor,
    ok: bool,
    final_message: Option<&str>,
    turn_log: Option<&Path>,
) -> (Leads, Progress) {
    let mut facts = RunFacts { session, turn_log };
    let answer = final_message.and_then(answer_of);
    step(&session.graph, state, actor, ok, answer, &mut facts)
}

/// [`walk`] on `graph` with the conditions looked at through `facts` (a dry walk, `baton
/// route`, assumes them: [`crate::workflow::walk::Assumed`]).
pub(crate) fn step(
    graph: &Workflow,
    state: &State,
    actor: Actor,
    ok: bool,
    answer: Option<&str>,
    facts: &mut dyn Facts,
) -> (Leads, Progress) {
    let mut progress = state.progress();
    progress.begin(actor);
    let turn = TurnResult { actor, ok, answer };
    if progress.after(graph, turn, facts) == Moved::Rerun {
        return (Leads::Again, progress);
    }
    if let Some(next) = progress.ready.first().or(progress.running.first()) {
        return (Leads::To(Next::Actor(*next)), progress);
    }
    progress.restart(graph);
    (Leads::To(Next::End { start: graph.start }), progress)
}
