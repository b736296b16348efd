//! `baton watch [--source auto|local|remote] [--interval DUR] [--last N] [--once] [--plain]`:
//! follows a run live, read-only (see `crate::watch`). This file picks the source and the
//! output.

use std::io::IsTerminal as _;
use std::time::Duration;

use crate::cli::{GlobalArgs, load_config, require_workspace, workspace};
use crate::config::{Config, Overrides, parse_duration};
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::observe::{self, Pick, RemoteRun};
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
    /// How often the remote is asked whether its branch moved (remote source) and the pool's
    /// claims are read, e.g. `2s`.
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
    let lock = workspace::lock_path(config, Repo::discover(&config.root)?.as_ref());
    let local = || -> Box<dyn Source> {
        Box::new(Local::new(config, args.last, args.interval, lock.clone()))
    };
    let remote = |run: RemoteRun, checked: bool| -> Box<dyn Source> {
        let lock = lock.clone();
        Box::new(Remote::new(
            run,
            checked,
            config,
            args.last,
            args.interval,
            lock,
        ))
    };
    match args.source {
        SourceArg::Local => Ok(local()),
        SourceArg::Remote => {
            let Some(repo) = Repo::discover(&config.root)? else {
                return Err(Error::usage(
                    "--source remote needs a git repository with a remote",
                ));
            };
            let Some(branch) = config.git.branch.clone().or(repo.branch()?) else {
                return Err(Error::usage(
                    "--source remote: no branch (check one out or set git.branch)",
                ));
            };
            if let Err(e) = crate::git::Remote::new(repo.workdir(), &config.git.remote).url() {
                return Err(Error::usage(format!("--source remote: {e}")));
            }
            Ok(remote(RemoteRun::new(config, repo, branch)?, false))
        }
        SourceArg::Auto => Ok(match observe::pick(config, &lock, true) {
            Ok(Pick::Remote(run)) => remote(*run, true),
            Ok(Pick::Local) => local(),
            Err(e) => {
                note!("baton: warning: watching this workspace, the remote cannot be read: {e:#}");
                local()
            }
        }),
    }
}
