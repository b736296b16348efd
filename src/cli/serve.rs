//! `baton serve [--addr ADDR] [--token T]`: a live dashboard of the run in the browser (see
//! `crate::serve`). This file checks the flags and finds the workspace it serves.

use crate::cli::{GlobalArgs, load_config, lock_path, require_workspace};
use crate::config::Overrides;
use crate::error::Result;
use crate::git::Repo;
use crate::serve::ServeArgs;

/// Serves the dashboard of the workspace until SIGINT or SIGTERM (exit 0).
///
/// # Errors
/// Usage (exit 2): a non-loopback address without a token (checked first), or outside a
/// workspace. Failed (exit 1): the address cannot be bound.
pub(crate) fn cmd_serve(global: &GlobalArgs, args: &ServeArgs) -> Result<()> {
    let options = args.options()?;
    let config = load_config(global, Overrides::default())?.config;
    require_workspace(&config)?;
    let repo = Repo::discover(&config.root)?;
    let lock = lock_path(&config, repo.as_ref());
    crate::serve::run(&options, config, lock)
}
