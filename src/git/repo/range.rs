//! What lies between two commits, for people looking back at a turn (its journal line names
//! the heads before and after it): the files changed with their line counts, and the commits.
//! Read only; every answer is bounded by the caller's `max`.

use git2::{Delta, DiffOptions, Oid, Patch, Sort};

use crate::git::{GitError, Repo};

/// The most bytes of a commit message [`LogCommit::message`] keeps (its start).
pub(crate) const MESSAGE_BYTES: usize = 16 * 1024;

/// One file changed between two commits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileStat {
    /// The path, relative to the work tree root, `/`-separated (the old path of a file that was
    /// deleted).
    pub path: String,
    /// `added`, `deleted`, `modified` or `type changed` (a file became a symlink, …).
    pub status: &'static str,
    /// Lines added (0 for a binary file).
    pub insertions: u64,
    /// Lines deleted (0 for a binary file).
    pub deletions: u64,
    /// Whether git sees the file as binary (no line counts).
    pub binary: bool,
}

/// The files changed between two commits: the first `max`, in path order, and how many there
/// are in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileStats {
    /// The files listed.
    pub files: Vec<FileStat>,
    /// Every file changed (more than `files.len()` when the list was cut at `max`).
    pub total: usize,
}

/// One commit of a history walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogCommit {
    /// Full SHA.
    pub sha: String,
    /// Its first line.
    pub subject: String,
    /// The message: at most its first [`MESSAGE_BYTES`] (lossily decoded).
    pub message: String,
    /// The author's name.
    pub author: String,
    /// The author's time, seconds since the Unix epoch (UTC).
    pub time: i64,
}

impl Repo {
    /// The files changed from `from` to `to` (commit SHAs, full or abbreviated; `None` = the
    /// empty tree), each with its line counts, compared as [`Repo::diff_stats`] compares them
    /// (no rename detection), so the counts add up to its totals. Line counts are made for the
    /// first `max` files only; `total` counts them all.
    ///
    /// # Errors
    /// [`GitError`] when a SHA is not hexadecimal or names no commit here, or the trees cannot
    /// be compared.
    pub(crate) fn file_stats(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        max: usize,
    ) -> Result<FileStats, GitError> {
        let tree = |sha: &str| -> Result<git2::Tree<'_>, GitError> {
            self.commit_of(sha)?
                .tree()
                .map_err(|source| git2(format!("read the tree of `{sha}`"), source))
        };
        let old = from.map(tree).transpose()?;
        let new = to.map(tree).transpose()?;
        let mut options = DiffOptions::new();
        let diff = self
            .inner
            .diff_tree_to_tree(old.as_ref(), new.as_ref(), Some(&mut options))
            .map_err(|source| git2("diff trees", source))?;
        let total = diff.deltas().len();
        let mut files = Vec::with_capacity(total.min(max));
        for index in 0..total.min(max) {
            let Some(delta) = diff.get_delta(index) else {
                continue;
            };
            let file = if delta.status() == Delta::Deleted {
                delta.old_file()
            } else {
                delta.new_file()
            };
            let path = file
                .path_bytes()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default();
            let patch = Patch::from_diff(&diff, index)
                .map_err(|source| git2(format!("diff `{path}`"), source))?;
            let binary = delta.flags().is_binary();
            let (insertions, deletions) = match patch {
                Some(patch) if !binary => {
                    let (_, added, deleted) = patch
                        .line_stats()
                        .map_err(|source| git2(format!("count the lines of `{path}`"), source))?;
                    (added as u64, deleted as u64)
                }
                _ => (0, 0),
            };
            files.push(FileStat {
                path,
                status: status_word(delta.status()),
                insertions,
                deletions,
                binary,
            });
        }
        Ok(FileStats { files, total })
    }

    /// The commits reachable from `tip` and not from `hide` (SHAs, full or abbreviated),
    /// newest first, at most `max`: the first-parent line only when `first_parent`. A `hide`
    /// that names no commit here hides nothing.
    ///
    /// # Errors
    /// [`GitError`] when `tip` is not hexadecimal or names no commit here, or the walk fails.
    pub(crate) fn log(
        &self,
        tip: &str,
        hide: Option<&str>,
        first_parent: bool,
        max: usize,
    ) -> Result<Vec<LogCommit>, GitError> {
        let walk_err = |source| git2(format!("walk the history of `{tip}`"), source);
        let tip_id = self.commit_of(tip)?.id();
        let mut walk = self.inner.revwalk().map_err(walk_err)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .map_err(walk_err)?;
        if first_parent {
            walk.simplify_first_parent().map_err(walk_err)?;
        }
        walk.push(tip_id).map_err(walk_err)?;
        if let Some(hidden) = hide.and_then(|h| self.commit_of(h).ok()) {
            walk.hide(hidden.id()).map_err(walk_err)?;
        }
        let mut commits = Vec::new();
        for id in walk.take(max) {
            let id: Oid = id.map_err(walk_err)?;
            let commit = self
                .inner
                .find_commit(id)
                .map_err(|source| git2(format!("read commit {id}"), source))?;
            let bytes = commit.message_bytes();
            let message = String::from_utf8_lossy(&bytes[..bytes.len().min(MESSAGE_BYTES)]);
            let author = commit.author();
            commits.push(LogCommit {
                sha: id.to_string(),
                subject: message.lines().next().unwrap_or_default().to_owned(),
                author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
                time: author.when().seconds(),
                message: message.into_owned(),
            });
        }
        Ok(commits)
    }

    /// The commit a SHA (full or abbreviated: 4 to 64 hexadecimal digits) names. Anything
    /// else is refused before git parses it: a journal line can hold any text, and revision
    /// syntax such as `:/text` would search the whole history.
    fn commit_of(&self, sha: &str) -> Result<git2::Commit<'_>, GitError> {
        let what = || format!("read commit `{sha}`");
        if !(4..=64).contains(&sha.len()) || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(git2(what(), git2::Error::from_str("not a commit SHA")));
        }
        self.inner
            .revparse_single(sha)
            .and_then(|object| object.peel_to_commit())
            .map_err(|source| git2(what(), source))
    }
}

