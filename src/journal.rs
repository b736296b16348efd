//! The turn journal `sync/journal.jsonl`: one JSON line per finished turn (SPEC §9).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::state::Actor;

/// How a turn ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The agent exited 0 (and the guards passed).
    Ok,
    /// The agent exited non-zero, was killed, or a guard or router check failed.
    Failed,
    /// `agent.timeout` ended it.
    Timeout,
    /// SIGINT or SIGTERM to baton ended it.
    Interrupted,
}

/// One finished turn. Times are UTC `YYYY-MM-DDTHH:MM:SSZ`; `duration_ms` is milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The iteration the turn ran in.
    pub iteration: u64,
    /// Who ran.
    pub actor: Actor,
    /// The prompt file that ran (e.g. `main.md`).
    pub prompt: String,
    /// `deterministic` or `router`.
    pub source: String,
    /// The router's reason.
    pub reason: String,
    /// The agent name.
    pub agent: String,
    /// Start of the turn.
    pub started_at: String,
    /// End of the turn.
    pub ended_at: String,
    /// Wall-clock length in milliseconds.
    pub duration_ms: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// The agent's exit code (`None` when killed by a signal or never started).
    pub exit_code: Option<i32>,
    /// Short HEAD before the turn.
    pub head_before: Option<String>,
    /// Short HEAD after the turn (after auto-commit).
    pub head_after: Option<String>,
    /// Files changed between the two heads.
    pub files_changed: u64,
    /// Lines inserted between the two heads.
    pub insertions: u64,
    /// Lines deleted between the two heads.
    pub deletions: u64,
    /// The turn log, relative to the workspace root.
    pub log: String,
    /// Host name of the machine that ran the turn.
    pub host: String,
    /// State generation after the stamp.
    pub generation: u64,
    /// Paths still dirty after auto-commit (omitted when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirty_left: Vec<String>,
}

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// An io error on the journal file.
    #[error("journal `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
}

/// The journal file at one path.
#[derive(Clone, Debug)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal at `path` (absolute).
    #[must_use]
    pub fn new(path: PathBuf) -> Self {
        Journal { path }
    }

    /// The journal's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line (creating file and parent directory), then `sync_data`.
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub fn append(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        let _ = entry;
        todo!("state helper")
    }

    /// The last `n` entries, oldest first, reading only the file's tail (seek from the end);
    /// lines that do not parse are skipped. A missing file gives an empty list.
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub fn tail(&self, n: usize) -> Result<Vec<JournalEntry>, JournalError> {
        let _ = n;
        todo!("state helper")
    }
}
