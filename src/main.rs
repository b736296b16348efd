//! The `baton` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = baton::Cli::parse();
    baton::run(cli)
}
