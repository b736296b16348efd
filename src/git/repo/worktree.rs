//! Worktrees for turns that run beside others (a fan-out, parallel workers): each on its own
//! branch `baton/<worker>/<name>`, checked out under `<git dir>/baton/worktrees/<worker>`
//! (inside `.git`, so never committed and never in anyone's way), made and removed with
//! libgit2's worktree support.

use std::path::{Path, PathBuf};

use git2::{BranchType, ErrorCode, Oid, WorktreeAddOptions, WorktreePruneOptions};

use super::git_err;
use crate::git::{GitError, Repo};

/// The prefix of every worker branch.
pub(crate) const BRANCH_PREFIX: &str = "baton/";

/// The name of the worktree of worker branch `branch` (`baton/ralph-2/fix` → `ralph-2+fix`;
/// `+` is in neither an actor's name nor a task id): one worktree per branch, so that a task
/// that did not land keeps its worktree while the worker takes the next.
#[must_use]
pub(crate) fn worktree_name(branch: &str) -> String {
    branch
        .strip_prefix(BRANCH_PREFIX)
        .unwrap_or(branch)
        .replace('/', "+")
}

/// One of Baton's worktrees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Worktree {
    /// The worker it belongs to (`ralph-2`, `sec`): also its libgit2 name.
    pub(crate) worker: String,
    /// Its work tree.
    pub(crate) path: PathBuf,
    /// The branch checked out in it (short name, `baton/ralph-2/fix-parser`).
    pub(crate) branch: Option<String>,
}

/// A worker branch and where it stands against the shared branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WorkerBranch {
    /// Short name, `baton/ralph-2/fix-parser`.
    pub(crate) name: String,
    /// Whether the shared branch contains it (landed, or nothing of its own).
    pub(crate) merged: bool,
    /// Its tip's commit time (seconds since the epoch).
    pub(crate) time: i64,
}

impl Repo {
    /// Where Baton's worktrees live: `<git dir>/baton/worktrees/`.
    #[must_use]
    pub(crate) fn worktrees_dir(&self) -> PathBuf {
        self.inner.commondir().join("baton").join("worktrees")
    }

    /// A branch name `baton/<worker>/<name>` that does not exist yet (`-2`, `-3`, … appended
    /// when taken: a failed attempt's branch is kept for people).
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn free_branch_name(&self, worker: &str, name: &str) -> Result<String, GitError> {
        let base = format!("{BRANCH_PREFIX}{worker}/{name}");
        let mut candidate = base.clone();
        let mut n = 2;
        loop {
            match self.inner.find_branch(&candidate, BranchType::Local) {
                Err(e) if e.code() == ErrorCode::NotFound => return Ok(candidate),
                Err(e) => return Err(git_err(format!("look up branch `{candidate}`"))(e)),
                Ok(_) => {
                    candidate = format!("{base}-{n}");
                    n += 1;
                }
            }
        }
    }

    /// Makes worktree `worker` on a new branch `branch` at commit `start`, checked out. A
    /// worktree of that name a dead run left is removed first (its branch stays).
    ///
    /// # Errors
    /// [`GitError`], e.g. when `branch` exists.
    pub(crate) fn add_worktree(
        &self,
        worker: &str,
        branch: &str,
        start: &str,
    ) -> Result<Worktree, GitError> {
        self.remove_worktree(worker)?;
        let what = || format!("make worktree `{worker}` on `{branch}`");
        let made = self.branch_at(branch, start, &what())?;
        let path = self.worktrees_dir().join(worker);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut opts = WorktreeAddOptions::new();
        opts.reference(Some(made.get()));
        self.inner
            .worktree(worker, &path, Some(&opts))
            .map_err(git_err(what()))?;
        Ok(Worktree {
            worker: worker.to_owned(),
            path,
            branch: Some(branch.to_owned()),
        })
    }

