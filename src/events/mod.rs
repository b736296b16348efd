//! The event stream: every phase of a run is one typed [`Event`], emitted here and handed to
//! its subscribers — the console printer ([`console`]: today's `[turn] …` lines), the event log
//! `logs/events.jsonl` ([`log`]: one JSON object per line, a versioned schema, for `baton
//! watch`, `baton serve`, `jq` and log shippers) and `notify.command` ([`crate::notify`]).
//! The lower layers (turn, modes, git, executor) emit events and never print. [`EventView`]
//! is the one reader of the log: it folds its lines into what they say about the run now.
//!
//! Schema version 1, each line `{"v": 1, "seq": <n>, "ts": "<UTC>", "pid": <baton pid>,
//! "kind": "<kind>", …fields}` (documented in `docs/state.md`); readers must ignore kinds and
//! fields they do not know. Emitting never fails a run.
//!
//! The agent's own output is echoed by the executor as it streams (at pipe speed); the event
//! log gets it as `transcript` events, up to [`TRANSCRIPT_CAP`] bytes a turn.

mod console;
mod log;
mod view;

pub(crate) use log::FILE_NAME;
pub(crate) use view::{Decided, EventView, WorkerRun, Workers};

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use crate::config::Config;
use crate::journal::{Outcome, Usage};
use crate::state::{Actor, Status};

/// The most transcript text a turn puts in the event log (bytes); the turn log has it all.
pub(crate) const TRANSCRIPT_CAP: usize = 256 * 1024;

/// How serious a [`Event::Notice`] is: `info` goes to stdout, `warning` to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Level {
    /// Progress a person may want to see.
    Info,
    /// Something went wrong or needs attention, and the run goes on.
    Warning,
}

/// What a [`Event::Heartbeat`] is waiting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WaitingOn {
    /// The peer's turn (a role-mode daemon waiting for its own).
    Peer,
    /// A usage limit's reset time (`limit_until` in the state).
    Limit,
    /// A person's answer at an approval checkpoint.
    Approval,
}

/// Which commit a [`Event::Committed`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CommitKind {
    /// A role-mode running marker (the claim).
    Claim,
    /// Part of a turn's work, taken by auto-commit.
    Autocommit,
    /// A turn's stamp (state and journal).
    Stamp,
    /// A state-only change between turns (stop flag, note, approval).
    State,
    /// A worker's landing: the merge commit of its branch into the shared branch.
    Land,
}

