//! Any past turn, on request (`docs/serve.md`, "Endpoints"): `GET /api/turn/<n>/diff` (the
//! files the turn changed with their line counts, and its commits, read through the repository
//! from the journal line's `head_before..head_after`) and `GET /api/turn/<n>/transcript` (its
//! turn log, read only beneath `logs_dir` as the live transcript is). `<n>` is the turn's
//! number in the journal the snapshot shows (its `turns[].n`).
//!
//! Bounded: at most [`MAX_FILES`] files and [`MAX_COMMITS`] commits, the last [`KEEP_BYTES`]
//! of a log, and [`AT_ONCE`] answers worked on at a time (the rest wait), so a page opening
//! turn after turn — or a client asking for a huge diff in a loop — cannot take the machine.

use std::collections::BTreeSet;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};

use super::follow::Live;
use super::history::{INDEXED, TurnRef};
use super::transcript::KEEP_BYTES;
use crate::git::Repo;
use crate::observe::Place;

/// The most files a diff answer lists (all are counted).
pub(crate) const MAX_FILES: usize = 300;

/// The most commits a diff answer lists.
pub(crate) const MAX_COMMITS: usize = 100;

/// The most characters of a commit subject sent.
const SUBJECT_CHARS: usize = 200;

/// How many answers are worked on at once.
const AT_ONCE: usize = 2;

/// What is asked about a turn.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ask {
    /// Its files and commits.
    Diff,
    /// Its turn log.
    Transcript,
}

/// Where past turns are read from.
#[derive(Debug)]
pub(crate) struct Past {
    /// The workspace root (the repository's work tree; turn logs are relative to it).
    root: PathBuf,
    /// `logs_dir`: no turn log is read elsewhere.
    logs_dir: PathBuf,
    /// This machine's name, to tell a log on another machine from one that is gone.
    host: String,
    permits: Semaphore,
    /// The refused logs already said on stderr (each is said once, however often it is
    /// asked for; at most [`WARNED`] are remembered).
    warned: Mutex<BTreeSet<String>>,
}

/// How many refused logs [`Past`] remembers having warned about.
const WARNED: usize = 1000;

impl Past {
    /// Past turns of the workspace at `root`, their logs beneath `logs_dir`.
    pub(crate) fn new(root: PathBuf, logs_dir: PathBuf) -> Past {
        Past {
            root,
            logs_dir,
            host: crate::process::hostname(),
            permits: Semaphore::new(AT_ONCE),
            warned: Mutex::default(),
        }
    }
}

