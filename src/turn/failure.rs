//! Why a claimed turn failed: one enum whose `Display` is the state's `last_error`, and which
//! knows its journal outcome and the error the run ends with.
//!
//! Only failures after the claim are here: they are stamped `failed` and journalled, so they
//! end the run with exit 1 (or 128 + N when interrupted). What can be found before the claim (a
//! missing prompt, an unknown agent, `router_only` without a router prompt) is a usage error
//! (exit 2) and nothing is written.

use std::time::Duration;

use crate::agent::AgentError;
use crate::config::format_duration;
use crate::error::Error;
use crate::executor::{RunOutcome, RunResult};
use crate::journal::Outcome;
use crate::router::RouterError;

/// Why a claimed turn failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TurnFailure {
    /// The agent exited with a non-zero code.
    #[error("agent exited {0}")]
    AgentExited(i32),
    /// The agent was killed by a signal it did not get from Baton.
    #[error("agent killed by signal {0}")]
    AgentKilled(i32),
    /// The agent ended without a status Baton could read.
    #[error("agent failed")]
    AgentLost,
    /// `agent.timeout` ended it (the limit, when known).
    #[error("timeout{}", .0.map(|d| format!(" after {}", format_duration(d))).unwrap_or_default())]
    Timeout(Option<Duration>),
    /// Neither output nor a file change for `agent.idle_timeout` (the limit, when known).
    #[error("stalled{}", .0.map(|d| format!(": no output and no file changed for {}", format_duration(d))).unwrap_or_default())]
    Stalled(Option<Duration>),
    /// SIGINT (2) or SIGTERM (15) to Baton ended it.
    #[error("interrupted")]
    Interrupted(i32),
    /// The agent exited 0 but its own structured result reported an error (Claude `is_error`,
    /// codex `turn.failed`, gemini `status: error`, opencode `error`).
    #[error("agent reported an error: {0}")]
    Reported(String),
    /// The agent could not authenticate (not logged in, a missing or wrong API key): running
    /// it again cannot help, a person must log it in. `hint` says how, for that agent.
    #[error("agent could not authenticate: {message}")]
    Auth {
        /// The agent's words.
        message: String,
        /// What to do (see [`crate::agent::login_hint`]).
        hint: &'static str,
    },
    /// A text agent's last lines matched `agent.fail_patterns`.
    #[error("agent output matched agent.fail_patterns: {0}")]
    Pattern(String),
    /// Transient errors (overloaded, 5xx, network) outlasted `agent.retries`.
    #[error("transient error, {attempts} attempt(s): {message}")]
    Transient {
        /// The agent's words.
        message: String,
        /// Runs made.
        attempts: u32,
    },
    /// A usage or rate limit: not a failure. The state becomes `limited` and the same turn
    /// runs again at `until`.
    #[error("usage limit until {}: {reason}", crate::state::format_utc(*.until))]
    Limited {
        /// The agent's words.
        reason: String,
        /// When the turn runs again.
        until: std::time::SystemTime,
    },
    /// The agent could not be started, or its log not written.
    #[error("{0}")]
    Start(String),
    /// The router prompt broke its output contract or failed.
    #[error("router: {0}")]
    Router(RouterError),
    /// The router chose a prompt whose agent cannot run.
    #[error("{0}")]
    AgentChoice(String),
    /// Auto-commit failed.
    #[error("auto-commit: {0}")]
    Autocommit(String),
    /// The branch under the turn was changed in a way Baton cannot publish (role mode: the
    /// agent rewound it under the claim); the text says what was done and where the commits
    /// are kept.
    #[error("{0}")]
    Branch(String),
    /// A fan-out turn's branch did not land on the shared branch (a conflict, a red verify):
    /// the text says why; the branch is kept.
    #[error("landing: {0}")]
    Landing(String),
    /// galph left dirty paths outside the auto-commit rules.
    #[error("dirty paths outside the auto-commit rules after galph's turn: {}", .0.join(", "))]
    DirtyGuard(Vec<String>),
}

