//! History questions the handoff's fencing asks: merge bases, ancestry, and whether the remote
//! branch was rewritten under this clone.

use crate::git::{GitError, Repo};

impl Repo {
    /// The merge base of two revisions (refs or SHAs), as a full SHA; `None` when they share no
    /// history or one does not exist.
    ///
    /// # Errors
    /// [`GitError`] for a libgit2 failure other than "not found".
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, GitError> {
        let (Some(a), Some(b)) = (self.resolve(a), self.resolve(b)) else {
            return Ok(None);
        };
        match self.inner.merge_base(a, b) {
            Ok(oid) => Ok(Some(oid.to_string())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(source) => Err(GitError::Git2 {
                what: "find the merge base".into(),
                source,
            }),
        }
    }

    /// Whether `ancestor` is `rev` or one of its ancestors.
    ///
    /// # Errors
    /// [`GitError`].
    pub fn is_ancestor(&self, ancestor: &str, rev: &str) -> Result<bool, GitError> {
        let (Some(a), Some(r)) = (self.resolve(ancestor), self.resolve(rev)) else {
            return Ok(false);
        };
        if a == r {
            return Ok(true);
        }
        self.inner
            .graph_descendant_of(r, a)
            .map_err(|source| GitError::Git2 {
                what: "compare history".into(),
                source,
            })
    }

    /// An earlier value of the remote-tracking ref `tracking` (from its reflog, newest first)
    /// that HEAD contains but the ref's current value does not, as a full SHA: the remote branch
    /// lost commits this clone had from it, so it was rewritten (force-pushed). `None` when
    /// there is none, or the ref or its reflog does not exist.
    ///
    /// A remote branch only ever moves forward in normal use, so every earlier value is an
    /// ancestor of the current one. Once HEAD no longer holds the lost commits (`git reset
    /// --hard <remote>/<branch>`), the answer is `None` again.
    ///
    /// # Errors
    /// [`GitError`] when the reflog or the history cannot be read.
    pub fn rewritten_tip(&self, tracking: &str) -> Result<Option<String>, GitError> {
        let git = |what: &'static str| {
            move |source| GitError::Git2 {
                what: format!("{what} `{tracking}`"),
                source,
            }
        };
        let (Some(current), Some(head)) = (self.resolve(tracking), self.resolve("HEAD")) else {
            return Ok(None);
        };
        let reflog = self
            .inner
            .reflog(tracking)
            .map_err(git("read the reflog of"))?;
        let mut seen = std::collections::HashSet::new();
        for entry in reflog.iter() {
            for id in [entry.id_new(), entry.id_old()] {
                if id.is_zero() || id == current || !seen.insert(id) {
                    continue;
                }
                let kept = self
                    .inner
                    .graph_descendant_of(current, id)
                    .map_err(git("compare"))?;
                if kept {
                    continue;
                }
                let ours = id == head
                    || self
                        .inner
                        .graph_descendant_of(head, id)
                        .map_err(git("compare"))?;
                if ours {
                    return Ok(Some(id.to_string()));
                }
            }
        }
        Ok(None)
    }

    /// The commit a revision names, if it exists.
    fn resolve(&self, rev: &str) -> Option<git2::Oid> {
        let object = self.inner.revparse_single(rev).ok()?;
        object.peel_to_commit().ok().map(|c| c.id())
    }
}
