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
mod event;
mod log;
mod view;

pub(crate) use event::{CommitKind, Event, Level, WaitingOn};
pub(crate) use log::FILE_NAME;
pub(crate) use view::{Decided, EventView, WorkerRun, Workers};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::Config;

/// The most transcript text a turn puts in the event log (bytes); the turn log has it all.
pub(crate) const TRANSCRIPT_CAP: usize = 256 * 1024;

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
