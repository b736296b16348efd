//! The errors users see, and the one place they are printed.
//!
//! Every command returns [`Result`]; its [`Error`] carries an [`ErrorKind`] that decides the exit
//! code (README), a message with its context chain, and hints printed apart from the message
//! (jj's `CommandError`). Each module keeps its own typed errors (`ConfigError`, `StateError`,
//! `GitError`, …); a `From` impl into [`Error`] is the only place that decides which kind each
//! one is, so no exit code is ever decided by downcasting or by string. Those impls are below,
//! except the turn record's, which sits beside its type: this module lies below the turn.
//!
//! Exit codes: 0 done (or stop flag, or a closed stdout pipe); 1 an operation failed (a turn,
//! git, io); 2 usage, config or state error — and nothing was written; 3 a budget stopped the
//! run (cleanly, at a turn boundary); 128 + N interrupted by
//! signal N (130 SIGINT, 143 SIGTERM); 255 an internal bug.
//!
//! A command whose standard output was closed early (`baton stats --json | head -1`) ends
//! quietly with 0 whatever it was printing with: [`report`] is the one place that decides it,
//! for every command, from the error's chain and the state of standard output.

use std::fmt;
use std::io;
use std::process::ExitCode;

/// Every exit code and what it means, in the words of the README's table (a test keeps the two
/// equal); the man page's EXIT STATUS section is printed from it.
pub(crate) const EXIT_CODES: &[(&str, &str)] = &[
    (
        "0",
        "done, or stopped by the `exit` flag, or standard output was closed early (a reader such \
         as `head -1` left)",
    ),
    (
        "1",
        "a turn failed (agent error, timeout, guard, router answer, git), another runner holds \
         the workspace, a live process holds a git lock Baton needs, or the shared branch was \
         rewritten",
    ),
    (
        "2",
        "usage, config or state error, a missing or empty prompt, a missing agent, no workspace: \
         found before anything ran, and nothing was written",
    ),
    (
        "3",
        "a budget (`budget.*`) was reached: a clean stop at a turn boundary; starting again \
         stops at once until the limit is raised",
    ),
    (
        "4",
        "the loop is stuck (`stuck.iterations`), or one actor's turns were limited too many \
         times in a row: a clean stop; `baton resume` clears the flag",
    ),
    (
        "130 / 143",
        "interrupted by SIGINT / SIGTERM (the turn is stamped `failed`, `interrupted`); `baton \
         serve` and `baton watch` leave with 0",
    ),
    ("255", "a bug in Baton"),
];

/// What kind of failure an [`Error`] is; decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// Usage, configuration or state error, found before anything was written: exit 2.
    Usage,
    /// An operation failed (a turn, git, io): exit 1.
    Failed,
    /// Interrupted by signal N (2 or 15): exit 128 + N, nothing more printed.
    Interrupted(i32),
    /// A budget (`budget.*`) was reached and the run stopped cleanly at a turn boundary: exit 3.
    Budget,
    /// The loop was stuck (`stuck.iterations`) and stopped cleanly at a turn boundary: exit 4.
    Stuck,
    /// A bug in Baton: exit 255.
    Internal,
}

impl ErrorKind {
    /// The process exit code of this kind.
    #[must_use]
    pub(crate) fn code(self) -> u8 {
        match self {
            ErrorKind::Usage => 2,
            ErrorKind::Failed => 1,
            ErrorKind::Interrupted(signal) => u8::try_from(128 + signal).unwrap_or(255),
            ErrorKind::Budget => 3,
            ErrorKind::Stuck => 4,
            ErrorKind::Internal => 255,
        }
    }
}

/// A failure with its kind, message chain and hints.
pub(crate) struct Error {
    kind: ErrorKind,
    error: anyhow::Error,
    hints: Vec<String>,
}

/// `Result` with [`Error`] as the default error.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` around `error` (a typed error or a message).
    pub(crate) fn new(kind: ErrorKind, error: impl Into<anyhow::Error>) -> Error {
        Error {
            kind,
            error: error.into(),
            hints: Vec::new(),
        }
    }

    /// A usage, configuration or state error (exit 2) with `message`.
    pub(crate) fn usage(message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Usage, anyhow::anyhow!("{message}"))
    }

    /// An operation failure (exit 1) with `message`.
    pub(crate) fn failed(message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Failed, anyhow::anyhow!("{message}"))
    }

    /// A clean stop because a budget was reached (exit 3); `reason` starts with `budget:`.
    pub(crate) fn budget(reason: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Budget, anyhow::anyhow!("{reason}")).with_hint(
            "raise or remove that limit (budget.* in orchestration.yaml) and start again; the \
             run resumes where it stopped",
        )
    }

    /// A clean stop because the loop made no progress (exit 4); `reason` starts with `stuck:`.
    pub(crate) fn stuck(reason: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Stuck, anyhow::anyhow!("{reason}")).with_hint(
            "look at the last turns (baton logs, baton stats); clear the stop flag with \
             `baton resume` to go on",
        )
    }

    /// Interrupted by `signal` (exit 128 + signal).
    #[must_use]
    pub(crate) fn interrupted(signal: i32) -> Error {
        Error::new(
            ErrorKind::Interrupted(signal),
            anyhow::anyhow!("interrupted by signal {signal}"),
        )
    }

    /// Adds a hint: what to do next, printed after the message.
    #[must_use]
    pub(crate) fn with_hint(mut self, hint: impl fmt::Display) -> Error {
        self.hints.push(hint.to_string());
        self
    }

    /// Wraps the message in `context` ("what we were doing"); the kind and hints stay.
    #[must_use]
    pub(crate) fn context(self, context: impl fmt::Display + Send + Sync + 'static) -> Error {
        Error {
            error: self.error.context(context),
            ..self
        }
    }

    /// Whether the error (not its context) is an `E`.
    #[must_use]
    pub(crate) fn is<E>(&self) -> bool
    where
        E: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static,
    {
        self.downcast_ref::<E>().is_some()
    }

    /// The error (not its context) as an `E`, when it is one.
    #[must_use]
    pub(crate) fn downcast_ref<E>(&self) -> Option<&E>
    where
        E: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static,
    {
        self.error.downcast_ref::<E>()
    }

    /// The kind.
    #[cfg(test)]
    #[must_use]
    pub(crate) fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The hints, in the order added.
    #[must_use]
    pub(crate) fn hints(&self) -> &[String] {
        &self.hints
    }

    /// The process exit code.
    #[must_use]
    pub(crate) fn code(&self) -> u8 {
        self.kind.code()
    }
}

