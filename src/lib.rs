//! Baton: a git-native, file-based handoff orchestrator for autonomous coding-agent CLIs.
//!
//! Two actors — galph (supervisor) and ralph (engineer) — take turns on one repository. A shared
//! runner ([`turn`]) loads `sync/state.json`, asks the [`router`] which prompt runs next, runs
//! the agent ([`executor`]) and stamps the result into the state, the [`journal`] and the logs.
//! The files, formats and commands are described in `docs/`; this crate is one library plus a
//! thin binary.

#[macro_use]
mod console;

pub mod agent;
pub mod cli;
pub mod config;
pub mod error;
pub mod executor;
mod fault;
pub mod fsutil;
pub mod git;
pub mod journal;
mod leftovers;
pub mod modes;
mod process;
pub mod router;
pub mod state;
pub mod turn;

use std::process::ExitCode;

pub use error::{Error, ErrorKind, Result};

/// Runs one command line to its end and returns the process exit code (README).
#[must_use]
pub fn run(cli: cli::Cli) -> ExitCode {
    git::bound_caches();
    error::report(cli::dispatch(cli))
}
