//! `baton watch [--source auto|local|remote] [--interval DUR] [--last N] [--once] [--plain]`:
//! follows a run live, read-only (see `crate::watch`). This file picks the source and the
//! output.

use std::io::IsTerminal as _;
use std::time::Duration;

use crate::cli::{GlobalArgs, load_config, require_workspace, stop, workspace};
use crate::config::{Config, Overrides, parse_duration};
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::modes::RoleSync;
use crate::watch::{Local, Output, Remote, Source};

/// `--source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceArg {
    /// The Baton running in this workspace; else the remote when its branch carries the state
    /// file; else this workspace's files.
    Auto,
    /// This workspace's files and event log.
    Local,
    /// The remote's branch, fetched every `--interval`.
    Remote,
}

/// Flags of `baton watch`.
#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Where to read the run from.
    #[arg(long, value_enum, default_value_t = SourceArg::Auto)]
    pub source: SourceArg,
    /// How often the remote is asked whether its branch moved (remote source), e.g. `2s`.
    #[arg(long, value_name = "DUR", default_value = "2s", value_parser = parse_duration)]
    pub interval: Duration,
    /// How many of the newest turns to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub last: usize,
    /// Print one snapshot as lines and exit.
    #[arg(long)]
    pub once: bool,
    /// Plain lines (one per change) even on a terminal.
    #[arg(long)]
    pub plain: bool,
}

/// Watches the run until `q`, Ctrl-C or SIGTERM (exit 0).
///
/// # Errors
/// Config errors; `--source remote` without a remote; a closed stdout is a quiet exit 0.
pub(crate) fn cmd_watch(global: &GlobalArgs, args: &WatchArgs) -> Result<()> {
    let config = load_config(global, Overrides::default())?.config;
    require_workspace(&config)?;
    if args.interval.is_zero() {
        return Err(Error::usage("--interval must be longer than 0"));
    }
    let mut source = pick_source(&config, args)?;
    let output = if args.once {
        Output::Once
    } else if args.plain || !std::io::stdout().is_terminal() {
        Output::Lines
    } else {
        Output::Screen
    };
    crate::watch::watch(source.as_mut(), output)
}

fn pick_source(config: &Config, args: &WatchArgs) -> Result<Box<dyn Source>> {
    let local = || -> Box<dyn Source> { Box::new(Local::new(config, args.last)) };
    let repo = Repo::discover(&config.root)?;
    let remote = |repo: Repo, sync: RoleSync| -> Result<Box<dyn Source>> {
        let source = Remote::new(config, repo, sync, args.last, args.interval)?;
        Ok(Box::new(source))
    };
    match (args.source, repo) {
        (SourceArg::Local, _) => Ok(local()),
        (SourceArg::Remote, None) => Err(Error::usage(
            "--source remote needs a git repository with a remote",
        )),
        (SourceArg::Remote, Some(repo)) => {
            let Some(branch) = config.git.branch.clone().or(repo.branch()?) else {
                return Err(Error::usage(
                    "--source remote: no branch (check one out or set git.branch)",
                ));
            };
            let sync = RoleSync::new(config, &repo, branch)?;
            if let Err(e) = sync.remote.url() {
                return Err(Error::usage(format!("--source remote: {e}")));
            }
            remote(repo, sync)
        }
        (SourceArg::Auto, None) => Ok(local()),
        (SourceArg::Auto, Some(repo)) => {
            let lock = workspace::lock_path(config, Some(&repo));
            if !crate::process::holders(std::slice::from_ref(&lock)).is_empty() {
                return Ok(local());
            }
            match stop::shared_sync(config, &repo) {
                Ok(Some(sync)) => remote(repo, sync),
                Ok(None) => Ok(local()),
                Err(e) => {
                    note!(
                        "baton: warning: watching this workspace, the remote is unreachable: {e}"
                    );
                    Ok(local())
                }
            }
        }
    }
}
