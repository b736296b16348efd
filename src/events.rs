//! The run's event log, `logs/events.jsonl`: one JSON object per line for every phase of a
//! run, for tools that follow a run (a dashboard, `jq`, a log shipper). Schema version 1, each
//! line `{"v": 1, "seq": <n>, "ts": "<UTC>", "pid": <baton pid>, "kind": "<kind>", …fields}`
//! (documented in `docs/state.md`); readers must ignore kinds and fields they do not know.
//!
//! The log is opened once per run (`open`); emitting never fails a run: a log that cannot be
//! written is a warning, once.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use serde::Serialize;

use crate::journal::{Outcome, Usage};
use crate::state::{Actor, format_utc};

/// The schema version written in every line (`v`).
pub(crate) const SCHEMA: u32 = 1;

/// The file name of the event log in `logs_dir`.
pub(crate) const FILE_NAME: &str = "events.jsonl";

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
    /// A role-mode daemon waits for its turn.
    Waiting { actor: Actor },
    /// A turn was claimed (the running marker written).
    TurnClaimed { actor: Actor, iteration: u64 },
    /// The turn's prompt was chosen.
    Routed {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
        source: &'a str,
        reason: &'a str,
    },
    /// An agent run started.
    AgentStarted {
        actor: Actor,
        iteration: u64,
        agent: &'a str,
        log: &'a Path,
    },
    /// The turn was stamped: the journal line's outcome and receipt.
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
    },
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
    /// The run stops at a turn boundary: `why` is `flag`, `budget`, `stuck` or `complete`.
    Stopped { why: &'a str, reason: &'a str },
    /// The run ended with this exit code.
    RunEnded { code: u8 },
}

/// The open log: the file and the next sequence number.
struct Log {
    file: File,
    seq: u64,
    failed: bool,
}

static LOG: Mutex<Option<Log>> = Mutex::new(None);

/// Opens (appends to) `<logs_dir>/events.jsonl` for this run.
pub(crate) fn open(logs_dir: &Path) {
    let path = logs_dir.join(FILE_NAME);
    let opened = std::fs::create_dir_all(logs_dir)
        .and_then(|()| OpenOptions::new().create(true).append(true).open(&path));
    let mut slot = LOG.lock().unwrap_or_else(PoisonError::into_inner);
    match opened {
        Ok(file) => {
            *slot = Some(Log {
                file,
                seq: 0,
                failed: false,
            });
        }
        Err(e) => note!("[baton] warning: event log `{}`: {e}", path.display()),
    }
}

/// Appends `event` as one line (nothing when no log is open).
pub(crate) fn emit(event: &Event<'_>) {
    let mut slot = LOG.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(log) = slot.as_mut() else {
        return;
    };
    log.seq += 1;
    let mut value = match serde_json::to_value(event) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => return,
    };
    let mut line = serde_json::Map::new();
    line.insert("v".into(), SCHEMA.into());
    line.insert("seq".into(), log.seq.into());
    line.insert("ts".into(), format_utc(SystemTime::now()).into());
    line.insert("pid".into(), std::process::id().into());
    line.append(&mut value);
    let mut bytes = serde_json::Value::Object(line).to_string().into_bytes();
    bytes.push(b'\n');
    if let Err(e) = log.file.write_all(&bytes)
        && !log.failed
    {
        log.failed = true;
        note!("[baton] warning: event log not written: {e}");
    }
}
