//! Change counts between two commits (the journal's `files_changed`, `insertions`,
//! `deletions`), at the cost of what changed rather than of the repository's size.
//!
//! libgit2's tree-to-tree diff walks every file of both trees, identical subtrees included (a
//! 50,000-file repository: every tree read and hashed, every entry compared, each turn). Here
//! the two trees are compared first, entry by entry, going down only into subtrees whose ids
//! differ; libgit2 then diffs exactly the paths found, with `disable_pathspec_match` (an exact
//! path list, which its tree iterator uses to skip every other directory), so the counts are
//! its own: type changes, submodules, binary files and attributes as `git diff --stat` treats
//! them.

use std::collections::BTreeMap;

use git2::{DiffOptions, Oid, Tree};

use super::{DiffStats, GitError, Repo, git_err};

/// A tree entry's mode for a directory.
const TREE_MODE: i32 = 0o040_000;

/// What one side of a tree holds at a name: the object id and the entry mode.
type Side = Option<(Oid, i32)>;

impl Repo {
    /// Change counts from `from` to `to` (commit SHAs, full or abbreviated; `None` = the empty
    /// tree / unborn).
    ///
    /// # Errors
    /// [`GitError`] when a SHA does not name a commit or a tree cannot be read.
    pub(crate) fn diff_stats(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<DiffStats, GitError> {
        let old = from.map(|sha| self.tree_of(sha)).transpose()?;
        let new = to.map(|sha| self.tree_of(sha)).transpose()?;
        let Some(mut options) = self.only_differences(old.as_ref(), new.as_ref())? else {
            return Ok(DiffStats::default());
        };
        let diff = self
            .inner
            .diff_tree_to_tree(old.as_ref(), new.as_ref(), Some(&mut options))
            .map_err(git_err("diff trees"))?;
        let stats = diff.stats().map_err(git_err("count diff stats"))?;
        Ok(DiffStats {
            files_changed: stats.files_changed() as u64,
            insertions: stats.insertions() as u64,
            deletions: stats.deletions() as u64,
        })
    }

    /// Options that limit a diff of the trees `old` and `new` to the paths where they differ
    /// (an exact path list, see [`Repo::differing_paths`]); `None` when they are the same (an
    /// empty path list would mean every path).
    ///
    /// # Errors
    /// [`GitError`] when a tree cannot be read.
    pub(super) fn only_differences(
        &self,
        old: Option<&Tree<'_>>,
        new: Option<&Tree<'_>>,
    ) -> Result<Option<DiffOptions>, GitError> {
        let mut paths = Vec::new();
        self.differing_paths(old, new, b"", &mut paths)?;
        if paths.is_empty() {
            return Ok(None);
        }
        let mut options = DiffOptions::new();
        options.disable_pathspec_match(true);
        for path in paths {
            options.pathspec(path);
        }
        Ok(Some(options))
    }

    /// Appends to `out` the paths (under `prefix`, `/`-separated bytes, as git stores names)
    /// where `old` and `new` differ:
    /// an entry added, removed, or changed in id or mode; a directory on both sides is gone
    /// into instead, unless identical. A path names everything under it.
    fn differing_paths(
        &self,
        old: Option<&Tree<'_>>,
        new: Option<&Tree<'_>>,
        prefix: &[u8],
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), GitError> {
        let mut names: BTreeMap<Vec<u8>, (Side, Side)> = BTreeMap::new();
        for (tree, new_side) in [(old, false), (new, true)] {
            for entry in tree.iter().flat_map(|t| t.iter()) {
                let name = entry.name_bytes().to_vec();
                let side = Some((entry.id(), entry.filemode()));
                let slot = names.entry(name).or_default();
                if new_side {
                    slot.1 = side;
                } else {
                    slot.0 = side;
                }
            }
        }
        for (name, sides) in names {
            let mut path = prefix.to_vec();
            path.extend_from_slice(&name);
            match sides {
                (old, new) if old == new => {}
                (Some((old, TREE_MODE)), Some((new, TREE_MODE))) => {
                    let old = self.find_tree(old)?;
                    let new = self.find_tree(new)?;
                    path.push(b'/');
                    self.differing_paths(Some(&old), Some(&new), &path, out)?;
                }
                _ => out.push(path),
            }
        }
        Ok(())
    }

    fn find_tree(&self, id: Oid) -> Result<Tree<'_>, GitError> {
        self.inner
            .find_tree(id)
            .map_err(git_err(format!("read tree {id}")))
    }

