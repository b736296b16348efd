//! Git: local repository work with git2 (status, diff, commit, refs, fast-forward, replay),
//! the remote through the system `git` (ls-remote, fetch, push), auto-commit
//! (`docs/configuration.md`) and housekeeping.

mod autocommit;
pub(crate) mod maintenance;
mod probe;
mod remote;
mod repo;
#[cfg(test)]
pub(crate) mod testutil;

pub(crate) use autocommit::{AutocommitPlan, TurnOf, apply_plan, plan_autocommit};
pub(crate) use probe::RemoteProbe;
pub(crate) use remote::{Pushed, Remote, SyncError};
pub(crate) use repo::{
    DiffStats, DirtyPath, Divergence, FastForward, FileChange, GitError, MergeSpec, Merged, Repo,
    valid_branch_name, worktree_name,
};

/// Turns libgit2's object cache off, so that a run's memory stays flat over thousands of
/// turns. On by default with a 256 MiB limit, it keeps every commit and tree a long run writes
/// (peak RSS +84 % over 2000 turns); Baton looks each object up a few times a turn, so the
/// cache buys nothing measurable (8.6 ms a turn either way, `benches/history.rs`).
pub(crate) fn bound_caches() {
    git2::opts::enable_caching(false);
}
