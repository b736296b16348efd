//! Reading history and mapping paths into the work tree.

use std::path::Path;

use crate::git::{GitError, Repo};

impl Repo {
    /// The last `n` commits reachable from HEAD, newest first, as `<short sha> <subject>`.
    /// Empty on an unborn branch.
    ///
    /// # Errors
    /// [`GitError`] when the history cannot be walked.
    pub(crate) fn log_oneline(&self, n: usize) -> Result<Vec<String>, GitError> {
        let git = |what: &str| {
            let what = what.to_owned();
            move |source| GitError::Git2 { what, source }
        };
        if self.head_id()?.is_none() {
            return Ok(Vec::new());
        }
        let mut walk = self.inner.revwalk().map_err(git("walk history"))?;
        walk.push_head().map_err(git("walk history from HEAD"))?;
        let mut lines = Vec::new();
        for oid in walk.take(n) {
            let oid = oid.map_err(git("walk history"))?;
            let commit = self.inner.find_commit(oid).map_err(git("read commit"))?;
            let sha = oid.to_string();
            let subject = commit.summary().ok().flatten().unwrap_or("").to_owned();
            lines.push(format!("{} {subject}", &sha[..7.min(sha.len())]));
        }
        Ok(lines)
    }

    /// `path` relative to the work tree root with `/` separators, when it lies inside it. The
    /// path need not exist (its deepest existing ancestor is resolved through symlinks).
    #[must_use]
    pub(crate) fn relative(&self, path: &Path) -> Option<String> {
        let root = self.workdir();
        let rel = match path.strip_prefix(root) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => {
                let full = resolve_existing_prefix(path)?;
                full.strip_prefix(root.canonicalize().ok()?)
                    .ok()?
                    .to_path_buf()
            }
        };
        Some(rel.to_string_lossy().replace('\\', "/"))
    }
}

impl Repo {
    /// Whether HEAD's tree has an entry at `path` (relative to the work tree root); a tree
    /// lookup, no file is read. `false` on an unborn branch.
    ///
    /// # Errors
    /// [`GitError`] when HEAD cannot be read.
    pub(crate) fn in_head(&self, path: &str) -> Result<bool, GitError> {
        let Some(commit) = self.head_commit()? else {
            return Ok(false);
        };
        let tree = commit.tree().map_err(|source| GitError::Git2 {
            what: "read HEAD's tree".into(),
            source,
        })?;
        Ok(tree.get_path(Path::new(path)).is_ok())
    }