    fn tree_of(&self, sha: &str) -> Result<Tree<'_>, GitError> {
        let what = || format!("read commit `{sha}`");
        let object = self.inner.revparse_single(sha).map_err(git_err(what()))?;
        let commit = object.peel_to_commit().map_err(git_err(what()))?;
        commit.tree().map_err(git_err(what()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use git2::{FileMode, Oid};

    use crate::git::DiffStats;
    use crate::git::testutil::TestRepo;

    /// Paths that nest, clash as file and directory, and are not UTF-8.
    const PATHS: [&[u8]; 10] = [
        b"a",
        b"a/x",
        b"a/y",
        b"a/c/z",
        b"b",
        b"b/x",
        b"q",
        b"\xe9t\xe9",
        b"d/e/f/g",
        b"d/h",
    ];
    const CONTENTS: [&[u8]; 5] = [b"1\n2\n3\n", b"1\nTWO\n3\n4\n", b"", b"\0\x01binary", b"x"];
    const MODES: [FileMode; 4] = [
        FileMode::Blob,
        FileMode::BlobExecutable,
        FileMode::Link,
        FileMode::Commit,
    ];

    /// xorshift64*, so that a failure reproduces.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33;
            usize::try_from(x % n as u64).expect("below n")
        }
    }

    type Files = BTreeMap<&'static [u8], (usize, usize)>;

    /// Sets `path` (content, mode) unless a file or directory already stands in its way.
    fn put(files: &mut Files, path: &'static [u8], what: (usize, usize)) {
        let clashes = files.keys().any(|other| {
            let (short, long) = if other.len() < path.len() {
                (*other, path)
            } else {
                (path, *other)
            };
            short != long && long.starts_with(short) && long[short.len()] == b'/'
        });
        if !clashes {
            files.insert(path, what);
        }
    }

    fn commit(t: &TestRepo, files: &Files) -> String {
        let empty = t
            .raw
            .treebuilder(None)
            .and_then(|b| b.write())
            .expect("empty");
        let base = t.raw.find_tree(empty).expect("tree");
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, (content, mode)) in files {
            let id = if MODES[*mode] == FileMode::Commit {
                Oid::hash_object(git2::ObjectType::Commit, CONTENTS[*content]).expect("oid")
            } else {
                t.raw.blob(CONTENTS[*content]).expect("blob")
            };
            update.upsert(*path, id, MODES[*mode]);
        }
        let tree = update.create_updated(&t.raw, &base).expect("tree");
        let tree = t.raw.find_tree(tree).expect("tree");
        let sig = git2::Signature::now("t", "t@example.invalid").expect("sig");
        t.raw
            .commit(None, &sig, &sig, "m", &tree, &[])
            .expect("commit")
            .to_string()
    }

    /// What a plain tree-to-tree diff of every path says.
    fn full(t: &TestRepo, from: Option<&str>, to: Option<&str>) -> DiffStats {
        let tree = |sha: &str| {
            t.raw
                .find_commit(Oid::from_str(sha).expect("oid"))
                .and_then(|c| c.tree())
        };
        let old = from.map(|s| tree(s).expect("tree"));
        let new = to.map(|s| tree(s).expect("tree"));
        let diff = t
            .raw
            .diff_tree_to_tree(old.as_ref(), new.as_ref(), None)
            .expect("diff");
        let stats = diff.stats().expect("stats");
        DiffStats {
            files_changed: stats.files_changed() as u64,
            insertions: stats.insertions() as u64,
            deletions: stats.deletions() as u64,
        }
    }

    #[test]
    fn counts_equal_a_diff_of_every_path() {
        let t = TestRepo::new();
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        let mut differed = 0;
        for case in 0..300 {
            let mut before = Files::new();
            for _ in 0..rng.below(8) {
                let what = (rng.below(CONTENTS.len()), rng.below(MODES.len()));
                put(&mut before, PATHS[rng.below(PATHS.len())], what);
            }
            let mut after = before.clone();
            for _ in 0..=rng.below(3) {
                let path = PATHS[rng.below(PATHS.len())];
                if rng.below(3) == 0 {
                    after.remove(path);
                } else {
                    // A file in the way of a directory (or the reverse) goes, as in a work tree.
                    after.retain(|p, _| !(p.starts_with(path) || path.starts_with(p)));
                    put(
                        &mut after,
                        path,
                        (rng.below(CONTENTS.len()), rng.below(MODES.len())),
                    );
                }
            }
            let (a, b) = (commit(&t, &before), commit(&t, &after));
            let fast = t.repo.diff_stats(Some(&a), Some(&b)).expect("diff");
            assert_eq!(
                fast,
                full(&t, Some(&a), Some(&b)),
                "case {case}: {before:?} → {after:?}"
            );
            let from_empty = t.repo.diff_stats(None, Some(&b)).expect("diff");
            assert_eq!(
                from_empty,
                full(&t, None, Some(&b)),
                "case {case} from nothing"
            );
            differed += usize::from(fast != DiffStats::default());
        }
        assert!(differed > 150, "most cases change something: {differed}");
    }
}
