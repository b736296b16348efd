//! Baton: a git-native, file-based handoff orchestrator for autonomous coding-agent CLIs.
//!
//! Two actors — galph (supervisor) and ralph (engineer) — take turns on one repository. A shared
//! runner (`turn`) loads `sync/state.json`, asks the `router` which prompt runs next, runs the
//! agent (`executor`) and stamps the result into the [`state`], the `journal` and the logs.
//! The files, formats and commands are described in `docs/`; this crate is one library plus a
//! thin binary.

#![warn(unreachable_pub)]

#[macro_use]
mod console;

pub(crate) mod agent;
mod cli;
pub mod config;
pub(crate) mod error;
mod events;
pub(crate) mod executor;
mod fault;
pub(crate) mod fsutil;
pub(crate) mod git;
pub(crate) mod journal;
#[cfg(test)]
mod layers_tests;
mod leftovers;
pub(crate) mod modes;
mod notify;
mod observe;
pub(crate) mod pool;
mod process;
pub(crate) mod router;
mod serve;
pub mod state;
pub mod tasks;
mod text;
mod travel;
pub(crate) mod turn;
mod watch;
pub mod workflow;

use std::process::ExitCode;

pub use cli::Cli;

/// Runs one command line to its end and returns the process exit code (README).
#[must_use]
pub fn run(cli: cli::Cli) -> ExitCode {
    git::bound_caches();
    error::report(cli::dispatch(cli))
}
