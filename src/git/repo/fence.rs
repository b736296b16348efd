//! History questions the handoff's fencing asks: merge bases and ancestry.

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

    /// The commit a revision names, if it exists.
    fn resolve(&self, rev: &str) -> Option<git2::Oid> {
        let object = self.inner.revparse_single(rev).ok()?;
        object.peel_to_commit().ok().map(|c| c.id())
    }
}
