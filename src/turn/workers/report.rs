//! What workers add to prompts: a worker's task after its actor's prompt, and — after a step
//! whose tasks did not all land — the supervisor's report of what did not (conflicting paths,
//! a red verify's log, a failure) and what is wrong with task files (`BATON_CONFLICTS`).

use crate::journal::{JournalEntry, Landing};
use crate::state::Actor;
use crate::turn::workers::{Assigned, WorkerOf};

/// The text appended to a worker's prompt: its task, whole.
#[must_use]
pub(crate) fn task_prompt(worker: &WorkerOf, assigned: &Assigned) -> String {
    format!(
        "\n\n---\nBaton: you are worker {} and your task is `{}` (the file {}; it moves to \
         done/ when your work lands). Do this task only, and commit nothing outside it.\n\n{}\n",
        worker.name,
        assigned.task.id,
        assigned.file.display(),
        assigned.task.text.trim_end()
    )
}

/// The report for `actor`'s next turn from the journal lines since its last turn (`recent`,
/// oldest first): one line per task that did not land and per problem with task files; `None`
/// when there is nothing to tell.
#[must_use]
pub(crate) fn supervisor_report(recent: &[JournalEntry], actor: Actor) -> Option<String> {
    let since = recent
        .iter()
        .rposition(|e| e.actor == actor)
        .map_or(0, |i| i + 1);
    let mut lines = Vec::new();
    for entry in &recent[since..] {
        for run in entry.tasks.iter().filter(|r| r.landing != Landing::Landed) {
            let why = run.error.as_deref().unwrap_or("did not land");
            let mut line = format!(
                "task {} ({}, branch {}): {} — {why}",
                run.task, run.worker, run.branch, run.landing
            );
            if !run.conflicts.is_empty() {
                line.push_str(&format!(
                    "; conflicting paths: {}",
                    run.conflicts.join(", ")
                ));
            }
            if let Some(log) = &run.verify_log {
                line.push_str(&format!("; verify log: {log}"));
            }
            lines.push(line);
        }
        lines.extend(
            entry
                .task_problems
                .iter()
                .map(|p| format!("task files: {p}")),
        );
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The report as a note after the supervisor's prompt.
#[must_use]
pub(crate) fn report_prompt(report: &str) -> String {
    format!(
        "\n\n---\nBaton: work of the workers that did not land (nothing was resolved; each \
         branch is kept; an open task runs again at the next step). Also in BATON_CONFLICTS.\n\
         {report}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::TaskRun;

    fn entry(actor: Actor, tasks: Vec<TaskRun>, problems: Vec<String>) -> JournalEntry {
        let mut e: JournalEntry = serde_json::from_value(serde_json::json!({
            "iteration": 1, "actor": actor.as_str(), "prompt": "p.md", "source": "deterministic",
            "reason": "", "agent": "a", "started_at": "", "ended_at": "", "duration_ms": 0,
            "outcome": "ok", "exit_code": 0, "head_before": null, "head_after": null,
            "files_changed": 0, "insertions": 0, "deletions": 0, "log": "", "host": "h",
            "generation": 1
        }))
        .expect("entry");
        e.tasks = tasks;
        e.task_problems = problems;
        e
    }

    fn run(task: &str, landing: Landing) -> TaskRun {
        TaskRun {
            worker: "ralph-1".into(),
            task: task.into(),
            landing,
            branch: format!("baton/ralph-1/{task}"),
            merge: None,
            agent: "a".into(),
            log: String::new(),
            duration_ms: 0,
            land_ms: 0,
            claim_ms: 0,
            usage: crate::journal::Usage::default(),
            attempts: 1,
            conflicts: vec!["src/a.rs".into()],
            error: None,
            verify_log: None,
        }
    }

    #[test]
    fn the_report_names_what_did_not_land_since_the_supervisors_last_turn() {
        let old = entry(Actor::RALPH, vec![run("old", Landing::Conflict)], vec![]);
        let galph = entry(Actor::GALPH, vec![], vec![]);
        let new = entry(
            Actor::RALPH,
            vec![run("a", Landing::Landed), run("b", Landing::Conflict)],
            vec!["tasks x → y depend on each other".into()],
        );
        let report = supervisor_report(&[old, galph, new], Actor::GALPH).expect("report");
        assert!(!report.contains("old"), "{report}");
        assert!(!report.contains("task a "), "{report}");
        assert!(
            report.contains("task b (ralph-1, branch baton/ralph-1/b): conflict"),
            "{report}"
        );
        assert!(report.contains("conflicting paths: src/a.rs"), "{report}");
        assert!(report.contains("task files: tasks x → y"), "{report}");
        let landed = entry(Actor::RALPH, vec![run("c", Landing::Landed)], vec![]);
        assert_eq!(supervisor_report(&[landed], Actor::GALPH), None);
    }
}