impl fmt::Display for Error {
    /// The message with its causes, `outer: inner: root`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &format_args!("{:#}", self.error))
            .field("hints", &self.hints)
            .finish()
    }
}

/// The message already holds the whole chain, so no `source` is exposed (it would print twice).
impl std::error::Error for Error {}

/// Adds context to a fallible call whose error converts into [`Error`], keeping its kind.
pub(crate) trait Context<T> {
    /// Wraps the error in `context`.
    ///
    /// # Errors
    /// The original error, converted and wrapped.
    fn context(self, context: impl fmt::Display + Send + Sync + 'static) -> Result<T>;

    /// Wraps the error in the context `f` builds (only on error).
    ///
    /// # Errors
    /// The original error, converted and wrapped.
    fn with_context<C: fmt::Display + Send + Sync + 'static>(
        self,
        f: impl FnOnce() -> C,
    ) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl fmt::Display + Send + Sync + 'static) -> Result<T> {
        self.map_err(|e| e.into().context(context))
    }

    fn with_context<C: fmt::Display + Send + Sync + 'static>(
        self,
        f: impl FnOnce() -> C,
    ) -> Result<T> {
        self.map_err(|e| e.into().context(f()))
    }
}

/// The kind each module's typed error is.
macro_rules! kind_of {
    ($($ty:ty => $kind:expr;)*) => {$(
        impl From<$ty> for Error {
            fn from(error: $ty) -> Error {
                let kind: fn(&$ty) -> ErrorKind = $kind;
                Error::new(kind(&error), error)
            }
        }
    )*};
}

kind_of! {
    crate::agent::AgentError => |_| ErrorKind::Usage;
    crate::router::RouterError => |_| ErrorKind::Usage;
    crate::state::StateError => |e| if e.is_invalid_input() { ErrorKind::Usage } else { ErrorKind::Failed };
    crate::journal::JournalError => |_| ErrorKind::Failed;
    crate::executor::ExecError => |_| ErrorKind::Failed;
    crate::git::SyncError => |_| ErrorKind::Failed;
    serde_json::Error => |_| ErrorKind::Internal;
}

impl From<crate::config::ConfigError> for Error {
    fn from(error: crate::config::ConfigError) -> Error {
        let hint = match &error {
            crate::config::ConfigError::Workflow { hint, .. } if !hint.is_empty() => {
                Some(hint.clone())
            }
            _ => None,
        };
        let err = Error::new(ErrorKind::Usage, error);
        match hint {
            Some(hint) => err.with_hint(hint),
            None => err,
        }
    }
}

impl From<crate::git::GitError> for Error {
    fn from(error: crate::git::GitError) -> Error {
        let hint = match &error {
            crate::git::GitError::WouldOverwrite(_) => {
                Some("move or remove those files (or commit them), then restart baton".to_owned())
            }
            _ => None,
        };
        let err = Error::new(ErrorKind::Failed, error);
        match hint {
            Some(hint) => err.with_hint(hint),
            None => err,
        }
    }
}

impl From<crate::fsutil::LockError> for Error {
    fn from(error: crate::fsutil::LockError) -> Error {
        let busy = matches!(error, crate::fsutil::LockError::Busy { .. });
        let err = Error::new(ErrorKind::Failed, error);
        if busy {
            err.with_hint("only one baton runs per clone; stop the other one or wait for it")
        } else {
            err
        }
    }
}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Error {
        Error::new(ErrorKind::Failed, error)
    }
}

impl Error {
    /// Whether a write to a pipe with no reader caused it: `EPIPE` anywhere in its chain, a
    /// JSON serializer's write included.
    fn is_broken_pipe(&self) -> bool {
        self.error.chain().any(|cause| {
            let io = cause.downcast_ref::<io::Error>().map(io::Error::kind);
            let json = cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind);
            io.or(json) == Some(io::ErrorKind::BrokenPipe)
        })
    }
}

/// Prints `result`'s error once (`baton: error: …` with its causes, then `hint: …` lines) and
/// turns it into the exit code. Interruptions print nothing; so does a write that failed
/// because standard output was closed early, which exits 0 (a broken pipe elsewhere — a child's
/// stdin — is an error like any other).
#[must_use]
pub(crate) fn report(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is_broken_pipe() && crate::console::stdout_closed() => ExitCode::SUCCESS,
        Err(err) => {
            use crate::console::{Paint, paint};
            if matches!(err.kind, ErrorKind::Budget | ErrorKind::Stuck) {
                note!("baton: {} {err}", paint(Paint::Yellow, "stopped:"));
                for hint in &err.hints {
                    note!("baton: hint: {hint}");
                }
            } else if !matches!(err.kind, ErrorKind::Interrupted(_)) {
                note!("baton: {} {err}", paint(Paint::Red, "error:"));
                for hint in &err.hints {
                    note!("baton: hint: {hint}");
                }
            }
            ExitCode::from(err.code())
        }
    }
}

#[cfg(test)]
mod tests;
