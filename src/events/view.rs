//! What the event log (`logs/events.jsonl`) says about the run right now, folded line by line
//! (for `baton serve` and `baton watch`):
//! the run in progress, the turn whose agent is running (and its transcript file), the
//! workers running and the newest ended ones ([`workers`]), a daemon waiting for its turn, the
//! last stop, and the newest events for the activity list.
//!
//! Pure: [`EventView::apply`] takes one parsed line. Lines of kinds this version does not know
//! (the log is versioned and grows) only show up in the activity list; `transcript` and
//! `tool_call` lines do not (the transcript panel reads the turn log), and heartbeats in a row
//! show as the newest. A line with a `worker` field is an event of that worker's own turn: it
//! updates the worker (its transcript pieces go to the worker's transcript), never the main
//! turn.

mod workers;

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;

pub(crate) use workers::{WorkerRun, Workers};

/// How many of the newest events the activity list keeps.
pub(crate) const RECENT: usize = 40;

/// The run the newest `run_started` began.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct RunInfo {
    /// The Baton process that writes the run's events.
    pub(crate) pid: Option<u64>,
    /// `combined`, `supervisor`, `loop` or `role`.
    pub(crate) mode: Option<String>,
    /// The actor of a single-actor or role run.
    pub(crate) actor: Option<String>,
    /// The machine.
    pub(crate) host: Option<String>,
    /// When it started (UTC).
    pub(crate) started_at: Option<String>,
    /// Its exit code, once `run_ended` came.
    pub(crate) ended: Option<u64>,
    /// When it ended (UTC).
    pub(crate) ended_at: Option<String>,
}

/// A turn whose agent started (the newest `agent_started`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct AgentTurn {
    /// `galph` or `ralph`.
    pub(crate) actor: String,
    /// The iteration.
    pub(crate) iteration: u64,
    /// The prompt file, from the turn's `routed` event.
    pub(crate) prompt: Option<String>,
    /// Why the router chose it.
    pub(crate) reason: Option<String>,
    /// The agent name.
    pub(crate) agent: Option<String>,
    /// The transcript file the agent's output goes to, as the event gave it.
    pub(crate) log: Option<String>,
    /// When the agent started (UTC).
    pub(crate) started_at: Option<String>,
    /// Whether the turn is still running (no `stamped` for it, and its run has not ended).
    pub(crate) running: bool,
}

/// A role-mode daemon waiting for its turn.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Waiting {
    /// Who waits.
    pub(crate) actor: String,
    /// Since when (UTC).
    pub(crate) since: Option<String>,
}

/// Why the run stopped at a turn boundary.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Stopped {
    /// `flag`, `budget`, `stuck` or `complete`.
    pub(crate) why: String,
    /// The reason given.
    pub(crate) reason: String,
}

/// A person's answer at an approval checkpoint (an `approval_decided` line).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Decided {
    /// The actor whose turn was answered.
    pub(crate) actor: String,
    /// That turn's iteration.
    pub(crate) iteration: u64,
    /// Approved (`true`) or rejected.
    pub(crate) approved: bool,
    /// Who answered.
    pub(crate) by: Option<String>,
    /// The person's note.
    pub(crate) note: Option<String>,
    /// When the line was written (UTC).
    pub(crate) at: Option<String>,
}

/// The fold of the event log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct EventView {
    /// The newest run.
    pub(crate) run: Option<RunInfo>,
    /// The newest turn whose agent started (running or finished); never a worker's.
    pub(crate) turn: Option<AgentTurn>,
    /// The workers running, and the newest ended ones with their landing.
    pub(crate) workers: Workers,
    /// A daemon waiting for its turn.
    pub(crate) waiting: Option<Waiting>,
    /// The newest run's stop, if it stopped at a boundary.
    pub(crate) stopped: Option<Stopped>,
    /// The newest events, oldest first, as written.
    pub(crate) recent: VecDeque<Value>,
    /// The newest answers at approval checkpoints (at most [`RECENT`]), oldest first; the
    /// dashboard marks them in its turns table.
    #[serde(skip)]
    pub(crate) decided: VecDeque<Decided>,
    /// The prompt and reason of the newest `routed` (`actor`, `iteration`, `prompt`, `reason`).
    #[serde(skip)]
    routed: Option<(String, u64, String, String)>,
}

