//! The event log subscriber: `logs/events.jsonl`, one JSON object per line (schema
//! [`SCHEMA`]). A log that cannot be written is a warning, once; it never fails a run.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;
use std::time::SystemTime;

use crate::events::Event;
use crate::fsutil::open_regular;
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
    pub(super) fn open(logs_dir: &Path) -> Option<Log> {
        let path = logs_dir.join(FILE_NAME);
        if std::fs::metadata(&path).is_ok_and(|m| m.len() >= ROTATE_BYTES)
            && let Err(e) = std::fs::rename(&path, logs_dir.join(PREVIOUS_NAME))
        {
            note!(
                "[baton] warning: event log `{}` not rotated: {e}",
                path.display()
            );
        }
        let opened = std::fs::create_dir_all(logs_dir)
            .and_then(|()| open_regular(&path, OpenOptions::new().create(true).append(true)));
        match opened {
            Ok(file) => Some(Log {
                file,
                seq: 0,
                failed: false,
            }),
            Err(e) => {
                note!("[baton] warning: event log `{}`: {e}", path.display());
                None
            }
        }
    }

    /// Appends `event` as one line.
    pub(super) fn write(&mut self, event: &Event<'_>) {
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
