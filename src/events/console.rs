//! The console subscriber: each event as the line a person reads (`[turn] ralph runs main.md
//! with agent claude (agent.default)`); progress on stdout, warnings and waits on stderr.
//! Events that are only for machines (`turn_claimed`, `run_started`, transcript pieces: the
//! executor echoes the agent itself) print nothing.

use std::time::Duration;

use crate::config::format_duration;
use crate::console::{Paint, paint as paint_text};
use crate::events::{CommitKind, Event, Level, WaitingOn};
use crate::journal::Outcome;
use crate::text::short_sha;

/// Prints `event`'s line, if it has one.
pub(super) fn print(event: &Event<'_>, worker: Option<&super::WorkerTag>) {
    let line = line(event).map(|(level, text)| match worker {
        // A worker's line says whose it is: `[turn] ralph runs …` → `[turn] ralph-2 (task a):
        // ralph runs …`; a fan-out turn's lines name their actor already.
        Some(tag) if !tag.task.is_empty() => (level, of_worker(&text, tag)),
        _ => (level, text),
    });
    match line {
        Some((Level::Info, text)) => say!("{text}"),
        Some((Level::Warning, text)) => note!("{text}"),
        None => {}
    }
}

/// `text` with the worker named after its `[tag]`.
fn of_worker(text: &str, tag: &super::WorkerTag) -> String {
    match text.split_once("] ") {
        Some((head, rest)) => format!("{head}] {} (task {}): {rest}", tag.worker, tag.task),
        None => format!("{} (task {}): {text}", tag.worker, tag.task),
    }
}

