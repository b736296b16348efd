//! Requests left by `baton stop`, `baton note` and `baton approve` / `reject` while a run holds
//! the workspace.
//!
//! The runner owns the state file while it runs (issue 6 §3), so `baton stop` does not write the
//! state under it: it leaves a request in the run directory (`stop.json`), which the runner
//! takes at the next turn boundary (or into the stamp of the turn in progress) and writes into
//! the state's `exit` / `exit_reason` itself. Without a running Baton, `baton stop` writes the
//! state directly.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::write_atomic;
use crate::turn::RecordError;

/// File name of the request inside the run directory.
const STOP_FILE: &str = "stop.json";

/// One request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct StopRequest {
    /// Becomes the state's `exit_reason`.
    reason: String,
}

/// The stop-request file of one run directory.
#[derive(Clone, Debug)]
pub(crate) struct StopFile {
    path: PathBuf,
}

impl StopFile {
    /// The request file in `run_dir`.
    pub(crate) fn new(run_dir: &Path) -> StopFile {
        StopFile {
            path: run_dir.join(STOP_FILE),
        }
    }

    /// The pending request's reason, if any. An unreadable request still asks to stop.
    pub(crate) fn pending(&self) -> Option<String> {
        let bytes = crate::fsutil::read_regular(&self.path).ok()?;
        let reason = serde_json::from_slice::<StopRequest>(&bytes)
            .map(|r| r.reason)
            .unwrap_or_else(|_| "stop requested (unreadable request file)".to_owned());
        Some(reason)
    }

    /// Leaves a request with `reason`.
    pub(crate) fn request(&self, reason: &str) -> Result<(), RecordError> {
        let bytes = serde_json::to_vec(&StopRequest {
            reason: reason.to_owned(),
        })
        .expect("invariant: a StopRequest (one string) always serializes");
        write_atomic(&self.path, &bytes).map_err(|source| self.io(source))
    }

    /// Removes the request once the state carries it; a missing one is fine.
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

/// File name of pending notes inside the run directory (one JSON object per line).
const NOTES_FILE: &str = "notes.jsonl";

/// Leaves `note` for the Baton that runs in `run_dir` (it writes it into the state at the next
/// turn boundary).
///
/// # Errors
/// [`RecordError::Io`].
pub(crate) fn request_note(run_dir: &Path, note: &crate::state::Note) -> Result<(), RecordError> {
    use std::io::Write as _;
    let path = run_dir.join(NOTES_FILE);
    let io = |source| RecordError::Io {
        path: path.clone(),
        source,
    };
    let mut line = serde_json::to_vec(note).expect("invariant: a Note (plain fields) serializes");
    line.push(b'\n');
    std::fs::create_dir_all(run_dir).map_err(io)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    file.write_all(&line).map_err(io)
}

/// The notes left in `run_dir`; unreadable lines are dropped. Remove them with
/// [`clear_notes`] once the state carries them (a crash in between writes them again, and
/// writing a note the state already has changes nothing).
pub(crate) fn pending_notes(run_dir: &Path) -> Vec<crate::state::Note> {
    let notes = crate::fsutil::read_regular(&run_dir.join(NOTES_FILE));
    let Some(text) = notes.ok().and_then(|bytes| String::from_utf8(bytes).ok()) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Removes the notes left in `run_dir`; a missing file is fine.
pub(crate) fn clear_notes(run_dir: &Path) {
    let _ = std::fs::remove_file(run_dir.join(NOTES_FILE));
}

/// File name of a pending approval decision inside the run directory.
const DECISION_FILE: &str = "approval.json";

/// Leaves `decision` (from `baton approve` / `baton reject`) for the Baton that runs in
/// `run_dir`; it applies it to the waiting turn at once. A second decision replaces the first.
///
/// # Errors
/// [`RecordError::Io`].
pub(crate) fn request_decision(
    run_dir: &Path,
    decision: &crate::state::Decision,
) -> Result<(), RecordError> {
    let path = run_dir.join(DECISION_FILE);
    let bytes =
        serde_json::to_vec(decision).expect("invariant: a Decision (plain fields) serializes");
    std::fs::create_dir_all(run_dir)
        .and_then(|()| write_atomic(&path, &bytes))
        .map_err(|source| RecordError::Io { path, source })
}

/// The decision left in `run_dir`, if any (an unreadable one is dropped). Remove it with
/// [`clear_decision`] once the state carries it.
pub(crate) fn pending_decision(run_dir: &Path) -> Option<crate::state::Decision> {
    let bytes = crate::fsutil::read_regular(&run_dir.join(DECISION_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Removes the decision left in `run_dir`; a missing file is fine.
pub(crate) fn clear_decision(run_dir: &Path) {
    let _ = std::fs::remove_file(run_dir.join(DECISION_FILE));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_pending_until_cleared() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = StopFile::new(&dir.path().join("run"));
        assert_eq!(file.pending(), None);
        file.request("enough for today").expect("request");
        assert_eq!(file.pending().as_deref(), Some("enough for today"));
        file.clear().expect("clear");
        assert_eq!(file.pending(), None);
        std::fs::write(dir.path().join("run").join(STOP_FILE), b"{").expect("garbage");
        assert!(
            file.pending().is_some(),
            "an unreadable request still stops"
        );
    }
}