/// Answers `ask` about turn `n` (as the path gave it) of the journal in `live`: 400 for a
/// number that is not one, 404 for a turn the index does not hold, else what [`diff`] or
/// [`transcript`] say.
pub(crate) async fn answer(
    past: &Arc<Past>,
    live: &watch::Receiver<Arc<Live>>,
    n: &str,
    ask: Ask,
) -> Response {
    let Ok(n) = n.parse::<u64>() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "a turn number (1, 2, …)".to_owned(),
        );
    };
    let turn = live.borrow().index.get(n).cloned();
    let Some(turn) = turn else {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("no turn {n} in the journal (the newest {INDEXED} can be asked about)"),
        );
    };
    let Ok(_permit) = past.permits.acquire().await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "stopping".to_owned());
    };
    let work = Arc::clone(past);
    let answered = tokio::task::spawn_blocking(move || match ask {
        Ask::Diff => diff(&work.root, n, &turn),
        Ask::Transcript => transcript(&work, n, &turn),
    })
    .await;
    match answered {
        Ok((status, body)) => (status, Json(body)).into_response(),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

fn refuse(status: StatusCode, error: String) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// The turn's files and commits, from the repository at `root`: `{"n", "actor", "iteration",
/// "head_before", "head_after", "files": [{"path", "status", "insertions", "deletions",
/// "binary"}], "files_total", "commits": [{"sha", "subject", "author", "at"}], "commits_more"}`.
/// 404 with `{"error"}` when the commits are not in this clone (or it is no repository).
pub(crate) fn diff(root: &Path, n: u64, turn: &TurnRef) -> (StatusCode, Value) {
    let mut answer = json!({
        "n": n,
        "actor": turn.actor,
        "iteration": turn.iteration,
        "head_before": turn.head_before,
        "head_after": turn.head_after,
        "files": [],
        "files_total": 0,
        "commits": [],
        "commits_more": false,
    });
    let Some(after) = turn.head_after.as_deref() else {
        answer["problem"] = json!("the journal records no HEAD after this turn");
        return (StatusCode::OK, answer);
    };
    let missing = |why: String| {
        let error = format!("turn {n}'s commits cannot be read in this clone ({why})");
        (StatusCode::NOT_FOUND, json!({ "error": error }))
    };
    let git = |e: crate::git::GitError| missing(format!("{:#}", anyhow::Error::new(e)));
    let repo = match Repo::discover(root) {
        Ok(Some(repo)) => repo,
        Ok(None) => return missing("not a git repository".to_owned()),
        Err(e) => return git(e),
    };
    let before = turn.head_before.as_deref();
    let stats = match repo.file_stats(before, Some(after), MAX_FILES) {
        Ok(stats) => stats,
        Err(e) => return git(e),
    };
    let mut commits = match repo.log(after, before, false, MAX_COMMITS + 1) {
        Ok(commits) => commits,
        Err(e) => return git(e),
    };
    let more = commits.len() > MAX_COMMITS;
    commits.truncate(MAX_COMMITS);
    answer["files"] = stats
        .files
        .iter()
        .map(|f| {
            json!({
                "path": f.path, "status": f.status, "insertions": f.insertions,
                "deletions": f.deletions, "binary": f.binary,
            })
        })
        .collect();
    answer["files_total"] = json!(stats.total);
    answer["commits"] = commits
        .iter()
        .map(|c| {
            let at = u64::try_from(c.time).ok().map(|secs| {
                crate::state::format_utc(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            });
            json!({
                "sha": c.sha,
                "subject": c.subject.chars().take(SUBJECT_CHARS).collect::<String>(),
                "author": c.author.chars().take(SUBJECT_CHARS).collect::<String>(),
                "at": at,
            })
        })
        .collect();
    answer["commits_more"] = json!(more);
    (StatusCode::OK, answer)
}

/// The turn's log, its last [`KEEP_BYTES`] (from a line start): `{"n", "actor", "iteration",
/// "log", "host", "size", "from", "text"}` (`from`: the byte the text starts at). 404 with
/// `{"error", "host", "elsewhere"}` when the log is not here (`elsewhere`: the turn ran on
/// another machine); 403 when the journal names a file outside `logs_dir`, or a symlink or
/// anything but a regular file is in its place (said on stderr, once).
pub(crate) fn transcript(past: &Past, n: u64, turn: &TurnRef) -> (StatusCode, Value) {
    let log = turn.log.as_str();
    let refused = |why: String| {
        let error = format!("turn {n}'s log `{log}`: {why}: not shown");
        let mut warned = past.warned.lock().unwrap_or_else(PoisonError::into_inner);
        if warned.len() < WARNED && warned.insert(error.clone()) {
            note!("baton: warning: {error}");
        }
        (StatusCode::FORBIDDEN, json!({ "error": error }))
    };
    let Some(place) = Place::beneath(&past.logs_dir, &past.root, Path::new(log)) else {
        return refused(format!("outside `{}`", past.logs_dir.display()));
    };
    let mut file = match place.open() {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let elsewhere = turn.host != past.host;
            let error = if elsewhere {
                format!(
                    "turn {n}'s log is on {}, the machine that ran it: transcripts stay there",
                    turn.host
                )
            } else {
                format!(
                    "turn {n}'s log `{log}` is not in this clone: it ran in another clone on \
                     {}, or the log was removed",
                    turn.host
                )
            };
            let body = json!({ "error": error, "host": turn.host, "elsewhere": elsewhere });
            return (StatusCode::NOT_FOUND, body);
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => return refused(e.to_string()),
        Err(e) => {
            let error = format!("turn {n}'s log `{log}`: {e}");
            return (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": error }));
        }
    };
    let (from, text) = match tail(&mut file) {
        Ok(read) => read,
        Err(e) => {
            let error = format!("turn {n}'s log `{log}`: {e}");
            return (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": error }));
        }
    };
    let size = file.metadata().map_or(0, |m| m.len());
    let body = json!({
        "n": n, "actor": turn.actor, "iteration": turn.iteration, "log": log,
        "host": turn.host, "size": size, "from": from, "text": text,
    });
    (StatusCode::OK, body)
}

/// The last [`KEEP_BYTES`] of `file` (at most), starting at a line: (the offset of the first
/// byte returned, the text, lossily decoded).
fn tail(file: &mut std::fs::File) -> std::io::Result<(u64, String)> {
    let len = file.metadata()?.len();
    let start = len.saturating_sub(KEEP_BYTES as u64);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(KEEP_BYTES as u64).read_to_end(&mut bytes)?;
    let mut skip = 0;
    if start > 0 {
        // A cut line, or a cut character, is not shown half.
        skip = memchr::memchr(b'\n', &bytes).map_or(0, |i| i + 1);
    }
    let text = String::from_utf8_lossy(&bytes[skip..]).into_owned();
    Ok((start + skip as u64, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_long_log_is_read_from_a_line_start_in_its_last_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.log");
        let mut file = std::fs::File::create(&path).expect("create");
        let line = format!("{}☃\n", "x".repeat(99));
        for _ in 0..(KEEP_BYTES / line.len() + 10) {
            file.write_all(line.as_bytes()).expect("write");
        }
        file.write_all(b"the end").expect("write");
        let mut file = std::fs::File::open(&path).expect("open");
        let (from, text) = tail(&mut file).expect("tail");
        assert!(text.len() <= KEEP_BYTES);
        assert!(
            text.starts_with('x') && text.ends_with("\nthe end"),
            "whole lines"
        );
        assert!(!text.contains('\u{FFFD}'), "no cut character");
        let len = std::fs::metadata(&path).expect("meta").len();
        assert_eq!(from + text.len() as u64, len);

        std::fs::write(&path, "short\n").expect("write");
        let mut file = std::fs::File::open(&path).expect("open");
        assert_eq!(tail(&mut file).expect("tail"), (0, "short\n".to_owned()));
    }
}
