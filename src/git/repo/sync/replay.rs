//! Replaying local commits onto the remote-tracking ref (a rebase without a work tree): each
//! commit is cherry-picked in memory, so a conflict leaves refs, index and work tree untouched.

use git2::{Commit, ErrorClass, ErrorCode, Index, Oid, Sort};

use super::checkout::MoveError;
use super::tracking_ref;
use crate::git::repo::git_err;
use crate::git::{GitError, Repo};
use crate::text::short_sha;

impl Repo {
    /// Replays the local commits that `refs/remotes/<remote>/<branch>` lacks (first-parent
    /// history from HEAD, oldest first; author and message kept, committer = the configured user
    /// or else the original committer) on top of it, moves the current branch there and updates
    /// the work tree with a safe checkout. A merge commit is replayed as its change against its
    /// first parent; a commit whose change is already upstream is dropped, as `git rebase` does.
    /// Returns how many commits were written.
    ///
    /// # Errors
    /// [`GitError`] on a conflict (code [`ErrorCode::Conflict`], naming the commit and paths;
    /// nothing is changed then), when local files are in the way of the new work tree (nothing
    /// changed either), when HEAD and the tracking ref share no history, or any libgit2 failure.
    ///
    /// With `pinned`, one file is pinned: every replayed commit that changes
    /// `pinned.0` (a path relative to the work tree) gets `pinned.1` as its content there, and
    /// a conflict on that path is resolved the same way. Role mode uses it to merge a stop flag
    /// a person pushed during a turn into the turn's stamp: the state file is never merged line
    /// by line, it is written whole.
    ///
    pub(crate) fn replay_onto_tracking_with(
        &self,
        remote: &str,
        branch: &str,
        pinned: Option<(&str, &[u8])>,
    ) -> Result<usize, GitError> {
        let label = format!("{remote}/{branch}");
        let onto_id = self
            .ref_id(&tracking_ref(remote, branch))?
            .ok_or_else(|| fail(&label, ErrorCode::NotFound, "no remote-tracking ref"))?;
        let head = self
            .head_commit()?
            .ok_or_else(|| fail(&label, ErrorCode::UnbornBranch, "HEAD has no commit"))?;
        let mut tip = self.find_commit(onto_id)?;
        let mut written = 0;
        for id in self.local_commits(head.id(), onto_id, &label)? {
            let commit = self.find_commit(id)?;
            if let Some(new) = self.replay_one(&commit, &tip, &label, pinned)? {
                tip = new;
                written += 1;
            }
        }
        if tip.id() != head.id() {
            match self.move_head(Some(head.id()), tip.id(), &label, "baton: replay") {
                Ok(()) => {}
                Err(MoveError::Git(e)) => return Err(e),
                Err(MoveError::Overwrite(e)) => {
                    return Err(fail(&label, ErrorCode::Conflict, &e.to_string()));
                }
            }
        }
        Ok(written)
    }

    /// Commits reachable from `head` along first parents but not from `onto`, oldest first.
    fn local_commits(&self, head: Oid, onto: Oid, label: &str) -> Result<Vec<Oid>, GitError> {
        let what = || format!("list local commits missing from {label}");
        self.inner
            .merge_base(head, onto)
            .map_err(|_| fail(label, ErrorCode::NotFound, "no common history with HEAD"))?;
        let mut walk = self.inner.revwalk().map_err(git_err(what()))?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .and_then(|()| walk.simplify_first_parent())
            .and_then(|()| walk.push(head))
            .and_then(|()| walk.hide(onto))
            .map_err(git_err(what()))?;
        walk.collect::<Result<Vec<_>, _>>().map_err(git_err(what()))
    }

    /// Cherry-picks `commit` onto `onto` in memory and commits the result; `None` when the
    /// change is already in `onto` (and `commit` itself was not empty).
    fn replay_one<'r>(
        &'r self,
        commit: &Commit<'_>,
        onto: &Commit<'r>,
        label: &str,
        pinned: Option<(&str, &[u8])>,
    ) -> Result<Option<Commit<'r>>, GitError> {
        let short = short_sha(&commit.id().to_string()).to_owned();
        let what = || format!("replay {short} onto {label}");
        let mainline = u32::from(commit.parent_count() > 1);
        let mut index = self
            .inner
            .cherrypick_commit(commit, onto, mainline, None)
            .map_err(git_err(what()))?;
        if let Some((path, content)) = pinned
            && self.changes_path(commit, path)?
        {
            self.pin(&mut index, path, content)
                .map_err(git_err(what()))?;
        }
        if index.has_conflicts() {
            let summary = commit.summary().ok().flatten().unwrap_or("");
            let message = format!("conflict in {}", conflict_paths(&index).join(", "));
            return Err(fail(
                &format!("{short} ({summary})"),
                ErrorCode::Conflict,
                &message,
            ));
        }
        let tree_id = index.write_tree_to(&self.inner).map_err(git_err(what()))?;
        let was_empty = commit
            .parent(0)
            .is_ok_and(|p| p.tree_id() == commit.tree_id());
        if tree_id == onto.tree_id() && !was_empty {
            return Ok(None);
        }
        let tree = self.inner.find_tree(tree_id).map_err(git_err(what()))?;
        let committer = self
            .inner
            .signature()
            .unwrap_or_else(|_| commit.committer().to_owned());
        let message = String::from_utf8_lossy(commit.message_raw_bytes());
        let id = self
            .inner
            .commit(None, &commit.author(), &committer, &message, &tree, &[onto])
            .map_err(git_err(what()))?;
        self.find_commit(id).map(Some)
    }

    /// Whether `commit` changes `path` against its first parent.
    fn changes_path(&self, commit: &Commit<'_>, path: &str) -> Result<bool, GitError> {
        let entry_at = |c: &Commit<'_>| {
            c.tree()
                .ok()
                .and_then(|t| t.get_path(std::path::Path::new(path)).ok())
                .map(|e| e.id())
        };
        let parent = commit.parent(0).ok();
        Ok(entry_at(commit) != parent.as_ref().and_then(entry_at))
    }

    /// Sets `path` in `index` to a blob of `content` (mode 100644), resolving any conflict on it.
    fn pin(&self, index: &mut Index, path: &str, content: &[u8]) -> Result<(), git2::Error> {
        if index.has_conflicts() {
            let _ = index.conflict_remove(std::path::Path::new(path));
        }
        let id = self.inner.blob(content)?;
        let entry = git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100_644,
            uid: 0,
            gid: 0,
            file_size: u32::try_from(content.len()).unwrap_or(u32::MAX),
            id,
            flags: 0,
            flags_extended: 0,
            path: path.as_bytes().to_vec(),
        };
        index.add(&entry)
    }

    fn find_commit(&self, id: Oid) -> Result<Commit<'_>, GitError> {
        self.inner
            .find_commit(id)
            .map_err(git_err(format!("read commit {id}")))
    }
}

/// The paths with conflict entries in `index`, sorted, each once.
fn conflict_paths(index: &Index) -> Vec<String> {
    let mut paths: Vec<String> = index
        .conflicts()
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|c| c.our.or(c.their).or(c.ancestor))
        .map(|entry| String::from_utf8_lossy(&entry.path).into_owned())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// A replay failure about `subject` (e.g. `origin/main`, or a commit) with libgit2-style `code`.
fn fail(subject: &str, code: ErrorCode, message: &str) -> GitError {
    GitError::Git2 {
        what: format!("replay local commits: {subject}"),
        source: git2::Error::new(code, ErrorClass::Merge, message),
    }
}
