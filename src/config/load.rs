//! Loading: upward search, YAML parse with positions, environment and flag overlays, validation.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Config, RouterMode};
use crate::state::Actor;

/// Command-line values that win over the environment and the file (SPEC §2, §10).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--agent A`: replaces `agent.default`.
    pub agent: Option<String>,
    /// `--agent-role R=A,..`.
    pub agent_roles: Vec<(Actor, String)>,
    /// `--agent-prompt P=A,..`.
    pub agent_prompts: Vec<(String, String)>,
    /// `--use-router` (true) / `--no-router` (false).
    pub use_router: Option<bool>,
    /// `--router-prompt P`.
    pub router_prompt: Option<String>,
    /// `--router-mode M`.
    pub router_mode: Option<RouterMode>,
    /// `--review-every-n N`.
    pub review_every_n: Option<u64>,
    /// `--timeout DUR`.
    pub timeout: Option<Duration>,
    /// `--branch B`.
    pub branch: Option<String>,
    /// `--poll-interval DUR`.
    pub poll_interval: Option<Duration>,
    /// `--max-wait DUR`.
    pub max_wait: Option<Duration>,
}

/// Where to look and what to lay over the file.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Directory the upward search for `orchestration.yaml` starts from.
    pub cwd: PathBuf,
    /// `--config FILE`: use this file instead of searching (it must exist).
    pub config_file: Option<PathBuf>,
    /// The process environment (only `BATON_*` keys are read), passed in for testability.
    pub env: BTreeMap<String, String>,
    /// Flag values.
    pub overrides: Overrides,
}

/// A loaded configuration plus the warnings met on the way (deprecated or meaningless keys).
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The validated configuration.
    pub config: Config,
    /// One line each, e.g. ``orchestration.yaml:4:1: key `spec_bootstrap` has no meaning …``.
    pub warnings: Vec<String>,
}

/// Why a configuration could not be loaded. Always a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("read config file `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
    /// A syntax error, unknown key, wrong type or bad value at a known position.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// What is wrong, naming the key (and "did you mean `…`?" for a misspelt key).
        message: String,
    },
    /// A bad value from a `BATON_*` environment variable.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
}

/// Finds, reads and validates the configuration.
///
/// # Errors
/// [`ConfigError`] naming file, line, column and key for any unknown key, wrong type or bad value.
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let _ = opts;
    todo!("config helper")
}
