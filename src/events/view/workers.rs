//! The workers of the event log (`workflow.workers`): each worker's run from its
//! `worker_started` to its `worker_ended`, with what its own turn's events say — its agent, its
//! transcript (the `transcript` pieces tagged with its `worker` and `task`, kept apart from the
//! main turn's), retries — and the newest ended ones with their landing, for display.
//!
//! Memory is bounded: at most [`TAIL_BYTES`] of transcript per worker, and [`ENDED`] ended
//! workers.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;

use super::{number, text};

/// How many ended workers are kept (the newest), for their landing.
pub(crate) const ENDED: usize = 12;

/// How much of a worker's transcript is kept: its last bytes, from a line start.
pub(crate) const TAIL_BYTES: usize = 64 * 1024;

/// One worker's run on one task.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct WorkerRun {
    /// Its number in this fold (1, 2, …): tells two runs of one worker apart.
    pub(crate) n: u64,
    /// `ralph-2`.
    pub(crate) worker: String,
    /// The actor it is a worker of.
    pub(crate) actor: String,
    /// The iteration of the step.
    pub(crate) iteration: u64,
    /// The task id.
    pub(crate) task: String,
    /// Its branch (`baton/ralph-2/<task>`).
    pub(crate) branch: Option<String>,
    /// When it started (UTC).
    pub(crate) started_at: Option<String>,
    /// The agent its turn runs (from its `agent_started`, or the fallback's).
    pub(crate) agent: Option<String>,
    /// The prompt its turn runs.
    pub(crate) prompt: Option<String>,
    /// Its turn log, as the event named it.
    pub(crate) log: Option<String>,
    /// The agent run under way: 1, then 2, … after a retry.
    pub(crate) attempt: u64,
    /// The last non-empty line of its transcript.
    pub(crate) last_line: Option<String>,
    /// How many bytes of transcript came (the kept tail is the last of them).
    pub(crate) transcript_bytes: u64,
    /// Whether its transcript reached the event log's cap (the turn log has the rest).
    pub(crate) truncated: bool,
    /// The kept tail of its transcript (at most [`TAIL_BYTES`], from a line start).
    #[serde(skip)]
    pub(crate) transcript: String,
    /// When it ended (UTC).
    pub(crate) ended_at: Option<String>,
    /// How it ended: `landed`, `conflict`, `red`, `failed`, `limited`, `interrupted`; `None`
    /// while it runs, or when its run ended without saying (a killed Baton).
    pub(crate) landing: Option<String>,
    /// The merge commit of a landed task.
    pub(crate) merge: Option<String>,
    /// The paths of a conflict.
    pub(crate) conflicts: Vec<String>,
    /// Why it did not land.
    pub(crate) error: Option<String>,
}

impl WorkerRun {
    /// The transcript text after position `seen` (a count of bytes as in
    /// [`WorkerRun::transcript_bytes`]); `None` when that is no longer kept.
    #[must_use]
    pub(crate) fn since(&self, seen: u64) -> Option<&str> {
        let base = self.transcript_bytes - self.transcript.len() as u64;
        let offset = usize::try_from(seen.checked_sub(base)?).ok()?;
        self.transcript.get(offset..)
    }

    /// Appends a transcript piece (whole lines), keeping the last [`TAIL_BYTES`] from a line
    /// start.
    fn push(&mut self, piece: &str) {
        self.transcript.push_str(piece);
        self.transcript_bytes += piece.len() as u64;
        if let Some(last) = piece.lines().rev().find(|l| !l.trim().is_empty()) {
            self.last_line = Some(last.trim_end().to_owned());
        }
        if self.transcript.len() > TAIL_BYTES {
            let mut cut = self.transcript.len() - TAIL_BYTES;
            while !self.transcript.is_char_boundary(cut) {
                cut += 1;
            }
            let cut = self.transcript[cut..]
                .find('\n')
                .map_or(cut, |nl| cut + nl + 1);
            self.transcript.drain(..cut);
        }
    }

    fn is(&self, worker: &str, task: &str) -> bool {
        self.worker == worker && self.task == task
    }
}

/// The running workers and the newest ended ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Workers {
    /// The workers running now, by actor and slot (`ralph-1`, `ralph-2`, …, `ralph-10`).
    pub(crate) running: Vec<WorkerRun>,
    /// The newest ended workers (at most [`ENDED`]), oldest first.
    pub(crate) ended: VecDeque<WorkerRun>,
    /// The last number given.
    #[serde(skip)]
    last: u64,
}