fn text(line: &Value, key: &str) -> Option<String> {
    line.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn number(line: &Value, key: &str) -> Option<u64> {
    line.get(key).and_then(Value::as_u64)
}

impl EventView {
    /// Folds one event line in.
    pub(crate) fn apply(&mut self, line: &Value) {
        let Some(kind) = line.get("kind").and_then(Value::as_str) else {
            return;
        };
        let actor = text(line, "actor").unwrap_or_default();
        let iteration = number(line, "iteration").unwrap_or(0);
        let ts = text(line, "ts");
        match kind {
            "worker_started" => self.workers.started(line),
            "worker_ended" => self.workers.ended(line),
            // An event of a worker's own turn: the worker's, not the main turn's.
            _ if line.get("worker").is_some() => {
                self.workers.tagged(kind, line);
                if matches!(kind, "transcript" | "tool_call") {
                    return;
                }
            }
            "run_started" => {
                self.run = Some(RunInfo {
                    pid: number(line, "pid"),
                    mode: text(line, "mode"),
                    actor: text(line, "actor"),
                    host: text(line, "host"),
                    started_at: ts,
                    ended: None,
                    ended_at: None,
                });
                self.workers.end_all(None);
                self.end_turn();
                self.waiting = None;
                self.stopped = None;
            }
            "waiting" => self.waiting = Some(Waiting { actor, since: ts }),
            "turn_claimed" => self.waiting = None,
            "routed" => {
                let prompt = text(line, "prompt").unwrap_or_default();
                let reason = text(line, "reason").unwrap_or_default();
                self.routed = Some((actor, iteration, prompt, reason));
            }
            "agent_started" => {
                let routed = self
                    .routed
                    .as_ref()
                    .filter(|(a, i, ..)| *a == actor && *i == iteration);
                self.turn = Some(AgentTurn {
                    prompt: text(line, "prompt").or_else(|| routed.map(|r| r.2.clone())),
                    reason: routed.map(|r| r.3.clone()),
                    actor,
                    iteration,
                    agent: text(line, "agent"),
                    log: text(line, "log"),
                    started_at: ts,
                    running: true,
                });
                self.waiting = None;
            }
            "stamped"
                if self
                    .turn
                    .as_ref()
                    .is_some_and(|t| t.actor == actor && t.iteration == iteration) =>
            {
                self.end_turn();
            }
            "stopped" => {
                self.stopped = Some(Stopped {
                    why: text(line, "why").unwrap_or_default(),
                    reason: text(line, "reason").unwrap_or_default(),
                });
            }
            "approval_decided" => {
                if self.decided.len() == RECENT {
                    self.decided.pop_front();
                }
                self.decided.push_back(Decided {
                    actor,
                    iteration,
                    approved: line.get("approved").and_then(Value::as_bool) == Some(true),
                    by: text(line, "by"),
                    note: text(line, "note"),
                    at: ts,
                });
            }
            "run_ended" => {
                self.workers.end_all(ts.as_deref());
                if let Some(run) = &mut self.run {
                    run.ended = number(line, "code");
                    run.ended_at = ts;
                }
                self.end_turn();
                self.waiting = None;
            }
            // The transcript panel follows the turn log itself; its text and tool calls are
            // not activity.
            "transcript" | "tool_call" => return,
            // One waiting line, not one per heartbeat.
            "heartbeat"
                if self
                    .recent
                    .back()
                    .is_some_and(|last| last.get("kind") == line.get("kind")) =>
            {
                self.recent.pop_back();
            }
            _ => {}
        }
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(line.clone());
    }

    fn end_turn(&mut self) {
        if let Some(turn) = &mut self.turn {
            turn.running = false;
        }
    }

    /// Marks the run as gone without a `run_ended` (its process died, e.g. SIGKILL): nothing
    /// of it runs any more.
    pub(crate) fn mark_gone(&mut self) {
        self.end_turn();
        self.workers.end_all(None);
        self.waiting = None;
    }
}

#[cfg(test)]
mod tests;