/// The line for `event` and where it goes (`Info`: stdout, `Warning`: stderr).
fn line(event: &Event<'_>) -> Option<(Level, String)> {
    let info = |text: String| Some((Level::Info, text));
    let warn = |text: String| Some((Level::Warning, text));
    match *event {
        Event::Routed {
            actor,
            iteration,
            prompt,
            source,
            reason,
        } => info(format!(
            "[router] iteration={iteration} actor={actor} prompt={prompt} source={source} \
             reason={reason}"
        )),
        Event::AgentStarted {
            actor,
            prompt,
            agent,
            rule,
            ..
        } => info(format!(
            "[turn] {actor} runs {prompt} with agent {agent} ({rule})"
        )),
        Event::Heartbeat {
            waiting_on: WaitingOn::Limit,
            detail,
            ..
        } => warn(format!("[baton] {detail}")),
        Event::Heartbeat {
            waiting_on: WaitingOn::Approval,
            detail,
            ..
        } => info(format!("[baton] {detail}")),
        Event::Heartbeat {
            peer,
            waited_secs,
            detail,
            ..
        } => {
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!("; {detail}")
            };
            let whom = peer.map_or_else(String::new, |p| format!(" for {p}"));
            warn(format!("[baton] waiting{whom}… {waited_secs}s{detail}"))
        }
        Event::Retry {
            actor,
            reason,
            attempt,
            of,
            wait_ms,
            ..
        } => info(format!(
            "[turn] {actor}: {reason}; attempt {attempt} of {of} in {}",
            format_duration(Duration::from_millis(wait_ms))
        )),
        Event::Fallback {
            from, to, reason, ..
        } => info(format!(
            "[turn] {from} hit a usage limit ({reason}); running {to} instead"
        )),
        Event::Committed { what, sha, subject } => {
            let sha = short_sha(sha);
            info(match what {
                CommitKind::Claim => format!("[sync] {sha} {subject}"),
                CommitKind::Autocommit => format!("[autocommit] {subject}"),
                CommitKind::Stamp | CommitKind::State => format!("[stamp] {sha} {subject}"),
                CommitKind::Land => format!("[land] {sha} {subject}"),
            })
        }
        Event::WorkerStarted {
            worker,
            task: "",
            branch,
            ..
        } => info(format!("[worker] {worker} runs its turn on {branch}")),
        Event::WorkerStarted {
            worker,
            task,
            branch,
            ..
        } => info(format!("[worker] {worker} takes task {task} on {branch}")),
        Event::WorkerEnded {
            worker,
            task,
            landing,
            error,
            ..
        } => {
            let what = if task.is_empty() {
                "its turn".to_owned()
            } else {
                format!("task {task}")
            };
            let line = match error {
                Some(why) => format!("[worker] {worker}: {what} {landing}: {why}"),
                None => format!("[worker] {worker}: {what} {landing}"),
            };
            match landing {
                crate::journal::Landing::Landed => info(line),
                _ => warn(line),
            }
        }
        Event::Pushed { remote, branch } => info(format!("[sync] pushed to {remote}/{branch}")),
        Event::Stamped {
            actor,
            prompt,
            outcome,
            duration_ms,
            head_after,
            status,
            next_actor,
            next_iteration,
            ..
        } => {
            let secs = Duration::from_millis(duration_ms).as_secs_f64();
            let head = head_after.map_or("-", short_sha);
            let paint = match outcome {
                Outcome::Ok => Paint::Green,
                Outcome::Limited | Outcome::Interrupted => Paint::Yellow,
                Outcome::Failed | Outcome::Timeout | Outcome::Stalled => Paint::Red,
            };
            let outcome = paint_text(paint, outcome.as_str());
            info(format!(
                "[turn] {actor} {prompt} {outcome} in {secs:.1}s; head {head}; state {status} \
                 (iteration {next_iteration}, next {next_actor})"
            ))
        }
        Event::ApprovalRequested {
            actor,
            iteration,
            prompt,
        } => info(format!(
            "[baton] {actor}'s turn ({prompt}, iteration {iteration}) awaits approval: baton \
             approve [--note TEXT] or baton reject --note TEXT"
        )),
        Event::ApprovalDecided {
            actor,
            approved,
            by,
            ..
        } => {
            let verb = if approved { "approved" } else { "rejected" };
            info(format!("[baton] {actor}'s turn was {verb} by {by}"))
        }
        Event::Stopped { why, reason } if why == "flag" || why == "complete" => {
            info(format!("[baton] stop flag set in the state: {reason}"))
        }
        Event::Notice { level, text } => Some((level, text.to_owned())),
        Event::Alarm { actor, commit, .. } => warn(format!(
            "[sync] {actor}'s daemon raises the alarm over commit {}",
            short_sha(commit)
        )),
        Event::RunStarted { .. }
        | Event::Waiting { .. }
        | Event::Fetched { .. }
        | Event::TurnClaimed { .. }
        | Event::Transcript { .. }
        | Event::ToolCall { .. }
        | Event::Completed { .. }
        | Event::BudgetReached { .. }
        | Event::StuckDetected { .. }
        | Event::Stopped { .. }
        | Event::RunEnded { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Actor;

    #[test]
    fn phases_print_the_lines_people_know() {
        let routed = Event::Routed {
            actor: Actor::RALPH,
            iteration: 3,
            prompt: "main.md",
            source: "deterministic",
            reason: "main turn",
        };
        assert_eq!(
            line(&routed).map(|l| l.1).as_deref(),
            Some(
                "[router] iteration=3 actor=ralph prompt=main.md source=deterministic \
                 reason=main turn"
            )
        );
        let beat = Event::Heartbeat {
            actor: Actor::RALPH,
            waiting_on: WaitingOn::Peer,
            peer: Some(Actor::GALPH),
            waited_secs: 12,
            detail: "",
        };
        assert_eq!(
            line(&beat),
            Some((Level::Warning, "[baton] waiting for galph… 12s".to_owned()))
        );
        let claimed = Event::TurnClaimed {
            actor: Actor::GALPH,
            iteration: 1,
        };
        assert_eq!(line(&claimed), None, "for machines only");
    }
}
