//! Moving HEAD forward with a safe checkout: the work tree goes first (refusing to overwrite
//! local files), then the branch ref, so a refused update changes nothing.

use git2::build::CheckoutBuilder;
use git2::{CheckoutNotificationType, ErrorCode, Oid};

use super::{FastForward, WouldOverwrite, tracking_ref};
use crate::git::repo::git_err;
use crate::git::{GitError, Repo};

/// Past this many changed paths, a checkout looks at the whole tree rather than a path list.
const FILTER_LIMIT: usize = 10_000;

/// Why HEAD could not be moved.
pub(super) enum MoveError {
    /// Local files are in the way; nothing was changed.
    Overwrite(WouldOverwrite),
    /// libgit2 failed.
    Git(GitError),
}

impl From<GitError> for MoveError {
    fn from(e: GitError) -> MoveError {
        MoveError::Git(e)
    }
}

impl Repo {
    /// Moves the current branch (and work tree, with a safe checkout) forward to
    /// `refs/remotes/<remote>/<branch>` when that is a fast-forward. A missing tracking ref is
    /// [`FastForward::UpToDate`]; an unborn branch is advanced.
    ///
    /// # Errors
    /// [`GitError::WouldOverwrite`] when local files are in the way (untracked,
    /// ignored, or modified tracked files the update would change; nothing is changed then);
    /// [`GitError`].
    pub(crate) fn fast_forward(&self, remote: &str, branch: &str) -> Result<FastForward, GitError> {
        let Some(target) = self.ref_id(&tracking_ref(remote, branch))? else {
            return Ok(FastForward::UpToDate);
        };
        let head = self.head_commit()?.map(|c| c.id());
        if let Some(head) = head {
            if head == target {
                return Ok(FastForward::UpToDate);
            }
            let (ahead, behind) = self
                .inner
                .graph_ahead_behind(head, target)
                .map_err(git_err(format!("compare HEAD with {remote}/{branch}")))?;
            if behind == 0 {
                return Ok(FastForward::Ahead(ahead));
            }
            if ahead > 0 {
                return Ok(FastForward::Diverged { ahead, behind });
            }
        }
        let label = format!("{remote}/{branch}");
        match self.move_head(head, target, &label, "baton: fast-forward") {
            Ok(()) => Ok(FastForward::Advanced),
            Err(MoveError::Overwrite(e)) => Err(e.into()),
            Err(MoveError::Git(e)) => Err(e),
        }
    }

    /// Moves the current branch from HEAD to commit `target` (a full SHA), with the same safe
    /// checkout as a fast-forward: only the paths that differ between the two trees are
    /// written, and nothing is when a local file is in the way. A rewind moves to a commit
    /// that has an earlier tree; its undo moves back.
    ///
    /// # Errors
    /// [`GitError::WouldOverwrite`] naming the local files in the way (nothing changed then);
    /// [`GitError`] when `target` is not a commit or HEAD moved meanwhile.
    pub(crate) fn move_head_to(&self, target: &str, reflog: &str) -> Result<(), GitError> {
        let id = Oid::from_str(target).map_err(git_err(format!("`{target}` is not a SHA")))?;
        let head = self.head_commit()?.map(|c| c.id());
        match self.move_head(head, id, crate::text::short_sha(target), reflog) {
            Ok(()) => Ok(()),
            Err(MoveError::Overwrite(e)) => Err(e.into()),
            Err(MoveError::Git(e)) => Err(e),
        }
    }

    /// Checks out `target`'s tree over HEAD's with a safe checkout, then points the current
    /// branch (or a detached HEAD) at `target`, provided it still points at `head`. `label`
    /// names the target in errors, `reflog` is the reflog message.
    pub(super) fn move_head(
        &self,
        head: Option<Oid>,
        target: Oid,
        label: &str,
        reflog: &str,
    ) -> Result<(), MoveError> {
        self.checkout_safely(head, target, label)?;
        let what = || format!("move HEAD to {label}");
        let result = match (self.branch()?, head) {
            (Some(name), Some(old)) => self
                .inner
                .reference_matching(&format!("refs/heads/{name}"), target, true, old, reflog)
                .map(drop),
            (Some(name), None) => self
                .inner
                .reference(&format!("refs/heads/{name}"), target, false, reflog)
                .map(drop),
            (None, _) => self.inner.set_head_detached(target),
        };
        result.map_err(|e| MoveError::Git(git_err(what())(e)))
    }

    /// Updates the work tree and index from HEAD's tree to `target`'s. libgit2's safe mode
    /// refuses (before writing anything) when an untracked or modified file is in the way;
    /// ignored files are protected too (`overwrite_ignored(false)`), unlike `git merge`, since
    /// ignored reports are force-added by auto-commit and may hold unpushed work.
    ///
    /// Only the paths that differ between the two trees are looked at (the trees are compared
    /// going down only into subtrees whose ids differ), so a handoff in a repository of 50,000 files does not walk
    /// them all; past [`FILTER_LIMIT`] changed paths, the whole tree is checked out.
    fn checkout_safely(
        &self,
        head: Option<Oid>,
        target: Oid,
        label: &str,
    ) -> Result<(), MoveError> {
        let what = || format!("check out {label}");
        let commit = self
            .inner
            .find_commit(target)
            .map_err(|e| MoveError::Git(git_err(what())(e)))?;
        let changed = match head {
            Some(head) => self.changed_paths(head, target)?,
            None => None,
        };
        if changed.as_ref().is_some_and(Vec::is_empty) {
            return Ok(()); // same tree: nothing to write (an empty path list would mean all)
        }
        let mut paths = Vec::new();
        let result = {
            let mut opts = CheckoutBuilder::new();
            if let Some(changed) = &changed {
                opts.disable_pathspec_match(true);
                for path in changed {
                    opts.path(path.as_str());
                }
            }
            opts.safe()
                .overwrite_ignored(false)
                .notify_on(CheckoutNotificationType::CONFLICT)
                .notify(|_, path, _, _, _| {
                    if let Some(path) = path {
                        paths.push(path.to_string_lossy().replace('\\', "/"));
                    }
                    true
                });
            self.inner
                .checkout_tree(commit.as_object(), Some(&mut opts))
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.code() == ErrorCode::Conflict => {
                paths.sort();
                paths.dedup();
                Err(MoveError::Overwrite(WouldOverwrite {
                    target: label.to_owned(),
                    paths,
                }))
            }
            Err(e) => Err(MoveError::Git(git_err(what())(e))),
        }
    }

    /// The paths (both sides of every change) that differ between the trees of commits `from`
    /// and `to`; `None` past [`FILTER_LIMIT`].
    fn changed_paths(&self, from: Oid, to: Oid) -> Result<Option<Vec<String>>, GitError> {
        let tree = |id: Oid| {
            self.inner
                .find_commit(id)
                .and_then(|c| c.tree())
                .map_err(git_err("read a commit's tree"))
        };
        let (old, new) = (tree(from)?, tree(to)?);
        let Some(mut only) = self.only_differences(Some(&old), Some(&new))? else {
            return Ok(Some(Vec::new()));
        };
        let diff = self
            .inner
            .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut only))
            .map_err(git_err("diff the trees of a checkout"))?;
        if diff.deltas().len() > FILTER_LIMIT {
            return Ok(None);
        }
        let mut paths: Vec<String> = diff
            .deltas()
            .flat_map(|d| [d.old_file().path(), d.new_file().path()])
            .flatten()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect();
        paths.sort();
        paths.dedup();
        Ok(Some(paths))
    }
}
