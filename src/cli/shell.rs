//! `baton completions <shell>`: the command line described for shells, generated from the same
//! clap definition the parser uses (clap_complete), so it never drifts; actor arguments and
//! `--agent` offer their names (the presets for an agent).

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Result;

/// Flags of `baton completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for a shell (e.g. `baton completions bash >
/// ~/.local/share/bash-completion/completions/baton`).
///
/// # Errors
/// A closed stdout (a quiet exit 0).
pub(crate) fn cmd_completions(args: &CompletionsArgs) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "baton", &mut out);
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}
