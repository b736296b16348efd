//! Git: local repository work with git2 (status, diff, commit, refs, fast-forward, replay),
//! the remote through the system `git` (ls-remote, fetch, push), and auto-commit (SPEC §8).

mod autocommit;
pub(crate) mod maintenance;
mod probe;
mod remote;
mod repo;
#[cfg(test)]
mod testutil;

pub use autocommit::{
    AutocommitPlan, CommitGroup, GroupKind, TurnOf, apply_plan, commit_message, commit_subject,
    plan_autocommit,
};
pub use probe::RemoteProbe;
pub use remote::{Remote, SyncError};
pub use repo::{
    DiffStats, DirtyPath, Divergence, FastForward, GitError, InProgress, Repo, WouldOverwrite,
    short_sha,
};
