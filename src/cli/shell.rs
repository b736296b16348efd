//! `baton completions <shell>` and `baton man`: the command line described for shells and for
//! `man`, generated from the same clap definition the parser uses (clap_complete,
//! clap_mangen), so they never drift.

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

/// Prints the man page (roff): `baton man > baton.1; man ./baton.1`.
///
/// # Errors
/// A closed stdout (a quiet exit 0).
pub(crate) fn cmd_man() -> Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}
