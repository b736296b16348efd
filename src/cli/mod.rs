//! The command line (SPEC §10).

use clap::Parser;

/// Git-native handoff orchestrator for coding-agent CLIs.
#[derive(Debug, Parser)]
#[command(name = "baton", version)]
pub struct Cli {}

/// Runs the parsed command line.
///
/// # Errors
/// Any command's error; [`crate::error::exit_code`] maps it to the exit code.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let _ = cli;
    Ok(())
}
