//! Tests for [`Repo`] against real repositories in temp dirs.

use pretty_assertions::assert_eq;

use super::*;
use crate::git::testutil::TestRepo;
use crate::text::short_sha;

fn find<'a>(dirty: &'a [DirtyPath], path: &str) -> &'a DirtyPath {
    dirty
        .iter()
        .find(|d| d.path == path)
        .unwrap_or_else(|| panic!("`{path}` not listed in {dirty:?}"))
}

#[test]
fn discover_returns_none_outside_a_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).expect("mkdir");
    if git2::Repository::discover(&sub).is_ok() {
        return; // the temp dir itself lies inside a repository: nothing to check here
    }
    assert!(Repo::discover(&sub).expect("discover").is_none());
}

#[test]
fn discover_finds_the_repository_from_a_subdirectory() {
    let t = TestRepo::new();
    t.write("a/b/c.txt", b"x");
    let repo = Repo::discover(&t.path().join("a/b"))
        .expect("discover")
        .expect("found");
    let want = t.path().canonicalize().expect("canonical");
    assert_eq!(repo.workdir().canonicalize().expect("canonical"), want);
    assert!(repo.git_dir().ends_with(".git"));
}

#[test]
fn unborn_branch_has_a_name_but_no_head() {
    let t = TestRepo::new();
    assert_eq!(t.repo.branch().expect("branch").as_deref(), Some("main"));
    assert_eq!(t.repo.head_id().expect("head"), None);
    assert_eq!(
        t.repo
            .head_id()
            .expect("head")
            .map(|id| short_sha(&id).to_owned()),
        None
    );
}

#[test]
fn commit_on_unborn_branch_creates_the_root_commit() {
    let t = TestRepo::new();
    t.write("a.txt", b"one\n");
    t.write("other.txt", b"not committed\n");
    let sha = t
        .repo
        .commit_paths(&["a.txt".to_owned()], "first\n")
        .expect("commit");
    let full = t.repo.head_id().expect("head").expect("born");
    assert_eq!(full.len(), 40);
    assert_eq!(sha, full);
    assert_eq!(t.head_files(), vec!["a.txt"]);
    assert_eq!(t.message_at(0), "first\n");
    let author = t
        .raw
        .head()
        .expect("head")
        .peel_to_commit()
        .expect("commit");
    assert_eq!(author.author().name().ok(), Some("Test User"));
}

#[test]
fn dirty_paths_lists_new_modified_deleted_and_ignored_files() {
    let t = TestRepo::new();
    t.write(".gitignore", b"*.log\ntarget/\n");
    t.write("kept.txt", b"v1\n");
    t.write("gone.txt", b"bye\n");
    t.commit_all("base");
    t.write("kept.txt", b"v2 longer\n");
    t.remove("gone.txt");
    t.write("new/dir/fresh.md", b"12345");
    t.write("reports/run.log", b"log line\n");
    let dirty = t.repo.dirty_paths().expect("status");
    let paths: Vec<&str> = dirty.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "gone.txt",
            "kept.txt",
            "new/dir/fresh.md",
            "reports/run.log"
        ]
    );
    let kept = find(&dirty, "kept.txt");
    assert!(kept.tracked && !kept.deleted && !kept.ignored);
    assert_eq!(kept.size, 10);
    let gone = find(&dirty, "gone.txt");
    assert!(gone.tracked && gone.deleted);
    assert_eq!(gone.size, 0);
    let fresh = find(&dirty, "new/dir/fresh.md");
    assert!(!fresh.tracked && !fresh.ignored);
    assert_eq!(fresh.size, 5);
    let log = find(&dirty, "reports/run.log");
    assert!(log.ignored && !log.tracked);
}

#[test]
fn dirty_paths_does_not_descend_into_ignored_directories() {
    let t = TestRepo::new();
    t.write(".gitignore", b"target/\n");
    t.commit_all("base");
    for i in 0..20 {
        t.write(&format!("target/debug/deps/f{i}.txt"), b"build output");
    }
    t.write("target/top.md", b"x");
    let dirty = t.repo.dirty_paths().expect("status");
    assert!(
        dirty.iter().all(|d| !d.path.starts_with("target")),
        "ignored dir listed: {dirty:?}"
    );
    assert!(dirty.is_empty());
}

#[test]
fn commit_paths_force_adds_ignored_files_and_commits_deletions() {
    let t = TestRepo::new();
    t.write(".gitignore", b"*.log\n");
    t.write("old.txt", b"old\n");
    t.commit_all("base");
    t.write("reports/run.log", b"evidence\n");
    t.remove("old.txt");
    t.write("untouched.txt", b"stays dirty\n");
    let paths = ["reports/run.log".to_owned(), "old.txt".to_owned()];
    t.repo.commit_paths(&paths, "auto\n").expect("commit");
    assert_eq!(t.head_files(), vec![".gitignore", "reports/run.log"]);
    let left: Vec<String> = t
        .repo
        .dirty_paths()
        .expect("status")
        .into_iter()
        .map(|d| d.path)
        .collect();
    assert_eq!(left, vec!["untouched.txt"]);
}