/// How a file changed, as a word.
fn status_word(delta: Delta) -> &'static str {
    match delta {
        Delta::Added | Delta::Copied | Delta::Untracked => "added",
        Delta::Deleted => "deleted",
        Delta::Typechange => "type changed",
        _ => "modified",
    }
}

fn git2(what: impl Into<String>, source: git2::Error) -> GitError {
    GitError::Git2 {
        what: what.into(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use crate::git::testutil::TestRepo;

    #[test]
    fn files_with_their_lines_add_up_to_the_diff_stats() {
        let t = TestRepo::new();
        t.write("a.txt", b"1\n2\n3\n");
        t.write("b.txt", b"x\n");
        t.write("bin.dat", b"\0\x01\x02");
        let first = t.commit_all("first");
        t.write("a.txt", b"1\nTWO\n3\n4\n");
        t.remove("b.txt");
        t.write("c/d.txt", b"c1\nc2\n");
        t.write("bin.dat", b"\0\x03");
        let second = t.commit_all("second");
        let stats = t
            .repo
            .file_stats(Some(&first), Some(&second), 100)
            .expect("stats");
        let rows: Vec<_> = stats
            .files
            .iter()
            .map(|f| {
                (
                    f.path.as_str(),
                    f.status,
                    f.insertions,
                    f.deletions,
                    f.binary,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("a.txt", "modified", 2, 1, false),
                ("b.txt", "deleted", 0, 1, false),
                ("bin.dat", "modified", 0, 0, true),
                ("c/d.txt", "added", 2, 0, false),
            ]
        );
        let whole = t
            .repo
            .diff_stats(Some(&first), Some(&second))
            .expect("diff");
        assert_eq!(stats.total as u64, whole.files_changed);
        let added: u64 = stats.files.iter().map(|f| f.insertions).sum();
        let deleted: u64 = stats.files.iter().map(|f| f.deletions).sum();
        assert_eq!((added, deleted), (whole.insertions, whole.deletions));

        let cut = t
            .repo
            .file_stats(Some(&first), Some(&second), 2)
            .expect("stats");
        assert_eq!((cut.files.len(), cut.total), (2, 4));
        let short = &first[..7];
        assert_eq!(
            t.repo
                .file_stats(Some(short), Some(&second), 100)
                .expect("an abbreviated SHA")
                .total,
            4
        );
        for bad in [":/first", "HEAD", "main", "zz", "0000000"] {
            assert!(
                t.repo.file_stats(Some(bad), Some(&second), 100).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_log_walks_from_its_tip_down_to_what_it_hides() {
        let t = TestRepo::new();
        t.write("a", b"1");
        let one = t.commit_all("one");
        t.write("a", b"2");
        let two = t.commit_all("two\n\nbody\n\nKey: value");
        t.write("a", b"3");
        let three = t.commit_all("three");
        let log = t.repo.log(&three, Some(&one), true, 10).expect("log");
        let seen: Vec<_> = log
            .iter()
            .map(|c| (c.sha.as_str(), c.subject.as_str()))
            .collect();
        assert_eq!(seen, [(three.as_str(), "three"), (two.as_str(), "two")]);
        assert!(log[1].message.ends_with("Key: value"));
        assert_eq!(log[1].author, "Test User");
        assert!(log[1].time > 1_600_000_000);
        assert_eq!(t.repo.log(&three, None, true, 2).expect("log").len(), 2);
        assert_eq!(
            t.repo
                .log(&three, Some("0123abcd"), false, 10)
                .expect("log")
                .len(),
            3,
            "a hide that names nothing hides nothing"
        );
        assert!(t.repo.log("HEAD~1", None, true, 10).is_err());
    }
}
