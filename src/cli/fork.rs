//! `baton fork ITERATION|COMMIT --branch NAME`: a new branch at that turn's stamp commit, so
//! that its tree, state file and journal are that turn's: `git switch NAME`, then `baton run`
//! goes on from there beside the branch it came from. Nothing else changes (no checkout, no
//! lock: a run may go on meanwhile).

use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::git::{Repo, valid_branch_name};
use crate::text::short_sha;
use crate::travel::{self, Line, Target, journal_at, stamp_anywhere};

/// Flags of `baton fork`.
#[derive(Debug, Clone, clap::Args)]
pub struct ForkArgs {
    /// The stamp to branch from: an iteration of the current branch (`3` or `i=3`: the last
    /// stamp of a turn of that iteration) or a stamp commit (a SHA, or any revision).
    #[arg(value_name = "ITERATION|COMMIT", value_parser = Target::parse)]
    pub(crate) target: Target,
    /// The new branch's name (refused when a branch has it).
    #[arg(long, value_name = "NAME")]
    pub branch: String,
}

/// Makes the branch.
///
/// # Errors
/// Outside a repository, a bad or taken branch name, a target that names no stamp (exit 2);
/// git errors.
pub(crate) fn cmd_fork(global: &GlobalArgs, args: &ForkArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let Some(repo) = Repo::discover(&config.root)? else {
        return Err(Error::usage(
            "baton fork needs a git repository: it branches from a stamp commit",
        ));
    };
    let name = &args.branch;
    if !valid_branch_name(name) {
        return Err(Error::usage(format!("`{name}` is not a valid branch name"))
            .with_hint("see `git check-ref-format --branch`: no spaces, `..`, `~`, `^`, `:`"));
    }
    if let Some(tip) = repo.branch_tip(name)? {
        return Err(Error::usage(format!(
            "a branch `{name}` exists already (at {})",
            short_sha(&tip)
        ))
        .with_hint(format!(
            "pick another name, or delete that branch first (`git branch -D {name}`)"
        )));
    }
    let current = repo.branch()?.unwrap_or_else(|| "HEAD".to_owned());
    let head = repo
        .head_id()?
        .ok_or_else(|| Error::usage(format!("{current} has no commit yet: no stamp to fork")))?;
    let journal_rel = travel::relative(&repo, &config.journal_file)?;
    let line = Line::read(&repo, &head, &journal_rel)?;
    let journal = journal_at(&repo, &head, &journal_rel)?;
    let stamp = stamp_anywhere(&repo, &line, &journal, &args.target, &current, &journal_rel)?;
    repo.create_branch(name, &stamp.sha)?;
    say!(
        "[baton] branch {name} made at {} ({}): its tree, state file and journal are as {}'s \
         turn of iteration {} left them",
        short_sha(&stamp.sha),
        stamp.subject,
        stamp.line.entry.actor,
        stamp.line.entry.iteration
    );
    say!(
        "[baton] to go on from there: git switch {name}, then baton run (role mode: git push -u \
         {} {name}, then start each daemon on a clone with {name} checked out)",
        config.git.remote
    );
    Ok(())
}
