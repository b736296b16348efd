//! The rows `baton watch` shows for a workflow: the graph's current step (which actors run, which
//! are ready, which joins wait) and one row per worker — running (`ralph-2  task a  12s  <its
//! last transcript line>`) or ended (`ralph-1  task b  landed after 8s, merge 0b96c00`). Pure:
//! the time is given.

use std::time::SystemTime;

use crate::events::WorkerRun;
use crate::journal::show::wall;
use crate::state::{Actor, State};
use crate::workflow::{Target, Workflow};

/// Whether the watch shows the step: the workflow is not the default pair (steps or actors
/// declared, or workers).
#[must_use]
pub(crate) fn shows_step(workflow: &Workflow) -> bool {
    !workflow.is_plain_pair()
}

fn names(actors: &[Actor]) -> String {
    actors
        .iter()
        .map(Actor::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the iteration stands, from the state's `workflow` progress (or `expected_actor` and
/// `status`): `running sec, arch · ready critic · join sec + arch -> critic: sec done`. `None`
/// for the default pair, whose turn line says it all.
#[must_use]
pub(crate) fn step(workflow: &Workflow, state: &State) -> Option<String> {
    if !shows_step(workflow) {
        return None;
    }
    let progress = state.progress();
    let mut parts = Vec::new();
    if !progress.running.is_empty() {
        parts.push(format!("running {}", names(&progress.running)));
    }
    if !progress.ready.is_empty() {
        parts.push(format!("ready {}", names(&progress.ready)));
    }
    for (index, arrived) in &progress.joins {
        let Some(join) = workflow.steps.get(*index) else {
            continue;
        };
        let to = match &join.to {
            Target::Actors(actors) => names(actors),
            Target::End => "end".to_owned(),
        };
        let from: Vec<&str> = join.from.iter().map(Actor::as_str).collect();
        parts.push(format!(
            "join {} -> {to}: {} done",
            from.join(" + "),
            names(arrived)
        ));
    }
    if parts.is_empty() {
        parts.push("nothing running or ready".to_owned());
    }
    Some(parts.join(" · "))
}

/// The time from `from` (UTC, as the event log writes it) to `to`, as `12s` or `1m05s`.
fn between(from: Option<&str>, to: SystemTime) -> Option<String> {
    let from = humantime::parse_rfc3339(from?).ok()?;
    let took = to.duration_since(from).unwrap_or_default();
    Some(wall(u64::try_from(took.as_millis()).unwrap_or(u64::MAX)))
}

/// A running worker: `ralph-2  task a  12s  <its last transcript line>` (`attempt 2` after a
/// retry).
#[must_use]
pub(crate) fn running(worker: &WorkerRun, now: SystemTime) -> String {
    let mut row = format!(
        "{}  task {}  {}",
        worker.worker,
        worker.task,
        between(worker.started_at.as_deref(), now).unwrap_or_else(|| "-".to_owned())
    );
    if worker.attempt > 1 {
        row.push_str(&format!("  attempt {}", worker.attempt));
    }
    if let Some(line) = &worker.last_line {
        row.push_str("  ");
        row.push_str(line);
    }
    row
}

/// A worker that started: `ralph-2  task a  on baton/ralph-2/a`.
#[must_use]
pub(crate) fn started(worker: &WorkerRun) -> String {
    format!(
        "{}  task {}  on {}",
        worker.worker,
        worker.task,
        worker.branch.as_deref().unwrap_or("its branch")
    )
}

/// An ended worker and its landing: `ralph-1  task b  landed after 8s, merge 0b96c00`,
/// `… conflict after 3s: shared.txt`, `… failed after 2s: <why>`; `… gone with its run` when
/// its run ended without a landing.
#[must_use]
pub(crate) fn landing(worker: &WorkerRun) -> String {
    let head = format!("{}  task {}", worker.worker, worker.task);
    let Some(landing) = &worker.landing else {
        return format!("{head}  gone with its run (no landing)");
    };
    let took = worker
        .ended_at
        .as_deref()
        .and_then(|end| humantime::parse_rfc3339(end).ok())
        .and_then(|end| between(worker.started_at.as_deref(), end))
        .map(|t| format!(" after {t}"))
        .unwrap_or_default();
    let detail = if let Some(merge) = &worker.merge {
        format!(", merge {}", merge.get(..7).unwrap_or(merge))
    } else if !worker.conflicts.is_empty() {
        format!(": {}", worker.conflicts.join(", "))
    } else if let Some(error) = &worker.error {
        format!(": {error}")
    } else {
        String::new()
    };
    format!("{head}  {landing}{took}{detail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(ts: &str) -> SystemTime {
        humantime::parse_rfc3339(ts).expect("time")
    }

    #[test]
    fn worker_rows_say_who_what_how_long_and_how_it_ended() {
        let mut worker = WorkerRun {
            worker: "ralph-2".to_owned(),
            task: "a".to_owned(),
            branch: Some("baton/ralph-2/a".to_owned()),
            started_at: Some("2026-11-21T10:00:00Z".to_owned()),
            last_line: Some("running the tests".to_owned()),
            attempt: 1,
            ..WorkerRun::default()
        };
        let now = at("2026-11-21T10:00:12Z");
        assert_eq!(
            running(&worker, now),
            "ralph-2  task a  12s  running the tests"
        );
        assert_eq!(started(&worker), "ralph-2  task a  on baton/ralph-2/a");
        worker.attempt = 2;
        assert!(running(&worker, now + Duration::from_secs(60)).contains("1m12s  attempt 2"));
        assert_eq!(
            landing(&worker),
            "ralph-2  task a  gone with its run (no landing)"
        );
        worker.landing = Some("landed".to_owned());
        worker.ended_at = Some("2026-11-21T10:00:08Z".to_owned());
        worker.merge = Some("0b96c00cc03849a317ef562355ae51366b66f218".to_owned());
        assert_eq!(
            landing(&worker),
            "ralph-2  task a  landed after 8s, merge 0b96c00"
        );
        worker.merge = None;
        worker.landing = Some("conflict".to_owned());
        worker.conflicts = vec!["shared.txt".to_owned(), "b.txt".to_owned()];
        assert_eq!(
            landing(&worker),
            "ralph-2  task a  conflict after 8s: shared.txt, b.txt"
        );
    }

    #[test]
    fn the_step_is_shown_for_a_workflow_only() {
        let state = State {
            status: crate::state::Status::Running(Actor::RALPH),
            ..State::default()
        };
        assert_eq!(step(&Workflow::default(), &state), None);
        let mut workers = Workflow::default();
        workers.workers.insert(Actor::RALPH, 4);
        assert_eq!(step(&workers, &state).as_deref(), Some("running ralph"));
        let idle = State::default();
        assert_eq!(step(&workers, &idle).as_deref(), Some("ready galph"));

        let actor = |name: &str| Actor::new(name).expect("actor");
        let (sec, arch, critic) = (actor("sec"), actor("arch"), actor("critic"));
        let fan = Workflow {
            declared: true,
            steps: vec![crate::workflow::Step {
                from: vec![sec, arch],
                to: Target::Actors(vec![critic]),
                when: None,
                join_all: true,
                max_loops: None,
                at: crate::workflow::Pos::default(),
            }],
            ..Workflow::default()
        };
        let mut state = State {
            status: crate::state::Status::Running(arch),
            ..State::default()
        };
        state.workflow = Some(crate::workflow::Progress {
            running: vec![arch],
            joins: [(0, vec![sec])].into(),
            ..crate::workflow::Progress::default()
        });
        assert_eq!(
            step(&fan, &state).as_deref(),
            Some("running arch · join sec + arch -> critic: sec done")
        );
    }
}
