//! History questions the handoff's fencing asks: merge bases, ancestry, and whether the remote
//! branch was rewritten under this clone.

use crate::git::{GitError, Repo};

/// How many of the newest reflog entries [`Repo::rewritten_tip`] reads.
const REWRITE_SCAN: usize = 256;

impl Repo {
    /// The merge base of two revisions (refs or SHAs), as a full SHA; `None` when they share no
    /// history or one does not exist.
    ///
    /// # Errors
    /// [`GitError`] for a libgit2 failure other than "not found".
    pub(crate) fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, GitError> {
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
    pub(crate) fn is_ancestor(&self, ancestor: &str, rev: &str) -> Result<bool, GitError> {
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

    /// A commit that the remote-tracking ref `tracking` had before a forced (non-fast-forward)
    /// update, that HEAD contains and that the ref's current value does not, as a full SHA: the
    /// remote branch was rewritten (force-pushed) and lost commits this clone had from it.
    /// `None` when there is none, or the ref or its reflog does not exist.
    ///
    /// Only the newest [`REWRITE_SCAN`] reflog entries are read, and only a forced update costs
    /// more than one short ancestry walk, so the answer stays cheap on a clone with years of
    /// fetches. Once HEAD no longer holds the lost commits (`git reset --hard
    /// <remote>/<branch>`), or the remote has them again, the answer is `None`.
    ///
    /// # Errors
    /// [`GitError`] when the reflog or the history cannot be read.
    pub(crate) fn rewritten_tip(&self, tracking: &str) -> Result<Option<String>, GitError> {
        let git = |what: &'static str| {
            move |source| GitError::Git2 {
                what: format!("{what} `{tracking}`"),
                source,
            }
        };
        let (Some(current), Some(head)) = (self.resolve(tracking), self.resolve("HEAD")) else {
            return Ok(None);
        };
        let contains = |tip: git2::Oid, id: git2::Oid| -> Result<bool, GitError> {
            let descends = self.inner.graph_descendant_of(tip, id);
            Ok(tip == id || descends.map_err(git("compare history of"))?)
        };
        let reflog = self
            .inner
            .reflog(tracking)
            .map_err(git("read the reflog of"))?;
        for entry in reflog.iter().take(REWRITE_SCAN) {
            let (old, new) = (entry.id_old(), entry.id_new());
            if old.is_zero() || new.is_zero() || contains(new, old)? {
                continue; // created, deleted, or moved forward
            }
            if contains(head, old)? && !contains(current, old)? {
                return Ok(Some(old.to_string()));
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
