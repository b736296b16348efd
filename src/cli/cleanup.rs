//! `baton cleanup [--older-than DURATION]`: removes what workers left — worktrees of tasks that
//! did not land (kept for people to look at) and worker branches the shared branch already
//! contains, and the pool's stale claims on the remote (a claim on a task that is no longer
//! open, whose lease is over). A branch with work that never landed is listed and kept:
//! deleting it is a person's decision (`git branch -D`).

use std::time::{Duration, SystemTime};

use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::git::Repo;

/// Flags of `baton cleanup`.
#[derive(Debug, Clone, clap::Args)]
pub struct CleanupArgs {
    /// Only what is at least this old (its branch's last commit): `30m`, `12h`, `7d`.
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub older_than: Option<Duration>,
}

fn parse_age(text: &str) -> std::result::Result<Duration, String> {
    crate::config::parse_duration(text)
}

/// Removes stale worktrees and merged worker branches, saying what it removed and kept.
///
/// # Errors
/// Outside a workspace or a repository (exit 2); while a run holds the workspace (exit 1);
/// git errors.
pub(crate) fn cmd_cleanup(global: &GlobalArgs, args: &CleanupArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let Some(repo) = Repo::discover(&config.root)? else {
        return Err(Error::usage("baton cleanup needs a git repository"));
    };
    // A run's workers are in its worktrees: nothing is removed from under a live run.
    let _held = crate::cli::workspace::hold(&config, Some(&repo))?.or_refuse()?;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let min_age = args.older_than.unwrap_or_default().as_secs();
    let old_enough = |time: i64| now.saturating_sub(u64::try_from(time).unwrap_or(0)) >= min_age;
    let branches = repo.worker_branches("HEAD")?;
    let time_of = |branch: Option<&str>| {
        branches
            .iter()
            .find(|b| Some(b.name.as_str()) == branch)
            .map_or(0, |b| b.time)
    };
    let mut removed = 0;
    for tree in repo.list_worktrees()? {
        if !old_enough(time_of(tree.branch.as_deref())) {
            continue;
        }
        repo.remove_worktree(&tree.worker)?;
        removed += 1;
        say!(
            "[cleanup] removed worktree {} ({})",
            tree.worker,
            tree.branch.as_deref().unwrap_or("no branch")
        );
    }
    let mut kept = Vec::new();
    for branch in branches.iter().filter(|b| old_enough(b.time)) {
        if !branch.merged {
            kept.push(branch.name.as_str());
            continue;
        }
        // A branch still checked out in a worktree kept above stays with it.
        if repo.delete_branch(&branch.name).is_ok() {
            removed += 1;
            say!("[cleanup] deleted merged branch {}", branch.name);
        }
    }
    for name in &kept {
        say!(
            "[cleanup] kept {name}: its work never landed (delete it with `git branch -D {name}`)"
        );
    }
    removed += sweep_claims(&config, &repo)?;
    say!("[cleanup] {removed} removed, {} kept", kept.len());
    Ok(())
}

/// Deletes the pool's stale claims on the remote (`docs/pool.md`): claims whose task is no
/// longer open and whose lease is over, each expected at the claim it deletes (a worker that
/// claims again at the same moment wins). Nothing without a remote; how many it deleted.
fn sweep_claims(config: &crate::config::Config, repo: &Repo) -> Result<usize> {
    use crate::pool::{plan, push, refs};
    let remote = crate::git::Remote::new(repo.workdir(), &config.git.remote)
        .with_deadline(config.git.read_timeout);
    let branch = config.git.branch.clone().or(repo.branch()?);
    let (Ok(_), Some(branch)) = (remote.url(), branch) else {
        return Ok(0);
    };
    if let Err(e) = remote.fetch_with(&branch, &refs::claims_fetch_spec(remote.name())) {
        say!("[cleanup] the pool's claims were not swept: {e}");
        return Ok(0);
    }
    let tracking = format!("refs/remotes/{}/{branch}", remote.name());
    let Some(head) = repo.ref_sha(&tracking)? else {
        return Ok(0);
    };
    let board = crate::turn::workers::board_in(repo, &config.tasks_dir, &head)?;
    let here = crate::process::Here::now();
    let claims = repo
        .seen_refs(&refs::tracked_claims(remote.name()))?
        .into_iter()
        .map(|r| (r.name, plan::ClaimRef::read(r.sha, &r.message, &here)))
        .collect();
    let view = plan::View {
        board: &board,
        claims: &claims,
        now: SystemTime::now(),
        lease: config.git.lease,
    };
    let holder =
        crate::pool::claim::Holder::new(&crate::process::hostname(), std::process::id(), "cleanup")
            .map_err(|e| Error::failed(format!("this process's identity: {e}")))?;
    let mut swept = 0;
    for stale in plan::plan(&view, &holder, &std::collections::BTreeSet::new(), 0).sweep {
        if remote.push_leased(&[push::release(&stale.task, &stale.sha)])?
            == crate::git::Pushed::Applied
        {
            swept += 1;
            say!(
                "[cleanup] deleted the stale claim on task {} (the task is no longer open)",
                stale.task
            );
        }
    }
    Ok(swept)
}