impl TurnFailure {
    /// The failure a finished agent run stands for; `None` when it succeeded. `timeout` and
    /// `idle` are the limits in force, for the message.
    pub(crate) fn of_run(
        result: &RunResult,
        timeout: Option<Duration>,
        idle: Option<Duration>,
    ) -> Option<TurnFailure> {
        let failure = match result.outcome {
            RunOutcome::Ok => return None,
            RunOutcome::Interrupted => {
                TurnFailure::Interrupted(result.interrupted_by.unwrap_or(15))
            }
            RunOutcome::Timeout => TurnFailure::Timeout(timeout),
            RunOutcome::Stalled => TurnFailure::Stalled(idle),
            RunOutcome::Failed => match (result.exit_code, result.signal) {
                (Some(code), _) => TurnFailure::AgentExited(code),
                (None, Some(signal)) => TurnFailure::AgentKilled(signal),
                (None, None) => TurnFailure::AgentLost,
            },
        };
        Some(failure)
    }

    /// The journal outcome.
    pub(crate) fn outcome(&self) -> Outcome {
        match self {
            TurnFailure::Timeout(_) => Outcome::Timeout,
            TurnFailure::Stalled(_) => Outcome::Stalled,
            TurnFailure::Limited { .. } => Outcome::Limited,
            TurnFailure::Interrupted(_) => Outcome::Interrupted,
            _ => Outcome::Failed,
        }
    }

    /// The error the run ends with once the failure is stamped: exit 1, or 128 + N.
    pub(crate) fn to_error(&self) -> Error {
        match self {
            TurnFailure::Interrupted(signal) => Error::interrupted(*signal),
            TurnFailure::Auth { hint, .. } => Error::failed(self).with_hint(hint),
            TurnFailure::DirtyGuard(_) => Error::failed(self).with_hint(
                "galph plans and reviews: its turn may change reports and doc/meta files only; \
                 look at those files and commit, move or delete them (or let galph write them: \
                 autocommit.doc_whitelist, or autocommit.tolerate_dirty: true), then start again",
            ),
            other => Error::failed(other),
        }
    }
}

impl From<AgentError> for TurnFailure {
    fn from(error: AgentError) -> TurnFailure {
        TurnFailure::AgentChoice(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn run(outcome: RunOutcome, exit_code: Option<i32>, signal: Option<i32>) -> RunResult {
        RunResult {
            outcome,
            exit_code,
            signal,
            interrupted_by: (outcome == RunOutcome::Interrupted).then_some(2),
            duration: Duration::ZERO,
            stdout: None,
            report: crate::agent::output::Report::default(),
        }
    }

    #[test]
    fn last_error_texts_and_outcomes() {
        let limit = Some(Duration::from_secs(5400));
        let cases = [
            (
                run(RunOutcome::Failed, Some(7), None),
                "agent exited 7",
                Outcome::Failed,
            ),
            (
                run(RunOutcome::Failed, None, Some(9)),
                "agent killed by signal 9",
                Outcome::Failed,
            ),
            (
                run(RunOutcome::Failed, None, None),
                "agent failed",
                Outcome::Failed,
            ),
            (
                run(RunOutcome::Timeout, None, Some(15)),
                "timeout after 90m",
                Outcome::Timeout,
            ),
            (
                run(RunOutcome::Interrupted, None, Some(2)),
                "interrupted",
                Outcome::Interrupted,
            ),
        ];
        for (result, text, outcome) in cases {
            let failure = TurnFailure::of_run(&result, limit, None).expect("a failure");
            assert_eq!(failure.to_string(), text);
            assert_eq!(failure.outcome(), outcome);
        }
        let idle = Some(Duration::from_millis(500));
        let stalled = TurnFailure::of_run(&run(RunOutcome::Stalled, None, Some(15)), limit, idle)
            .expect("a failure");
        assert_eq!(
            stalled.to_string(),
            "stalled: no output and no file changed for 500ms"
        );
        assert_eq!(stalled.outcome(), Outcome::Stalled);
        assert_eq!(
            TurnFailure::of_run(&run(RunOutcome::Ok, Some(0), None), limit, None),
            None
        );
    }

    #[test]
    fn claimed_failures_exit_1_or_by_signal() {
        assert_eq!(
            TurnFailure::AgentExited(3).to_error().kind(),
            ErrorKind::Failed
        );
        let router = TurnFailure::Router(RouterError::Empty);
        assert_eq!(router.to_string(), "router: router output is empty");
        assert_eq!(router.to_error().kind(), ErrorKind::Failed);
        assert_eq!(
            TurnFailure::Interrupted(2).to_error().kind(),
            ErrorKind::Interrupted(2)
        );
        assert_eq!(TurnFailure::Timeout(None).to_string(), "timeout");
    }
}