    /// A new branch `branch` at commit `start` (full SHA); `what` names the operation in its
    /// errors.
    fn branch_at(
        &self,
        branch: &str,
        start: &str,
        what: &str,
    ) -> Result<git2::Branch<'_>, GitError> {
        let commit = Oid::from_str(start)
            .and_then(|id| self.inner.find_commit(id))
            .map_err(git_err(what))?;
        self.inner
            .branch(branch, &commit, false)
            .map_err(git_err(what))
    }

    /// Removes worktree `worker`: its directory and git's record of it; its branch stays.
    /// Nothing when there is none.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn remove_worktree(&self, worker: &str) -> Result<(), GitError> {
        let path = self.worktrees_dir().join(worker);
        match self.inner.find_worktree(worker) {
            Ok(tree) => {
                let mut opts = WorktreePruneOptions::new();
                opts.valid(true).locked(true).working_tree(true);
                tree.prune(Some(&mut opts))
                    .map_err(git_err(format!("remove worktree `{worker}`")))?;
            }
            Err(e) if e.code() == ErrorCode::NotFound => {}
            Err(e) => return Err(git_err(format!("open worktree `{worker}`"))(e)),
        }
        // libgit2 leaves a directory whose record was already gone.
        match std::fs::remove_dir_all(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(GitError::Io { path, source }),
        }
    }

    /// Baton's worktrees (those under [`Repo::worktrees_dir`]), by worker.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn list_worktrees(&self) -> Result<Vec<Worktree>, GitError> {
        let dir = self.worktrees_dir();
        let names = self.inner.worktrees().map_err(git_err("list worktrees"))?;
        let mut out = Vec::new();
        for name in names.iter().filter_map(|n| n.ok().flatten()) {
            let Ok(tree) = self.inner.find_worktree(name) else {
                continue;
            };
            if !tree.path().starts_with(&dir) {
                continue; // a person's own worktree
            }
            let branch = git2::Repository::open_from_worktree(&tree)
                .ok()
                .and_then(|r| {
                    r.head()
                        .ok()
                        .and_then(|h| h.shorthand().ok().map(str::to_owned))
                });
            out.push(Worktree {
                worker: name.to_owned(),
                path: tree.path().to_path_buf(),
                branch,
            });
        }
        out.sort_by(|a, b| a.worker.cmp(&b.worker));
        Ok(out)
    }

    /// Every branch under `baton/`, and whether `shared` (a branch or SHA) contains it.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn worker_branches(&self, shared: &str) -> Result<Vec<WorkerBranch>, GitError> {
        let target = self
            .inner
            .revparse_single(shared)
            .and_then(|o| o.peel_to_commit())
            .map_err(git_err(format!("read `{shared}`")))?
            .id();
        let branches = self
            .inner
            .branches(Some(BranchType::Local))
            .map_err(git_err("list branches"))?;
        let mut out = Vec::new();
        for (branch, _) in branches.flatten() {
            let Some(name) = branch.name().ok().flatten().map(str::to_owned) else {
                continue;
            };
            if !name.starts_with(BRANCH_PREFIX) {
                continue;
            }
            let Ok(tip) = branch.get().peel_to_commit() else {
                continue;
            };
            let merged = tip.id() == target
                || self
                    .inner
                    .graph_descendant_of(target, tip.id())
                    .map_err(git_err(format!("compare `{name}` with `{shared}`")))?;
            out.push(WorkerBranch {
                name,
                merged,
                time: tip.time().seconds(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The tip of local branch `name` (short name), full SHA; `None` when there is none.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn branch_tip(&self, name: &str) -> Result<Option<String>, GitError> {
        match self.inner.find_branch(name, BranchType::Local) {
            Ok(branch) => Ok(branch.get().target().map(|id| id.to_string())),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(format!("look up branch `{name}`"))(e)),
        }
    }

    /// Deletes local branch `name` (short name).
    ///
    /// # Errors
    /// [`GitError`], e.g. when it is checked out in a worktree.
    pub(crate) fn delete_branch(&self, name: &str) -> Result<(), GitError> {
        let what = || format!("delete branch `{name}`");
        self.inner
            .find_branch(name, BranchType::Local)
            .and_then(|mut b| b.delete())
            .map_err(git_err(what()))
    }

    /// The repository of worktree `path` (a worker's), opened on its own.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn open_worktree(path: &Path) -> Result<Repo, GitError> {
        let inner = git2::Repository::open(path)
            .map_err(git_err(format!("open worktree `{}`", path.display())))?;
        Ok(Repo { inner })
    }
}

mod reuse;

#[cfg(test)]
mod tests;
