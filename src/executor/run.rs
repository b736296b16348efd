//! One agent process, start to end.

use std::path::PathBuf;
use std::time::Duration;

use crate::journal::Outcome;

/// What to run and how.
#[derive(Clone, Debug, Default)]
pub struct RunSpec {
    /// Program and arguments (no shell).
    pub argv: Vec<String>,
    /// Written to the agent's stdin, which is then closed.
    pub stdin: Vec<u8>,
    /// Working directory (the workspace root).
    pub cwd: PathBuf,
    /// Added to the inherited environment (`BATON_ACTOR`, …).
    pub env: Vec<(String, String)>,
    /// The turn log: created (with parents), starts with a `$ argv` header line, then the
    /// output as it arrives.
    pub log_path: PathBuf,
    /// Wall-clock limit; `None` = none.
    pub timeout: Option<Duration>,
    /// Print a "still running" line after this much silence; `None` = off.
    pub heartbeat: Option<Duration>,
    /// Echo output to baton's stdout/stderr.
    pub echo: bool,
    /// Keep up to this many bytes of stdout in memory (the router's answer); `None` = keep none.
    pub capture_stdout: Option<usize>,
    /// Short label for console lines, e.g. `galph supervisor.md (claude)`.
    pub label: String,
}

/// How the agent ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunResult {
    /// `Ok`, `Failed` (non-zero exit or killed), `Timeout` or `Interrupted`.
    pub outcome: Outcome,
    /// The exit code when it exited normally.
    pub exit_code: Option<i32>,
    /// The signal that killed it, if any.
    pub signal: Option<i32>,
    /// The signal baton received and forwarded (2 or 15) when `Interrupted`.
    pub interrupted_by: Option<i32>,
    /// Wall-clock time from spawn to the end of the whole group.
    pub duration: Duration,
    /// Captured stdout (at most `capture_stdout` bytes).
    pub stdout: Option<Vec<u8>>,
}

impl RunResult {
    /// `None` when ok, else the `last_error` text: `agent exited 7`, `agent killed by signal 9`,
    /// `timeout after 90m`, `interrupted`.
    #[must_use]
    pub fn error_text(&self, timeout: Option<Duration>) -> Option<String> {
        let _ = timeout;
        todo!("executor helper")
    }
}

/// Why an agent could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The program could not be started.
    #[error("start agent `{program}`")]
    Spawn {
        /// The program.
        program: String,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
    /// The turn log could not be created or written.
    #[error("turn log `{}`", path.display())]
    Log {
        /// The log file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
}

/// Runs the agent to its end (or timeout, or interruption), streaming its output.
///
/// # Errors
/// [`ExecError`] when it cannot start or the log cannot be written.
pub fn run(spec: &RunSpec) -> Result<RunResult, ExecError> {
    let _ = spec;
    todo!("executor helper")
}
