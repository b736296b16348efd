//! Exit codes (SPEC §10) and the one place errors are printed.
//!
//! 0 done (or stop flag); 1 a turn failed (agent error, timeout, guard, git); 2 usage, config,
//! state or router-contract error; 130 / 143 interrupted by SIGINT / SIGTERM; 255 internal bug.

use std::process::ExitCode;

/// How a command ended, when it did not simply succeed.
#[derive(Debug, thiserror::Error)]
pub enum Exit {
    /// A turn failed (agent error, timeout, guard, git): exit 1. The message is already printed.
    #[error("{0}")]
    TurnFailed(String),
    /// Usage, config, state or router-contract error: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Interrupted by signal N (2 or 15): exit 128 + N.
    #[error("interrupted by signal {0}")]
    Interrupted(i32),
}

impl Exit {
    /// The process exit code.
    #[must_use]
    pub fn code(&self) -> u8 {
        match self {
            Exit::TurnFailed(_) => 1,
            Exit::Usage(_) => 2,
            Exit::Interrupted(sig) => u8::try_from(128 + sig).unwrap_or(255),
        }
    }
}

/// The exit code for `err`: the first [`Exit`], config, state, agent or lock error in its chain
/// decides; anything else is an operation failure (1).
#[must_use]
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(exit) = cause.downcast_ref::<Exit>() {
            return exit.code();
        }
        if cause.is::<crate::config::ConfigError>()
            || cause.is::<crate::state::StateError>()
            || cause.is::<crate::agent::AgentError>()
            || cause.is::<clap::Error>()
        {
            return 2;
        }
    }
    1
}

/// Prints `result`'s error once (`baton: error: …` with its causes) and turns it into an exit
/// code.
#[must_use]
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = exit_code(&err);
            if !matches!(err.downcast_ref::<Exit>(), Some(Exit::Interrupted(_))) {
                eprintln!("baton: error: {err:#}");
            }
            ExitCode::from(code)
        }
    }
}
