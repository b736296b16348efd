//! Auto-commit after a turn (SPEC §8): reports, tracked outputs, doc/meta, then the rest.

use crate::config::AutocommitConfig;
use crate::git::{DirtyPath, GitError, Repo};
use crate::state::Actor;

/// The step a commit belongs to; decides its subject suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// `reports evidence`.
    Reports,
    /// `tracked outputs`.
    TrackedOutputs,
    /// `doc/meta hygiene`.
    DocMeta,
    /// `remaining changes` (`autocommit.everything`).
    Remaining,
}

/// One commit to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitGroup {
    /// Which step.
    pub kind: GroupKind,
    /// Paths, sorted.
    pub paths: Vec<String>,
}

/// What auto-commit will do for one turn. Pure data; see [`plan_autocommit`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutocommitPlan {
    /// Commits in order (empty groups are left out).
    pub groups: Vec<CommitGroup>,
    /// Dirty paths no step took (reported as a warning and `dirty_left`).
    pub dirty_left: Vec<String>,
    /// Why some paths were skipped (over a cap, …), one line each.
    pub warnings: Vec<String>,
}

/// Sorts `dirty` into the steps of SPEC §8 under `rules`. `exclude` lists paths never taken
/// (the state file and journal, committed by the stamp). Pure.
#[must_use]
pub fn plan_autocommit(
    dirty: &[DirtyPath],
    rules: &AutocommitConfig,
    exclude: &[String],
) -> AutocommitPlan {
    let _ = (dirty, rules, exclude);
    todo!("git helper")
}

/// Makes the plan's commits. Subjects `SUPERVISOR AUTO (prompt=<p>) (iter=<NNNNN>): <what>` for
/// galph, `RALPH AUTO …` for ralph; body `Files:` then ` - path` lines. Returns the commit
/// subjects. With `dry_run`, prints what would be committed and commits nothing.
///
/// # Errors
/// [`GitError`].
pub fn apply_plan(
    repo: &Repo,
    plan: &AutocommitPlan,
    actor: Actor,
    prompt: &str,
    iteration: u64,
    dry_run: bool,
) -> Result<Vec<String>, GitError> {
    let _ = (repo, plan, actor, prompt, iteration, dry_run);
    todo!("git helper")
}
