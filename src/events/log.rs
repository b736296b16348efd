//! The event log subscriber: `logs/events.jsonl`, one JSON object per line (schema
//! [`SCHEMA`]). A log that cannot be written is a warning, once; it never fails a run.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::time::SystemTime;

use crate::events::Event;
use crate::fsutil::{Access, open_in_tree};
use crate::state::format_utc;

/// The schema version written in every line (`v`).
pub(crate) const SCHEMA: u32 = 1;

/// The file name of the event log in `logs_dir`.
pub(crate) const FILE_NAME: &str = "events.jsonl";

/// A log this large (bytes) when a run opens it is kept as `events.1.jsonl` (replacing the
/// one kept before) and a new one begins, so that the event log of a long-lived workspace stays
/// bounded (at most about twice this).
pub(crate) const ROTATE_BYTES: u64 = 64 * 1024 * 1024;

/// The file name the previous log is kept under.
pub(crate) const PREVIOUS_NAME: &str = "events.1.jsonl";

/// The open log: the file and the last sequence number written.
pub(super) struct Log {
    file: File,
    seq: u64,
    failed: bool,
}

impl Log {
    /// Opens (appends to) `<logs_dir>/events.jsonl`, rotated first when it reached
    /// [`ROTATE_BYTES`]; `None`, with a warning, when it cannot be opened.
    ///
    /// Neither the log nor `logs_dir` is written through a symlink (an agent can plant one to
    /// make Baton append to a file outside the workspace): one found there is replaced by
    /// Baton's own file or directory, with a warning.
    pub(super) fn open(logs_dir: &Path) -> Option<Log> {
        let path = logs_dir.join(FILE_NAME);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() >= ROTATE_BYTES)
            && let Err(e) = std::fs::rename(&path, logs_dir.join(PREVIOUS_NAME))
        {
            note!(
                "[baton] warning: event log `{}` not rotated: {e}",
                path.display()
            );
        }
        match open_in_tree(logs_dir, &path, Access::Append) {
            Ok(owned) => {
                for replaced in &owned.replaced {
                    note!("[baton] warning: event log: {replaced}");
                }
                Some(Log {
                    file: owned.file,
                    seq: 0,
                    failed: false,
                })
            }
            Err(e) => {
                note!("[baton] warning: event log `{}`: {e}", path.display());
                None
            }
        }
    }

    /// Appends `event` as one line; `worker`, when set, adds `"worker"` and `"task"` fields
    /// (an event of a worker's turn).
    pub(super) fn write(&mut self, event: &Event<'_>, worker: Option<&super::WorkerTag>) {
        let mut value = match serde_json::to_value(event) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return,
        };
        self.seq += 1;
        let mut line = serde_json::Map::new();
        line.insert("v".into(), SCHEMA.into());
        line.insert("seq".into(), self.seq.into());
        line.insert("ts".into(), format_utc(SystemTime::now()).into());
        line.insert("pid".into(), std::process::id().into());
        if let Some(tag) = worker {
            line.insert("worker".into(), tag.worker.clone().into());
            line.insert("task".into(), tag.task.clone().into());
        }
        line.append(&mut value);
        let mut bytes = serde_json::Value::Object(line).to_string().into_bytes();
        bytes.push(b'\n');
        if let Err(e) = self.file.write_all(&bytes)
            && !self.failed
        {
            self.failed = true;
            note!("[baton] warning: event log not written: {e}");
        }
    }
}
