//! The turn journal `sync/journal.jsonl`: one JSON line per finished turn (SPEC §9).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
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
    /// HEAD before the turn: a full SHA (journals of earlier versions hold 7-digit ones).
    pub head_before: Option<String>,
    /// HEAD after the turn (after auto-commit), a full SHA.
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
    /// Changes an agent made to the state file during the turn that Baton ignored (Baton owns
    /// the state; agents may set only `exit`/`exit_reason`): the names of the fields changed,
    /// or `invalid JSON` / `deleted` for the whole file. Omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_ignored: Vec<String>,
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
        let mut line = serde_json::to_vec(entry)
            .expect("invariant: a JournalEntry (plain fields) always serializes");
        line.push(b'\n');
        self.append_line(&line)
            .map_err(|source| self.io_error(source))
    }

    /// Creates the file if needed, writes `line` in one `O_APPEND` write, then `sync_data`.
    fn append_line(&self, line: &[u8]) -> io::Result<()> {
        if let Some(parent) = self.path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&self.path)?;
        file.write_all(line)?;
        file.sync_data()
    }

    /// The last `n` entries, oldest first, reading only the file's tail (seek from the end);
    /// lines that do not parse are skipped. A missing file gives an empty list.
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub fn tail(&self, n: usize) -> Result<Vec<JournalEntry>, JournalError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(self.io_error(source)),
        };
        let (bytes, from_start) = read_tail(file, n).map_err(|source| self.io_error(source))?;
        Ok(parse_last(&bytes, from_start, n))
    }

    fn io_error(&self, source: io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

/// Bytes read per backward step of [`Journal::tail`].
const TAIL_CHUNK: u64 = 8 * 1024;

/// Reads backwards from the end in chunks until the bytes hold `n + 1` newlines or the start is
/// reached. Returns the bytes and whether they begin at the start of the file.
fn read_tail(mut file: File, n: usize) -> io::Result<(Vec<u8>, bool)> {
    let mut pos = file.seek(SeekFrom::End(0))?;
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut newlines = 0;
    while pos > 0 && newlines <= n {
        let step = TAIL_CHUNK.min(pos);
        pos -= step;
        file.seek(SeekFrom::Start(pos))?;
        let len = usize::try_from(step).expect("invariant: a chunk is at most 8 KiB");
        let mut chunk = vec![0; len];
        file.read_exact(&mut chunk)?;
        newlines += chunk.iter().filter(|&&b| b == b'\n').count();
        chunks.push(chunk);
    }
    chunks.reverse();
    Ok((chunks.concat(), pos == 0))
}

/// Parses the last `n` non-empty lines of `bytes` (the first line is dropped as partial unless
/// `from_start`), skipping lines that do not parse.
fn parse_last(bytes: &[u8], from_start: bool, n: usize) -> Vec<JournalEntry> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if !from_start && !lines.is_empty() {
        lines.remove(0);
    }
    lines.retain(|line| !line.trim_ascii().is_empty());
    let skip = lines.len().saturating_sub(n);
    lines[skip..]
        .iter()
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(iteration: u64) -> JournalEntry {
        JournalEntry {
            iteration,
            actor: Actor::Ralph,
            prompt: "main.md".to_owned(),
            source: "deterministic".to_owned(),
            reason: "ralph's turn".to_owned(),
            agent: "claude".to_owned(),
            started_at: "2026-11-21T10:04:05Z".to_owned(),
            ended_at: "2026-11-21T10:14:05Z".to_owned(),
            duration_ms: 600_000,
            outcome: Outcome::Ok,
            exit_code: Some(0),
            head_before: Some("1a2b3c4".to_owned()),
            head_after: None,
            files_changed: 2,
            insertions: 10,
            deletions: 3,
            log: "logs/main/ralph/iter-00001.log".to_owned(),
            host: "box".to_owned(),
            generation: iteration * 2,
            dirty_left: Vec::new(),
            state_ignored: Vec::new(),
        }
    }

    fn journal() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::new(dir.path().join("sync/journal.jsonl"));
        (dir, journal)
    }

    #[test]
    fn append_writes_one_compact_line_per_entry() {
        let (_dir, journal) = journal();
        journal.append(&entry(1)).expect("append");
        let mut second = entry(2);
        second.dirty_left = vec!["notes.txt".to_owned()];
        journal.append(&second).expect("append");
        let text = fs::read_to_string(journal.path()).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(text.ends_with('\n'));
        assert!(lines[0].starts_with(r#"{"iteration":1,"actor":"ralph","prompt":"main.md""#));
        assert!(
            !lines[0].contains("dirty_left"),
            "empty dirty_left is omitted"
        );
        assert!(lines[1].ends_with(r#""generation":4,"dirty_left":["notes.txt"]}"#));
        assert_eq!(journal.tail(5).expect("tail"), vec![entry(1), second]);
    }

    #[test]
    fn tail_of_a_long_journal_returns_the_last_entries_in_order() {
        let (_dir, journal) = journal();
        let mut bytes = Vec::new();
        for iteration in 1..=10_000 {
            bytes.extend(serde_json::to_vec(&entry(iteration)).expect("json"));
            bytes.push(b'\n');
        }
        crate::fsutil::write_atomic(journal.path(), &bytes).expect("write");
        let tail = journal.tail(5).expect("tail");
        let iterations: Vec<u64> = tail.iter().map(|e| e.iteration).collect();
        assert_eq!(iterations, [9996, 9997, 9998, 9999, 10_000]);
        assert_eq!(journal.tail(0).expect("tail"), []);
    }

    #[test]
    fn tail_skips_unparsable_lines_and_handles_short_or_missing_files() {
        let (_dir, journal) = journal();
        assert_eq!(journal.tail(3).expect("missing file"), []);
        journal.append(&entry(1)).expect("append");
        let mut file = OpenOptions::new()
            .append(true)
            .open(journal.path())
            .expect("open");
        file.write_all(b"not json\n\n").expect("write");
        journal.append(&entry(2)).expect("append");
        file.write_all(br#"{"iteration": 3, "trunc"#)
            .expect("write");
        let iterations: Vec<u64> = journal
            .tail(10)
            .expect("tail")
            .iter()
            .map(|e| e.iteration)
            .collect();
        assert_eq!(iterations, [1, 2]);
        let iterations: Vec<u64> = journal
            .tail(2)
            .expect("tail")
            .iter()
            .map(|e| e.iteration)
            .collect();
        assert_eq!(
            iterations,
            [2],
            "the last 2 lines are entry 2 and the torn line"
        );
    }
}