/// One phase of a run.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Event<'a> {
    /// A run started: `mode` is `combined`, `supervisor`, `loop` or `role`.
    RunStarted {
        mode: &'a str,
        actor: Option<Actor>,
        host: &'a str,
    },
    /// A role-mode daemon waits for its turn (`peer`'s, or until a person answers): the lease
    /// advertised in the state as it last pulled it, when a turn is running.
    Waiting {
        actor: Actor,
        peer: Actor,
        lease_owner: Option<&'a str>,
        lease_expires_at: Option<&'a str>,
    },
    /// Still waiting (every `agent.heartbeat`): `actor` is the actor whose turn waits,
    /// `waiting_on` what for, `detail` one line for people (the peer's lease, the limit's
    /// countdown, the waiting turn; may be empty).
    Heartbeat {
        actor: Actor,
        waiting_on: WaitingOn,
        /// Whose turn it is, when `waiting_on` is `peer` and the state says.
        peer: Option<Actor>,
        waited_secs: u64,
        detail: &'a str,
    },
    /// A turn was claimed (the running marker written).
    TurnClaimed { actor: Actor, iteration: u64 },
    /// A worker took a task (`workflow.workers`): `worker` is `<actor>-<n>`, `branch` its
    /// branch, in a worktree of its own.
    WorkerStarted {
        actor: Actor,
        iteration: u64,
        worker: &'a str,
        task: &'a str,
        branch: &'a str,
    },
    /// A worker's task ended: `landing` says how (`landed`, `conflict`, `red`, `failed`,
    /// `limited`, `interrupted`), `merge` is the merge commit of a landed task, `conflicts`
    /// the paths of a conflict, `error` why it did not land.
    WorkerEnded {
        actor: Actor,
        iteration: u64,
        worker: &'a str,
        task: &'a str,
        landing: crate::journal::Landing,
        merge: Option<&'a str>,
        conflicts: &'a [String],
        error: Option<&'a str>,
    },
    /// The turn's prompt was chosen.
    Routed {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
        source: &'a str,
        reason: &'a str,
    },
    /// An agent run started; `rule` is the configuration that chose the agent, `log` the turn
    /// log that holds its rendered transcript.
    AgentStarted {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
        agent: &'a str,
        rule: &'a str,
        log: &'a Path,
    },
    /// A piece of the running agent's transcript (whole lines; capped per turn, see
    /// [`TRANSCRIPT_CAP`]; `truncated` once the cap is reached).
    Transcript { text: &'a str, truncated: bool },
    /// A tool call of the running agent, read from its structured output (claude, codex,
    /// gemini, opencode): the tool's name and its main argument; counted in the same cap.
    ToolCall { name: &'a str, arg: Option<&'a str> },
    /// A transient failure or a stall: the same agent runs again after `wait_ms` (`wait_secs`
    /// in whole seconds, as the first readers of the log know it), as run number `attempt` of
    /// at most `of`.
    Retry {
        actor: Actor,
        reason: &'a str,
        attempt: u32,
        of: u32,
        wait_ms: u64,
        wait_secs: u64,
    },
    /// An agent hit a usage limit and a fallback agent runs instead.
    Fallback {
        actor: Actor,
        from: &'a str,
        to: &'a str,
        reason: &'a str,
    },
    /// A commit Baton made.
    Committed {
        what: CommitKind,
        sha: &'a str,
        subject: &'a str,
    },
    /// Baton pushed the branch (role mode).
    Pushed { remote: &'a str, branch: &'a str },
    /// A role-mode clone moved forward to the remote's commits (`sha`): the peer's claim,
    /// stamp, or a flag pushed from another clone arrived.
    Fetched {
        remote: &'a str,
        branch: &'a str,
        sha: &'a str,
    },
    /// The turn was stamped: the journal line's outcome and receipt, and the state after it.
    Stamped {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
        outcome: Outcome,
        duration_ms: u64,
        attempts: u32,
        usage: &'a Usage,
        head_after: Option<&'a str>,
        retry_at: Option<&'a str>,
        error: Option<&'a str>,
        status: Status,
        next_actor: Actor,
        next_iteration: u64,
    },
    /// The supervisor's completion claim passed its checks; the run stops.
    Completed {
        actor: Actor,
        iteration: u64,
        reason: &'a str,
    },
    /// A budget was reached: the stop flag is set.
    BudgetReached { iteration: u64, reason: &'a str },
    /// The loop made no progress: the stop flag is set.
    StuckDetected { iteration: u64, reason: &'a str },
    /// A turn waits for a person's approval (`approval.before`).
    ApprovalRequested {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
    },
    /// A person approved (`approved: true`) or rejected the waiting turn.
    ApprovalDecided {
        actor: Actor,
        iteration: u64,
        approved: bool,
        by: &'a str,
        note: Option<&'a str>,
    },
    /// A role-mode daemon found a commit that changed the state without being Baton's (a stamp
    /// that does not end the running claim, an approval not made by `baton approve`): `actor`
    /// is the daemon's, `iteration` the state's, `commit` the full SHA; both daemons are
    /// stopped.
    Alarm {
        actor: Actor,
        iteration: u64,
        commit: &'a str,
        reason: &'a str,
    },
    /// The run stops at a turn boundary: `why` is `flag`, `budget`, `stuck` or `complete`.
    Stopped { why: &'a str, reason: &'a str },
    /// The run ended with this exit code.
    RunEnded { code: u8 },
    /// Anything else worth a line: recoveries, warnings, what a dry run would commit.
    Notice { level: Level, text: &'a str },
}

/// The stream a run (or a command) emits its events into, handed to every subscriber: the
/// console always, the event log and `notify.command` for a run ([`Events::for_run`]). Cheap to
/// clone (one shared hub); the session that made it owns it, and dropping the last clone waits
/// for notifications still running.
#[derive(Clone)]
pub(crate) struct Events {
    hub: Arc<Hub>,
    /// The worker whose turn emits through this handle (see [`Events::for_worker`]).
    worker: Option<Arc<WorkerTag>>,
}

/// The worker and task an event of a worker's turn belongs to.
#[derive(Debug)]
pub(crate) struct WorkerTag {
    /// `ralph-2`.
    pub(crate) worker: String,
    /// The task id.
    pub(crate) task: String,
}

impl Default for Events {
    /// Console only (see [`Events::console`]).
    fn default() -> Self {
        Events::console()
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

/// The subscribers.
struct Hub {
    /// The event log, when a run opened one.
    log: Mutex<Option<log::Log>>,
    /// `notify.command` for a run: the configuration and the notifications still running.
    notify: Option<crate::notify::Notifier>,
}

impl Events {
    /// Events that reach the console only (commands that are not runs).
    #[must_use]
    pub(crate) fn console() -> Events {
        Events {
            hub: Arc::new(Hub {
                log: Mutex::new(None),
                notify: None,
            }),
            worker: None,
        }
    }

    /// A run's events: the console, the event log `<logs_dir>/events.jsonl` (appended to) and
    /// `notify.command`.
    #[must_use]
    pub(crate) fn for_run(config: &Config) -> Events {
        Events {
            hub: Arc::new(Hub {
                log: Mutex::new(log::Log::open(&config.logs_dir)),
                notify: Some(crate::notify::Notifier::new(config)),
            }),
            worker: None,
        }
    }

    /// The same stream for `worker`'s turn on `task`: its events carry `worker` and `task` in
    /// the event log, and its console lines name the worker.
    #[must_use]
    pub(crate) fn for_worker(&self, worker: &str, task: &str) -> Events {
        Events {
            hub: Arc::clone(&self.hub),
            worker: Some(Arc::new(WorkerTag {
                worker: worker.to_owned(),
                task: task.to_owned(),
            })),
        }
    }

    /// Hands `event` to the subscribers.
    pub(crate) fn emit(&self, event: &Event<'_>) {
        console::print(event, self.worker.as_deref());
        if let Some(log) = self
            .hub
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            log.write(event, self.worker.as_deref());
        }
        if let Some(notify) = &self.hub.notify {
            notify.on_event(event);
        }
    }

    /// Emits a [`Event::Committed`].
    pub(crate) fn committed(&self, what: CommitKind, sha: &str, subject: &str) {
        self.emit(&Event::Committed { what, sha, subject });
    }

    /// Emits a notice line.
    pub(crate) fn notice(&self, level: Level, text: &str) {
        self.emit(&Event::Notice { level, text });
    }

    /// A transcript sink for one agent run: its own share of [`TRANSCRIPT_CAP`].
    #[must_use]
    pub(crate) fn transcript(&self) -> Transcript {
        Transcript {
            events: self.clone(),
            used: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Waits for the notifications still running (each ends by `notify.timeout`).
    pub(crate) fn settle(&self) {
        if let Some(notify) = &self.hub.notify {
            notify.settle();
        }
    }

    /// Writes `event` to the event log only (transcript pieces: the executor echoes them).
    fn log_only(&self, event: &Event<'_>) -> bool {
        match self
            .hub
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            Some(log) => {
                log.write(event, self.worker.as_deref());
                true
            }
            None => false,
        }
    }
}

/// One agent run's transcript in the event log, capped at [`TRANSCRIPT_CAP`] bytes; clones
/// share the cap (the output pump and the structured-output reader both write to it).
#[derive(Clone, Debug)]
pub(crate) struct Transcript {
    events: Events,
    used: Arc<AtomicUsize>,
}

impl Transcript {
    /// The event stream it writes to.
    #[must_use]
    pub(crate) fn events(&self) -> &Events {
        &self.events
    }

    /// Logs a `tool_call` event while the run's share of [`TRANSCRIPT_CAP`] lasts (the console
    /// shows the call as a transcript line already). Nothing when no event log is open.
    pub(crate) fn tool_call(&self, name: &str, arg: Option<&str>) {
        let size = name.len() + arg.map_or(0, str::len);
        let used = self.used.load(Ordering::Relaxed);
        if used + size < TRANSCRIPT_CAP && self.events.log_only(&Event::ToolCall { name, arg }) {
            self.used.fetch_add(size, Ordering::Relaxed);
        }
    }

    /// Logs `text` (whole lines of the running agent's transcript) while the run's share of
    /// [`TRANSCRIPT_CAP`] lasts; the event that crosses it is marked `truncated`, later ones are
    /// dropped. Nothing when no event log is open. Returns whether more is wanted.
    pub(crate) fn text(&self, text: &str) -> bool {
        let used = self.used.load(Ordering::Relaxed);
        if used >= TRANSCRIPT_CAP {
            return false;
        }
        let room = TRANSCRIPT_CAP - used;
        let (text, truncated) = if text.len() > room {
            let mut cut = room;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            (&text[..cut], true)
        } else {
            (text, false)
        };
        if !self.events.log_only(&Event::Transcript { text, truncated }) {
            return false;
        }
        if truncated {
            self.used.store(TRANSCRIPT_CAP, Ordering::Relaxed);
        } else {
            self.used.fetch_add(text.len(), Ordering::Relaxed);
        }
        !truncated
    }
}
