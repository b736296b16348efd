//! Git: local repository work with git2 (status, diff, commit, refs) and auto-commit (SPEC §8).

mod autocommit;
mod repo;
#[cfg(test)]
mod testutil;

pub use autocommit::{
    AutocommitPlan, CommitGroup, GroupKind, apply_plan, commit_message, commit_subject,
    plan_autocommit,
};
pub use repo::{DiffStats, DirtyPath, Divergence, GitError, Repo, short_sha};