    /// Whether any of `paths` (relative to the work tree root) differs between the work tree
    /// and HEAD's tree: content changed, or present on one side only. An unborn HEAD differs
    /// when any path exists. Reads file contents only (no index, no filters).
    ///
    /// # Errors
    /// [`GitError`] when HEAD or a file cannot be read.
    pub(crate) fn differs_from_head(&self, paths: &[String]) -> Result<bool, GitError> {
        let tree = match self.head_commit()? {
            Some(commit) => Some(commit.tree().map_err(|source| GitError::Git2 {
                what: "read HEAD's tree".into(),
                source,
            })?),
            None => None,
        };
        for path in paths {
            let full = self.workdir().join(path);
            let on_disk = match full.symlink_metadata() {
                Ok(_) => Some(git2::Oid::hash_file(git2::ObjectType::Blob, &full).map_err(
                    |source| GitError::Git2 {
                        what: format!("hash `{path}`"),
                        source,
                    },
                )?),
                Err(_) => None,
            };
            let in_head = tree
                .as_ref()
                .and_then(|t| t.get_path(Path::new(path)).ok())
                .map(|entry| entry.id());
            if on_disk != in_head {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl Repo {
    /// Whether the changes from `from` to `to` (revisions) touch no path outside `paths`.
    ///
    /// # Errors
    /// [`GitError`] when a revision names no commit or the trees cannot be compared.
    pub(crate) fn only_touches(
        &self,
        from: &str,
        to: &str,
        paths: &[String],
    ) -> Result<bool, GitError> {
        let git = |what: String| move |source| GitError::Git2 { what, source };
        let tree = |rev: &str| {
            self.inner
                .revparse_single(rev)
                .and_then(|o| o.peel_to_tree())
                .map_err(git(format!("read the tree of `{rev}`")))
        };
        let (old, new) = (tree(from)?, tree(to)?);
        let diff = self
            .inner
            .diff_tree_to_tree(Some(&old), Some(&new), None)
            .map_err(git("compare trees".to_owned()))?;
        let touched = diff
            .deltas()
            .flat_map(|d| [d.old_file().path(), d.new_file().path()]);
        Ok(touched
            .flatten()
            .all(|p| paths.iter().any(|allowed| Path::new(allowed) == p)))
    }
}

impl Repo {
    /// Restores `path` (relative to the work tree) in the work tree and the index from HEAD
    /// (or removes it when HEAD has no such file), like `git checkout HEAD -- <path>`.
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn restore_from_head(&self, path: &str) -> Result<(), GitError> {
        let mut opts = git2::build::CheckoutBuilder::new();
        opts.force().remove_untracked(true).path(path);
        self.inner
            .checkout_head(Some(&mut opts))
            .map_err(|source| GitError::Git2 {
                what: format!("restore `{path}` from HEAD"),
                source,
            })
    }
}

/// `path` with its deepest existing ancestor canonicalized and the rest appended.
fn resolve_existing_prefix(path: &Path) -> Option<std::path::PathBuf> {
    let mut existing = path;
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    }
    let mut full = existing.canonicalize().ok()?;
    full.extend(rest.iter().rev());
    Some(full)
}

/// How the current branch stands against its upstream, from the refs already fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Divergence {
    /// The upstream's short name, e.g. `origin/main`.
    pub upstream: String,
    /// Local commits the upstream does not have.
    pub ahead: usize,
    /// Upstream commits the local branch does not have.
    pub behind: usize,
}

impl Repo {
    /// How commit `local` stands against commit `other` (full SHAs or revisions): (commits
    /// only `local` has, commits only `other` has).
    ///
    /// # Errors
    /// [`GitError`] when either cannot be resolved or the history cannot be walked.
    pub(crate) fn ahead_behind(
        &self,
        local: &str,
        other: &str,
    ) -> Result<(usize, usize), GitError> {
        let id = |rev: &str| {
            self.inner
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map(|c| c.id())
                .map_err(|source| GitError::Git2 {
                    what: format!("resolve {rev}"),
                    source,
                })
        };
        let (l, o) = (id(local)?, id(other)?);
        self.inner
            .graph_ahead_behind(l, o)
            .map_err(|source| GitError::Git2 {
                what: "compare two commits".into(),
                source,
            })
    }

    /// The current branch against its configured upstream; `None` when HEAD is detached or
    /// unborn, or the branch tracks nothing. Reads local refs only (no fetch).
    ///
    /// # Errors
    /// [`GitError`] when the refs cannot be read.
    pub(crate) fn upstream_divergence(&self) -> Result<Option<Divergence>, GitError> {
        let git = |what: &'static str| {
            move |source| GitError::Git2 {
                what: what.into(),
                source,
            }
        };
        let Some(name) = self.branch()? else {
            return Ok(None);
        };
        let Ok(local) = self.inner.find_branch(&name, git2::BranchType::Local) else {
            return Ok(None);
        };
        let Ok(upstream) = local.upstream() else {
            return Ok(None);
        };
        let (Some(l), Some(u)) = (local.get().target(), upstream.get().target()) else {
            return Ok(None);
        };
        let (ahead, behind) = self
            .inner
            .graph_ahead_behind(l, u)
            .map_err(git("compare with the upstream"))?;
        let upstream = upstream
            .name()
            .ok()
            .flatten()
            .unwrap_or("upstream")
            .to_owned();
        Ok(Some(Divergence {
            upstream,
            ahead,
            behind,
        }))
    }
}

impl Repo {
    /// The directory git runs this clone's hooks from: `core.hooksPath` when set (relative to
    /// the work tree root, `~/` expanded by libgit2), else `<git dir>/hooks`.
    #[must_use]
    pub(crate) fn hooks_dir(&self) -> std::path::PathBuf {
        let configured = self
            .inner
            .config()
            .and_then(|c| c.get_path("core.hooksPath"))
            .ok();
        match configured {
            Some(path) if path.is_absolute() => path,
            Some(path) => self.workdir().join(path),
            None => self.git_dir().join("hooks"),
        }
    }
}