#[test]
fn diff_stats_counts_a_known_change() {
    let t = TestRepo::new();
    t.write("a.txt", b"1\n2\n3\n");
    t.write("b.txt", b"x\n");
    let first = t.commit_all("first");
    t.write("a.txt", b"1\nTWO\n3\n4\n");
    t.remove("b.txt");
    t.write("c.txt", b"c1\nc2\n");
    let second = t.commit_all("second");
    let stats = t
        .repo
        .diff_stats(Some(&first), Some(&second))
        .expect("diff");
    assert_eq!(
        stats,
        DiffStats {
            files_changed: 3,
            insertions: 4,
            deletions: 2
        }
    );
    let from_empty = t.repo.diff_stats(None, Some(&first)).expect("diff");
    assert_eq!(
        from_empty,
        DiffStats {
            files_changed: 2,
            insertions: 4,
            deletions: 0
        }
    );
    assert!(t.repo.diff_stats(Some("not-a-sha"), None).is_err());
}

#[test]
fn branch_is_none_when_head_is_detached() {
    let t = TestRepo::new();
    t.write("a.txt", b"a\n");
    let sha = t.commit_all("first");
    t.raw
        .set_head_detached(git2::Oid::from_str(&sha).expect("oid"))
        .expect("detach");
    assert_eq!(t.repo.branch().expect("branch"), None);
    assert_eq!(t.repo.head_id().expect("head"), Some(sha));
}

/// A commit made by another process since the handle loaded its index (an agent's
/// `git commit`) is kept, and changes staged but not named stay staged and uncommitted.
#[test]
fn commit_paths_keeps_foreign_commits_and_commits_only_its_paths() {
    let t = TestRepo::new();
    t.write("base.txt", b"base\n");
    t.commit_all("base");
    t.write("state.json", b"{}\n");
    t.repo
        .commit_paths(&["state.json".to_owned()], "first stamp")
        .expect("first commit loads the index");
    // Another process commits (a second handle, like the agent's system git).
    let other = git2::Repository::open(t.dir.path()).expect("open");
    t.write("agent.txt", b"agent work\n");
    let mut index = other.index().expect("index");
    index
        .add_path(std::path::Path::new("agent.txt"))
        .expect("add");
    index.write().expect("write");
    let tree = other
        .find_tree(index.write_tree().expect("tree"))
        .expect("find");
    let sig = other.signature().expect("sig");
    let head = other
        .head()
        .expect("head")
        .peel_to_commit()
        .expect("commit");
    other
        .commit(Some("HEAD"), &sig, &sig, "agent", &tree, &[&head])
        .expect("agent commit");
    // Something staged but not meant for Baton's commit.
    t.write("staged.txt", b"staged\n");
    index
        .add_path(std::path::Path::new("staged.txt"))
        .expect("add");
    index.write().expect("write");
    t.write("state.json", b"{\"n\": 2}\n");
    t.repo
        .commit_paths(&["state.json".to_owned()], "second stamp")
        .expect("second commit");
    assert_eq!(
        t.head_files(),
        ["agent.txt", "base.txt", "state.json"],
        "the agent's commit survives; the staged file is not committed"
    );
    let status = t.repo.dirty_paths().expect("status");
    assert_eq!(
        status.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(),
        ["staged.txt"],
        "still staged"
    );
}

#[test]
fn file_changes_walks_first_parents_newest_first_and_hides_what_a_rev_has() {
    let t = TestRepo::new();
    t.write("state.json", b"1");
    let first = t.commit_all("first");
    t.write("other.txt", b"x");
    t.commit_all("unrelated");
    t.write("state.json", b"2");
    let second = t.commit_all("second\n\nBaton-Claim: 1");
    t.remove("state.json");
    let removed = t.commit_all("removed");
    let walk = |hide: Option<&str>| -> Vec<(String, Option<String>, String)> {
        t.repo
            .file_changes("HEAD", "state.json", hide)
            .expect("walk")
            .map(|c| c.expect("step"))
            .map(|c| (c.sha, c.parent, c.message))
            .collect()
    };
    let all = walk(None);
    let shas: Vec<&str> = all.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(shas, [removed.as_str(), second.as_str(), first.as_str()]);
    assert_eq!(all[1].2, "second\n\nBaton-Claim: 1");
    assert_eq!(all[2].1, None, "the root commit has no parent");
    let newer: Vec<String> = walk(Some(&second)).into_iter().map(|c| c.0).collect();
    assert_eq!(newer, [removed]);
    assert_eq!(
        t.repo
            .file_changes("nope", "state.json", None)
            .expect("walk")
            .count(),
        0
    );
}
