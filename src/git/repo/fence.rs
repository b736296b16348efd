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

/// A commit that changed a file against its first parent (see [`Repo::file_changes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileChange {
    /// The commit, full SHA.
    pub sha: String,
    /// Its first parent, full SHA; `None` for a root commit.
    pub parent: Option<String>,
    /// Its whole message.
    pub message: String,
    /// `Name <email>` of its author.
    pub author: String,
}

/// The commits of [`Repo::file_changes`], newest first, read as the walk goes.
pub(crate) struct FileChanges<'r> {
    repo: &'r Repo,
    path: std::path::PathBuf,
    walk: Option<git2::Revwalk<'r>>,
}

impl Repo {
    /// The commits along the first-parent history of `rev` (newest first, `rev` included) that
    /// changed `path` (relative to the work tree root) against their first parent: added,
    /// modified or removed. With `hide`, commits reachable from that revision are left out (the
    /// walk of what a remote has that HEAD lacks). A `rev` that names no commit yields nothing;
    /// a `hide` that names none hides nothing.
    ///
    /// # Errors
    /// [`GitError`] when the walk cannot be set up.
    pub(crate) fn file_changes(
        &self,
        rev: &str,
        path: &str,
        hide: Option<&str>,
    ) -> Result<FileChanges<'_>, GitError> {
        let git = |source| GitError::Git2 {
            what: format!("walk the history of `{path}` from `{rev}`"),
            source,
        };
        let walk = match self.resolve(rev) {
            Some(tip) => {
                let mut walk = self.inner.revwalk().map_err(git)?;
                walk.simplify_first_parent().map_err(git)?;
                walk.push(tip).map_err(git)?;
                if let Some(hidden) = hide.and_then(|h| self.resolve(h)) {
                    walk.hide(hidden).map_err(git)?;
                }
                Some(walk)
            }
            None => None,
        };
        Ok(FileChanges {
            repo: self,
            path: std::path::PathBuf::from(path),
            walk,
        })
    }
}

impl FileChanges<'_> {
    /// `id` as a [`FileChange`] when it changed the file against its first parent.
    fn change(&self, id: git2::Oid) -> Result<Option<FileChange>, GitError> {
        let inner = &self.repo.inner;
        let commit = inner.find_commit(id).map_err(|source| GitError::Git2 {
            what: format!("read commit {id}"),
            source,
        })?;
        let parent = commit.parent(0).ok();
        let entry = |c: &git2::Commit<'_>| {
            c.tree()
                .ok()
                .and_then(|t| t.get_path(&self.path).ok())
                .map(|e| e.id())
        };
        if parent.as_ref().and_then(entry) == entry(&commit) {
            return Ok(None);
        }
        let author = commit.author();
        Ok(Some(FileChange {
            sha: id.to_string(),
            parent: parent.map(|p| p.id().to_string()),
            message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            author: format!(
                "{} <{}>",
                String::from_utf8_lossy(author.name_bytes()),
                String::from_utf8_lossy(author.email_bytes())
            ),
        }))
    }
}

impl Iterator for FileChanges<'_> {
    type Item = Result<FileChange, GitError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let step = self.walk.as_mut()?.next()?;
            let found = step
                .map_err(|source| GitError::Git2 {
                    what: "walk history".into(),
                    source,
                })
                .and_then(|id| self.change(id));
            match found {
                Ok(Some(change)) => return Some(Ok(change)),
                Ok(None) => {}
                Err(e) => {
                    self.walk = None;
                    return Some(Err(e));
                }
            }
        }
    }
}
