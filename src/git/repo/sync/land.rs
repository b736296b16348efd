//! Landing a worker's branch: git's 3-way merge of the worker's commits with the shared head,
//! made in memory (a conflict writes nothing, anywhere), then the shared branch moved to the
//! merge commit with a safe checkout of the paths it changes.

use git2::{Commit, IndexEntry, MergeOptions, Oid};

use super::checkout::MoveError;
use crate::git::repo::git_err;
use crate::git::{GitError, Repo};

/// What to merge and how: the shared head (`ours`), the worker's head (`theirs`), the commit
/// message, a file to move in the result (a task file to `tasks/done/`), and Baton's own files
/// (state, journal), whose shared version is always kept whatever the worker's branch did.
#[derive(Clone, Debug)]
pub(crate) struct MergeSpec<'a> {
    /// The shared branch's head (full SHA): the first parent.
    pub(crate) ours: &'a str,
    /// The worker branch's head (full SHA): the second parent.
    pub(crate) theirs: &'a str,
    /// The merge commit's message.
    pub(crate) message: &'a str,
    /// `(from, to)`: a path of the merged tree moved in the merge commit.
    pub(crate) moving: Option<(&'a str, &'a str)>,
    /// Paths (a trailing `/` for a directory) whose version in `ours` is kept.
    pub(crate) keep_ours: &'a [String],
    /// `(path, contents)` pairs: files of the merged tree given these contents (a pool
    /// landing's journal segment with its line appended, and the segment it archived);
    /// applied after `keep_ours`.
    pub(crate) replacing: &'a [(&'a str, &'a [u8])],
}

/// What merging gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Merged {
    /// The merge commit (on no branch yet), full SHA.
    Clean(String),
    /// Paths both sides changed in ways git cannot combine; nothing was written.
    Conflict(Vec<String>),
}

impl Repo {
    /// Merges `spec.theirs` into `spec.ours` with git's 3-way merge, in memory: a clean merge
    /// becomes a commit with parents `[ours, theirs]` (a plain commit on `ours` when `theirs`
    /// adds nothing), referenced by no branch; a conflict writes nothing.
    ///
    /// # Errors
    /// [`GitError`] when a SHA names no commit or an object cannot be written.
    pub(crate) fn merge_for_landing(&self, spec: &MergeSpec<'_>) -> Result<Merged, GitError> {
        crate::git::repo::retry_object_writes(|| self.merge_once(spec))
    }