/// Sorts `ralph-2` before `ralph-10`.
fn slot_order(worker: &str) -> (&str, u64) {
    match worker.rsplit_once('-') {
        Some((actor, slot)) => (actor, slot.parse().unwrap_or(u64::MAX)),
        None => (worker, 0),
    }
}

impl Workers {
    /// The worker running `task`, or else the newest ended one that ran it.
    #[must_use]
    pub(crate) fn find(&self, worker: &str, task: &str) -> Option<&WorkerRun> {
        self.running
            .iter()
            .find(|w| w.is(worker, task))
            .or_else(|| self.ended.iter().rev().find(|w| w.is(worker, task)))
    }

    /// A `worker_started` line.
    pub(super) fn started(&mut self, line: &Value) {
        let (Some(worker), Some(task)) = (text(line, "worker"), text(line, "task")) else {
            return;
        };
        // The same worker and task again (a line read twice): the old one is over.
        self.running.retain(|w| !w.is(&worker, &task));
        let run = self.add(line, worker, task);
        run.branch = text(line, "branch");
    }

    /// An event of a worker's own turn (it carries `worker` and `task`).
    pub(super) fn tagged(&mut self, kind: &str, line: &Value) {
        let (Some(worker), Some(task)) = (text(line, "worker"), text(line, "task")) else {
            return;
        };
        let run = match self.running.iter().position(|w| w.is(&worker, &task)) {
            Some(at) => &mut self.running[at],
            // Joined after its `worker_started` (the log was read from its tail).
            None => self.add(line, worker, task),
        };
        match kind {
            "agent_started" => {
                run.agent = text(line, "agent");
                run.prompt = text(line, "prompt");
                run.log = text(line, "log");
            }
            "transcript" => {
                run.push(line.get("text").and_then(Value::as_str).unwrap_or_default());
                run.truncated |= line.get("truncated").and_then(Value::as_bool) == Some(true);
            }
            "retry" => run.attempt = number(line, "attempt").unwrap_or(run.attempt + 1),
            "fallback" => run.agent = text(line, "to"),
            _ => {}
        }
    }

    /// A `worker_ended` line.
    pub(super) fn ended(&mut self, line: &Value) {
        let (Some(worker), Some(task)) = (text(line, "worker"), text(line, "task")) else {
            return;
        };
        let mut run = match self.running.iter().position(|w| w.is(&worker, &task)) {
            Some(at) => self.running.remove(at),
            None => self.new_run(line, worker, task),
        };
        run.ended_at = text(line, "ts");
        run.landing = text(line, "landing");
        run.merge = text(line, "merge");
        run.conflicts = line
            .get("conflicts")
            .and_then(Value::as_array)
            .map(|paths| {
                paths
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        run.error = text(line, "error");
        self.keep_ended(run);
    }

    /// Every running worker ended without a landing (its run ended, or its process is gone).
    pub(super) fn end_all(&mut self, at: Option<&str>) {
        for mut run in std::mem::take(&mut self.running) {
            run.ended_at = at.map(str::to_owned);
            self.keep_ended(run);
        }
    }

    fn keep_ended(&mut self, run: WorkerRun) {
        if self.ended.len() == ENDED {
            self.ended.pop_front();
        }
        self.ended.push_back(run);
    }

    /// A new running worker from `line`, in its place by actor and slot.
    fn add(&mut self, line: &Value, worker: String, task: String) -> &mut WorkerRun {
        let run = self.new_run(line, worker, task);
        let at = self
            .running
            .partition_point(|w| slot_order(&w.worker) <= slot_order(&run.worker));
        self.running.insert(at, run);
        &mut self.running[at]
    }

    /// A worker's run as `line` (its first line seen) tells it.
    fn new_run(&mut self, line: &Value, worker: String, task: String) -> WorkerRun {
        self.last += 1;
        WorkerRun {
            n: self.last,
            actor: text(line, "actor").unwrap_or_default(),
            iteration: number(line, "iteration").unwrap_or(0),
            started_at: text(line, "ts"),
            attempt: 1,
            worker,
            task,
            ..WorkerRun::default()
        }
    }
}
