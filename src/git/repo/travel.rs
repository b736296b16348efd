//! What going back in a branch's history asks of git: the first-parent line of a commit with
//! the blob one path has at each commit (which tells which commit wrote which journal line), a
//! commit that takes an earlier commit's tree on top of HEAD (history kept, nothing rewritten),
//! and the refs and branches made at a commit.

use std::path::Path;

use git2::{ErrorCode, Oid};

use super::range::MESSAGE_BYTES;
use super::{git_err, retry_object_writes};
use crate::git::{GitError, Repo};

/// One commit of a first-parent line, with the blob one path has in its tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LineCommit {
    /// Full SHA.
    pub sha: String,
    /// Its first parent, full SHA; `None` for a root commit.
    pub parent: Option<String>,
    /// Its message: at most its first [`MESSAGE_BYTES`] (lossily decoded).
    pub message: String,
    /// The id of the blob at the path asked about, when its tree has one there.
    pub blob: Option<String>,
}

impl Repo {
    /// The commit a revision names (a SHA, full or abbreviated, a branch, a ref such as
    /// `refs/baton/backup/rewind-1`, `HEAD~2`), as a full SHA; `None` when it names nothing
    /// or something that is not a commit.
    ///
    /// # Errors
    /// [`GitError`] for an ambiguous abbreviation or a repository that cannot be read.
    pub(crate) fn commit_id(&self, rev: &str) -> Result<Option<String>, GitError> {
        let object = match self.inner.revparse_single(rev) {
            Ok(object) => object,
            Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::InvalidSpec) => {
                return Ok(None);
            }
            Err(e) => return Err(git_err(format!("resolve `{rev}`"))(e)),
        };
        Ok(object.peel_to_commit().ok().map(|c| c.id().to_string()))
    }

    /// The reference a short name means as git reads it (`main`, `origin/main`,
    /// `refs/baton/backup/rewind-1`, a tag): its full name and the commit it points at; `None`
    /// when no reference has that name.
    ///
    /// # Errors
    /// [`GitError`] when the reference cannot be read.
    pub(crate) fn named_ref(&self, name: &str) -> Result<Option<(String, String)>, GitError> {
        let reference = match self.inner.resolve_reference_from_short_name(name) {
            Ok(reference) => reference,
            Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::InvalidSpec) => {
                return Ok(None);
            }
            Err(e) => return Err(git_err(format!("look up `{name}`"))(e)),
        };
        let full = reference.name().unwrap_or(name).to_owned();
        let commit = reference
            .peel_to_commit()
            .map_err(git_err(format!("read the commit `{full}` points at")))?;
        Ok(Some((full, commit.id().to_string())))
    }

    /// The first-parent line of commit `tip` (a full SHA), oldest first, `tip` last: each
    /// commit with the blob `path` (relative to the work tree root) has in its tree.
    ///
    /// # Errors
    /// [`GitError`] when `tip` names no commit or a commit cannot be read.
    pub(crate) fn first_parent_line(
        &self,
        tip: &str,
        path: &str,
    ) -> Result<Vec<LineCommit>, GitError> {
        let read = |id: Oid| {
            self.inner
                .find_commit(id)
                .map_err(git_err(format!("read commit {id}")))
        };
        let path = Path::new(path);
        let mut line = Vec::new();
        let mut next = Some(oid(tip)?);
        while let Some(id) = next {
            let commit = read(id)?;
            let bytes = commit.message_bytes();
            let message = String::from_utf8_lossy(&bytes[..bytes.len().min(MESSAGE_BYTES)]);
            let blob = commit
                .tree()
                .map_err(git_err(format!("read the tree of {id}")))?
                .get_path(path)
                .ok()
                .map(|entry| entry.id().to_string());
            next = commit.parent_id(0).ok();
            line.push(LineCommit {
                sha: id.to_string(),
                parent: next.map(|p| p.to_string()),
                message: message.into_owned(),
                blob,
            });
        }
        line.reverse();
        Ok(line)
    }

    /// The bytes of blob `id` (a full SHA).
    ///
    /// # Errors
    /// [`GitError`] when it is not a blob of this repository.
    pub(crate) fn blob(&self, id: &str) -> Result<Vec<u8>, GitError> {
        let blob = self
            .inner
            .find_blob(oid(id)?)
            .map_err(git_err(format!("read blob {id}")))?;
        Ok(blob.content().to_vec())
    }

    /// Whether commits `a` and `b` (full SHAs) have the same tree.
    ///
    /// # Errors
    /// [`GitError`] when either is not a commit here.
    pub(crate) fn same_tree(&self, a: &str, b: &str) -> Result<bool, GitError> {
        let tree = |sha: &str| -> Result<Oid, GitError> {
            let commit = self
                .inner
                .find_commit(oid(sha)?)
                .map_err(git_err(format!("read commit {sha}")))?;
            Ok(commit.tree_id())
        };
        Ok(tree(a)? == tree(b)?)
    }

    /// Writes a commit whose tree is commit `source`'s (a full SHA) and whose parent is HEAD,
    /// with `message` (author and committer as for every commit Baton makes), and returns its
    /// SHA. Nothing moves: no ref, no index, no file (see [`Repo::move_head_to`]).
    ///
    /// # Errors
    /// [`GitError`] when `source` is not a commit here or HEAD has none.
    pub(crate) fn commit_tree_on_head(
        &self,
        source: &str,
        message: &str,
    ) -> Result<String, GitError> {
        let what = || format!("commit the tree of {source} on HEAD");
        let tree = self
            .inner
            .find_commit(oid(source)?)
            .and_then(|c| c.tree())
            .map_err(git_err(what()))?;
        let head = self.head_commit()?.ok_or_else(|| GitError::Git2 {
            what: what(),
            source: git2::Error::new(
                ErrorCode::UnbornBranch,
                git2::ErrorClass::Reference,
                "HEAD has no commit",
            ),
        })?;
        let sig = self.signature()?;
        retry_object_writes(|| {
            self.inner
                .commit(None, &sig, &sig, message, &tree, &[&head])
                .map(|id| id.to_string())
                .map_err(git_err(what()))
        })
    }

    /// The first `refs/baton/backup/<base>-<n>` (n = 1, 2, …) that does not exist yet.
    ///
    /// # Errors
    /// [`GitError`] when the refs cannot be read.
    pub(crate) fn free_backup_name(&self, base: &str) -> Result<String, GitError> {
        let mut n = 1_u64;
        loop {
            let name = format!("refs/baton/backup/{base}-{n}");
            match self.inner.find_reference(&name) {
                Err(e) if e.code() == ErrorCode::NotFound => return Ok(name),
                Err(e) => return Err(git_err(format!("read `{name}`"))(e)),
                Ok(_) => n += 1,
            }
        }
    }

    /// Makes ref `name` (a full name, `refs/…`) point at commit `sha`; refuses to move one
    /// that exists.
    ///
    /// # Errors
    /// [`GitError`], also when `name` exists.
    pub(crate) fn create_ref(&self, name: &str, sha: &str, log: &str) -> Result<(), GitError> {
        self.inner
            .reference(name, oid(sha)?, false, log)
            .map(drop)
            .map_err(git_err(format!("create `{name}`")))
    }

    /// Makes local branch `name` at commit `sha`; refuses to move one that exists.
    ///
    /// # Errors
    /// [`GitError`], also when the branch exists or `sha` is not a commit here.
    pub(crate) fn create_branch(&self, name: &str, sha: &str) -> Result<(), GitError> {
        let what = || format!("create branch `{name}`");
        let commit = self.inner.find_commit(oid(sha)?).map_err(git_err(what()))?;
        self.inner
            .branch(name, &commit, false)
            .map(drop)
            .map_err(git_err(what()))
    }
}

/// Whether `name` is a valid branch name for git (`git check-ref-format --branch`).
#[must_use]
pub(crate) fn valid_branch_name(name: &str) -> bool {
    !name.starts_with('-') && git2::Branch::name_is_valid(name).unwrap_or(false)
}

/// A full SHA as an object id.
fn oid(sha: &str) -> Result<Oid, GitError> {
    Oid::from_str(sha).map_err(git_err(format!("`{sha}` is not a SHA")))
}
