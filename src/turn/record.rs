//! The turn record: a write-ahead file in the run directory (`.git/baton/turn.json`, or
//! `<logs_dir>/.baton/turn.json` outside a repository) that makes a stamp all or nothing.
//!
//! A stamp is four writes that no file system can make atomic together: the state file, the
//! journal line, the `[SYNC …]` stamp commit and (role mode) the push. Why a write-ahead record
//! rather than deriving the state from the journal or reconciling files at start: the record
//! holds the exact bytes to write, so the next start can finish the stamp without guessing who
//! wrote what, and each step is idempotent on its own (the state is rewritten as recorded, the
//! journal line is appended unless it is already the last one, the stamp commit is made only
//! when the state or journal differ from HEAD). The push needs no record: a restart pushes local
//! stamp commits the remote lacks before anything else (`modes::role::start`).
//!
//! Lifecycle: after the running marker is saved, the record holds the claimed state
//! (`stamp: null`); once the turn's outcome is known, the record gains the stamp, and only then
//! is anything of the stamp written; after the stamp is applied (and pushed, in role mode), the
//! record is removed. A start that finds a record (the lock proves its writer is dead) finishes
//! the stamp, or, for a turn that never got its stamp, restores the running marker if an agent
//! left the state file unreadable, so that the turn runs again.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::write_atomic_in_tree;
use crate::journal::JournalEntry;
use crate::state::{Actor, State};

/// File name of the record inside the run directory.
const RECORD_FILE: &str = "turn.json";

/// What a stamp writes, decided before any of it is written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct PendingStamp {
    /// The state to write, generation included.
    pub(crate) state: State,
    /// The journal line.
    pub(crate) entry: JournalEntry,
    /// The stamp commit's message (subject and trailers, see [`crate::turn::subject`]);
    /// `None` when no stamp commit is made (no git, dry run).
    pub(crate) commit: Option<String>,
}

/// One turn in flight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct TurnRecord {
    /// Whose turn.
    pub(crate) actor: Actor,
    /// The state as claimed (the running marker Baton wrote).
    pub(crate) claimed: State,
    /// The stamp, once decided.
    pub(crate) stamp: Option<PendingStamp>,
    /// The journal as sealed before the agent started (absent in records of earlier versions
    /// and once the stamp is decided: the journal was put back before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) journal: Option<SealedJournal>,
}

/// What a turn record keeps of the journal's seal: the files' identities and the commit that
/// has their content (HEAD when the seal was taken), so that a start after a crash puts back
/// what the agent changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SealedJournal {
    /// HEAD when the seal was taken (full SHA); `None` without git.
    pub(crate) head: Option<String>,
    /// The identities.
    pub(crate) mark: crate::journal::SealMark,
}

/// The record file of one run directory.
#[derive(Clone, Debug)]
pub(crate) struct RecordFile {
    path: PathBuf,
    /// Where its warnings go.
    events: crate::events::Events,
}

/// The record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RecordError {
    /// An io error.
    #[error("turn record `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: io::Error,
    },
    /// The file is not a record this version understands.
    #[error("turn record `{}` is unreadable: {message}; remove it to start over", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A record that cannot be read or written fails the command (exit 1); one this version does
/// not understand is a usage error (exit 2). Decided here because `crate::error` lies below the
/// turn and knows no turn.
impl From<RecordError> for crate::error::Error {
    fn from(error: RecordError) -> Self {
        let kind = match error {
            RecordError::Io { .. } => crate::error::ErrorKind::Failed,
            RecordError::Invalid { .. } => crate::error::ErrorKind::Usage,
        };
        crate::error::Error::new(kind, error)
    }
}

impl RecordFile {
    /// The record in `run_dir`; its warnings go to `events`.
    pub(crate) fn new(run_dir: &Path, events: crate::events::Events) -> RecordFile {
        RecordFile {
            path: run_dir.join(RECORD_FILE),
            events,
        }
    }

    /// The record left by an earlier run, if any.
    pub(crate) fn load(&self) -> Result<Option<TurnRecord>, RecordError> {
        let bytes = match crate::fsutil::read_regular(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(self.io(source)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| RecordError::Invalid {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }

    /// Writes `record` atomically (and durably: the stamp's writes follow it), never through
    /// a symlink planted at the run directory (one there is replaced, with a warning).
    pub(crate) fn save(&self, record: &TurnRecord) -> Result<(), RecordError> {
        let bytes = serde_json::to_vec_pretty(record)
            .expect("invariant: a TurnRecord (plain fields, JSON values) always serializes");
        let run_dir = crate::fsutil::parent_dir(&self.path);
        let replaced =
            write_atomic_in_tree(run_dir, &self.path, &bytes).map_err(|source| self.io(source))?;
        for replaced in replaced {
            warn_line!(self.events, "[baton] warning: {replaced}");
        }
        Ok(())
    }

    /// Removes the record; a missing one is fine.
    pub(crate) fn clear(&self) -> Result<(), RecordError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(self.io(source)),
        }
    }

    fn io(&self, source: io::Error) -> RecordError {
        RecordError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Outcome;

    fn record() -> TurnRecord {
        let state = State {
            generation: 7,
            ..State::default()
        };
        let entry = JournalEntry {
            iteration: 1,
            actor: Actor::GALPH,
            prompt: "supervisor.md".into(),
            source: "deterministic".into(),
            reason: "r".into(),
            agent: "stub".into(),
            started_at: "2026-11-21T10:04:05Z".into(),
            ended_at: "2026-11-21T10:04:06Z".into(),
            duration_ms: 1000,
            outcome: Outcome::Ok,
            exit_code: Some(0),
            head_before: None,
            head_after: None,
            files_changed: 0,
            insertions: 0,
            deletions: 0,
            log: String::new(),
            host: "h".into(),
            generation: 8,
            dirty_left: Vec::new(),
            state_ignored: Vec::new(),
            usage: crate::journal::Usage::default(),
            attempts: 1,
            retry_at: None,
            completion: None,
            notes_delivered: 0,
            journal_restored: Vec::new(),
            tasks: Vec::new(),
            task_problems: Vec::new(),
        };
        TurnRecord {
            actor: Actor::GALPH,
            claimed: state.clone(),
            stamp: Some(PendingStamp {
                state,
                entry,
                commit: Some("[SYNC i=1] actor=galph".into()),
            }),
            journal: None,
        }
    }

    #[test]
    fn a_record_round_trips_and_clears() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = RecordFile::new(&dir.path().join("run"), crate::events::Events::console());
        assert_eq!(file.load().expect("load"), None);
        file.save(&record()).expect("save");
        assert_eq!(file.load().expect("load"), Some(record()));
        file.clear().expect("clear");
        file.clear().expect("clear twice");
        assert_eq!(file.load().expect("load"), None);
    }

    #[test]
    fn an_unreadable_record_says_how_to_start_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = RecordFile::new(dir.path(), crate::events::Events::console());
        std::fs::write(dir.path().join(RECORD_FILE), b"{").expect("write");
        let err = file.load().expect_err("invalid");
        assert!(err.to_string().contains("remove it"), "{err}");
    }
}
