//! `baton rewind ITERATION|COMMIT`: a new commit on the branch that restores the tree, the
//! state file and the journal of that turn's stamp; the commits gone back over stay in the
//! history and on `refs/baton/backup/rewind-<n>` (see `crate::travel::rewind`). Refused while a
//! run holds the workspace; in role mode, pushed like `baton stop`'s commit.

use crate::cli::workspace;
use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::text::short_sha;
use crate::travel::{self, Rewind, Rewound, Target};
use crate::turn::Workspace;

/// Flags of `baton rewind`.
#[derive(Debug, Clone, clap::Args)]
pub struct RewindArgs {
    /// The stamp to go back to: an iteration (`3` or `i=3`: the last stamp of a turn of that
    /// iteration) or a stamp commit (a SHA, or any revision).
    #[arg(value_name = "ITERATION|COMMIT", value_parser = Target::parse)]
    pub(crate) target: Target,
}

/// Rewinds the current branch.
///
/// # Errors
/// Outside a repository, on a detached HEAD, for a target that names no stamp or with files in
/// the way (exit 2); while a run holds the workspace, a turn runs on another clone, or the
/// push fails (exit 1).
pub(crate) fn cmd_rewind(global: &GlobalArgs, args: &RewindArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let Some(repo) = Repo::discover(&config.root)? else {
        return Err(Error::usage(
            "baton rewind needs a git repository: it goes back to a stamp commit",
        ));
    };
    if let Some(op) = repo.in_progress() {
        return Err(Error::failed(format!(
            "a git operation is in progress in {}",
            repo.workdir().display()
        ))
        .with_hint(format!("run `{}` (or finish it) first", op.fix())));
    }
    let branch = repo.branch()?.ok_or_else(|| {
        Error::usage("HEAD is detached: a rewind commits on a branch")
            .with_hint("check out the branch to rewind (`git switch main`)")
    })?;
    let (_command, hold) = workspace::hold_for_command(&config, Some(&repo))?;
    let held = match hold {
        workspace::Hold::Held(held) => held,
        workspace::Hold::Busy(busy) => {
            return Err(Error::failed(format!(
                "{busy}: a rewind would change the files its turns work on"
            ))
            .with_hint("stop it first (`baton stop`), wait for it to end, then rewind"));
        }
    };
    let sync = super::stop::shared_sync(&config, &repo)?;
    if let Some(sync) = sync.as_ref().filter(|s| s.branch != branch) {
        return Err(Error::usage(format!(
            "on branch `{branch}`, but the run syncs `{}` (git.branch)",
            sync.branch
        ))
        .with_hint(format!("run `git switch {}` first", sync.branch)));
    }
    let journal_rel = travel::relative(&repo, &config.journal_file)?;
    let state_rel = travel::relative(&repo, &config.state_file)?;
    let events = crate::events::Events::console();
    let runner = Workspace::new(config, Some(repo), held.run_dir(), events);
    // A stamp a dead run left half-written is finished first: it belongs to the history.
    runner.recover()?;
    let Some(repo) = runner.repo.as_ref() else {
        return Ok(());
    };
    let ask = Rewind {
        repo,
        branch: &branch,
        journal_rel: &journal_rel,
        state_rel: &state_rel,
        target: &args.target,
    };
    match travel::rewind(&ask, sync.as_ref())? {
        Rewound::AlreadyThere(stamp) => say!(
            "[baton] nothing to rewind: {branch} already has the tree of {} ({})",
            short_sha(&stamp.sha),
            stamp.subject
        ),
        Rewound::Done {
            commit,
            subject,
            stamp,
            commits,
            turns,
            backup,
        } => {
            say!(
                "[baton] rewound {branch} to {} ({}): {commits} commit(s) gone back over, \
                 {turns} of them stamps, kept on {backup}",
                short_sha(&stamp.sha),
                stamp.subject
            );
            say!("[baton] committed {} {subject}", short_sha(&commit));
            if let Some(sync) = &sync {
                say!("[sync] pushed to {}/{}", sync.remote.name(), sync.branch);
            }
        }
    }
    Ok(())
}