    fn merge_once(&self, spec: &MergeSpec<'_>) -> Result<Merged, GitError> {
        let commit = |sha: &str| {
            Oid::from_str(sha)
                .and_then(|id| self.inner.find_commit(id))
                .map_err(git_err(format!("read commit `{sha}`")))
        };
        let (ours, theirs) = (commit(spec.ours)?, commit(spec.theirs)?);
        let adds_nothing = ours.id() == theirs.id()
            || self
                .inner
                .graph_descendant_of(ours.id(), theirs.id())
                .map_err(git_err("compare the worker's branch with the shared head"))?;
        let mut index = if adds_nothing {
            let mut index = git2::Index::new().map_err(git_err("make an index"))?;
            let tree = ours
                .tree()
                .map_err(git_err("read the shared head's tree"))?;
            index
                .read_tree(&tree)
                .map_err(git_err("read the shared head's tree"))?;
            index
        } else {
            let mut opts = MergeOptions::new();
            opts.find_renames(true);
            self.inner
                .merge_commits(&ours, &theirs, Some(&opts))
                .map_err(git_err("merge the worker's branch"))?
        };
        self.keep_ours(&mut index, &ours, spec.keep_ours)?;
        if index.has_conflicts() {
            let mut paths: Vec<String> = index
                .conflicts()
                .map_err(git_err("list conflicts"))?
                .filter_map(Result::ok)
                .filter_map(|c| c.our.or(c.their).or(c.ancestor))
                .map(|e| String::from_utf8_lossy(&e.path).into_owned())
                .collect();
            paths.sort();
            paths.dedup();
            return Ok(Merged::Conflict(paths));
        }
        if let Some((from, to)) = spec.moving {
            move_entry(&mut index, from, to)?;
        }
        for &(path, contents) in spec.replacing {
            let blob = self
                .inner
                .blob(contents)
                .map_err(git_err(format!("write `{path}`")))?;
            index
                .add(&blob_entry(path, blob, 0o100_644))
                .map_err(git_err(format!("set `{path}`")))?;
        }
        let tree_id = index
            .write_tree_to(&self.inner)
            .map_err(git_err("write the merged tree"))?;
        let tree = self
            .inner
            .find_tree(tree_id)
            .map_err(git_err("read the merged tree"))?;
        let sig = self.signature()?;
        let parents: Vec<&Commit<'_>> = if adds_nothing {
            vec![&ours]
        } else {
            vec![&ours, &theirs]
        };
        let id = self
            .inner
            .commit(None, &sig, &sig, spec.message, &tree, &parents)
            .map_err(git_err("write the merge commit"))?;
        Ok(Merged::Clean(id.to_string()))
    }

    /// Puts `ours`' version of `paths` (and of everything under a `dir/`) into `index`,
    /// conflicts on them resolved that way; paths `ours` lacks are removed.
    fn keep_ours(
        &self,
        index: &mut git2::Index,
        ours: &Commit<'_>,
        paths: &[String],
    ) -> Result<(), GitError> {
        if paths.is_empty() {
            return Ok(());
        }
        let covered = |path: &str| {
            paths
                .iter()
                .any(|p| p == path || (p.ends_with('/') && path.starts_with(p.as_str())))
        };
        let listed: Vec<String> = index
            .iter()
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .filter(|p| covered(p))
            .collect();
        for path in &listed {
            index
                .remove_path(std::path::Path::new(path))
                .map_err(git_err(format!("drop the worker's `{path}`")))?;
        }
        let conflicted: Vec<String> = index
            .conflicts()
            .map_err(git_err("list conflicts"))?
            .filter_map(Result::ok)
            .filter_map(|c| c.our.or(c.their).or(c.ancestor))
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .filter(|p| covered(p))
            .collect();
        for path in &conflicted {
            index
                .conflict_remove(std::path::Path::new(path))
                .map_err(git_err(format!("resolve `{path}`")))?;
        }
        let tree = ours
            .tree()
            .map_err(git_err("read the shared head's tree"))?;
        let mut keep = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let path = format!("{dir}{}", entry.name().unwrap_or_default());
            if entry.kind() == Some(git2::ObjectType::Blob) && covered(&path) {
                keep.push((path, entry.id(), entry.filemode()));
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(git_err("walk the shared head's tree"))?;
        for (path, id, mode) in keep {
            let entry = blob_entry(&path, id, mode);
            index
                .add(&entry)
                .map_err(git_err(format!("keep the shared `{path}`")))?;
        }
        Ok(())
    }

    /// Moves the checked-out branch from `from` to `to` (which must contain it), with a safe
    /// checkout of the paths that differ; refuses, changing nothing, when the branch no longer
    /// points at `from` or local files are in the way.
    ///
    /// # Errors
    /// [`GitError::WouldOverwrite`] naming the paths in the way; [`GitError`].
    pub(crate) fn advance_head(&self, from: &str, to: &str, label: &str) -> Result<(), GitError> {
        let oid = |sha: &str| Oid::from_str(sha).map_err(git_err(format!("read `{sha}`")));
        match self.move_head(Some(oid(from)?), oid(to)?, label, "baton: land") {
            Ok(()) => Ok(()),
            Err(MoveError::Overwrite(e)) => Err(e.into()),
            Err(MoveError::Git(e)) => Err(e),
        }
    }
}

fn blob_entry(path: &str, id: Oid, mode: i32) -> IndexEntry {
    IndexEntry {
        ctime: git2::IndexTime::new(0, 0),
        mtime: git2::IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: u32::try_from(mode).unwrap_or(0o100_644),
        uid: 0,
        gid: 0,
        file_size: 0,
        id,
        flags: 0,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// Moves `from`'s entry of `index` to `to` (same blob and mode); nothing when `from` is absent.
fn move_entry(index: &mut git2::Index, from: &str, to: &str) -> Result<(), GitError> {
    let Some(entry) = index.get_path(std::path::Path::new(from), 0) else {
        return Ok(());
    };
    index
        .remove_path(std::path::Path::new(from))
        .map_err(git_err(format!("move `{from}`")))?;
    let moved = blob_entry(to, entry.id, i32::try_from(entry.mode).unwrap_or(0o100_644));
    index
        .add(&moved)
        .map_err(git_err(format!("move `{from}` to `{to}`")))
}
