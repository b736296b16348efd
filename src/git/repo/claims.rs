//! The local side of the pool's refs (`docs/pool.md`): claim commits (parentless, the empty
//! tree, the claim in the message) made here and pushed by [`crate::git::Remote::push_leased`];
//! the claim refs a fetch mirrored, read back with their messages; backup refs.

use git2::Oid;

use super::git_err;
use crate::git::{GitError, Repo};

/// A ref of the pool as this clone last fetched it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SeenRef {
    /// The name after the prefix asked for (`t1` for `refs/baton/seen/origin/claims/t1`).
    pub(crate) name: String,
    /// Its commit, full SHA.
    pub(crate) sha: String,
    /// That commit's message (lossy UTF-8).
    pub(crate) message: String,
}

impl Repo {
    /// Writes a commit with the empty tree whose message is `message`, on no ref, as a child
    /// of `parent` (the claim commit it replaces: a renewal or a take-over is then a
    /// fast-forward, which a remote with `receive.denyNonFastForwards` accepts) or of none;
    /// its full SHA.
    ///
    /// # Errors
    /// [`GitError`], e.g. when `parent` is not a commit of this repository.
    pub(crate) fn note_commit(
        &self,
        message: &str,
        parent: Option<&str>,
    ) -> Result<String, GitError> {
        super::retry_object_writes(|| {
            let tree = self
                .inner
                .treebuilder(None)
                .and_then(|b| b.write())
                .map_err(git_err("write the empty tree"))?;
            let tree = self
                .inner
                .find_tree(tree)
                .map_err(git_err("read the empty tree"))?;
            let sig = self.signature()?;
            let parent = match parent {
                Some(sha) => Some(
                    Oid::from_str(sha)
                        .and_then(|id| self.inner.find_commit(id))
                        .map_err(git_err(format!("read claim commit `{sha}`")))?,
                ),
                None => None,
            };
            let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
            let id = self
                .inner
                .commit(None, &sig, &sig, message, &tree, &parents)
                .map_err(git_err("write a claim commit"))?;
            Ok(id.to_string())
        })
    }

    /// The local refs under `prefix` (`refs/baton/seen/origin/claims/`) with their commits'
    /// messages; a ref that names no commit is skipped.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn seen_refs(&self, prefix: &str) -> Result<Vec<SeenRef>, GitError> {
        let glob = format!("{prefix}*");
        let refs = self
            .inner
            .references_glob(&glob)
            .map_err(git_err(format!("list `{glob}`")))?;
        let mut out = Vec::new();
        for reference in refs.flatten() {
            let Some(name) = reference.name().ok().and_then(|n| n.strip_prefix(prefix)) else {
                continue;
            };
            let name = name.to_owned();
            let Ok(commit) = reference.peel_to_commit() else {
                continue;
            };
            out.push(SeenRef {
                name,
                sha: commit.id().to_string(),
                message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Points local ref `name` at `sha` (made or moved), with `log` in its reflog.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn set_ref(&self, name: &str, sha: &str, log: &str) -> Result<(), GitError> {
        let id = Oid::from_str(sha).map_err(git_err(format!("read `{sha}`")))?;
        self.inner
            .reference(name, id, true, log)
            .map_err(git_err(format!("set `{name}`")))?;
        Ok(())
    }

    /// The messages (lossy UTF-8) of the first `count` commits of `tip`'s first-parent line,
    /// `tip` first.
    ///
    /// # Errors
    /// [`GitError`] when `tip` names no commit.
    pub(crate) fn recent_messages(&self, tip: &str, count: usize) -> Result<Vec<String>, GitError> {
        let mut next = Some(Oid::from_str(tip).map_err(git_err(format!("read `{tip}`")))?);
        let mut out = Vec::new();
        while let Some(id) = next.filter(|_| out.len() < count) {
            let commit = self
                .inner
                .find_commit(id)
                .map_err(git_err(format!("read commit {id}")))?;
            out.push(String::from_utf8_lossy(commit.message_bytes()).into_owned());
            next = commit.parent_id(0).ok();
        }
        Ok(out)
    }

    /// The full SHA local ref `name` points at, if it exists.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn ref_sha(&self, name: &str) -> Result<Option<String>, GitError> {
        match self.inner.refname_to_id(name) {
            Ok(id) => Ok(Some(id.to_string())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(format!("read `{name}`"))(e)),
        }
    }
}
