//! Test helpers for the git module: real repositories in temp dirs and the auto-commit rules.

use std::path::Path;

use tempfile::TempDir;

use crate::config::AutocommitConfig;
use crate::git::Repo;

/// Owned copies of `items`.
pub(crate) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The auto-commit defaults (the configuration's own defaults).
pub(crate) fn spec_defaults() -> AutocommitConfig {
    let mut rules = crate::config::Config::defaults(Path::new("/workspace")).autocommit;
    rules.report_extensions = strings(&[
        ".md", ".txt", ".json", ".log", ".png", ".jpeg", ".npy", ".py", ".c", ".h", ".sh",
    ]);
    rules.report_globs = Vec::new();
    rules.include_ignored = strings(&["**"]);
    rules.work = false;
    rules
}

/// Any actor's turn, every dirty path counted as the turn's.
pub(crate) const ANY_TURN: crate::git::TurnOf = crate::git::TurnOf {
    actor: crate::state::Actor::GALPH,
    work: false,
    since: None,
};

/// A fresh repository on branch `main` with a configured user, plus a raw git2 handle.
pub(crate) struct TestRepo {
    /// Keeps the temp dir alive.
    pub(crate) dir: TempDir,
    /// The raw handle, for setup and assertions.
    pub(crate) raw: git2::Repository,
    /// The handle under test.
    pub(crate) repo: Repo,
}

impl TestRepo {
    /// Initialises an empty repository (unborn `main`) in a temp dir.
    pub(crate) fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let raw = git2::Repository::init_opts(dir.path(), &opts).expect("init");
        let mut cfg = raw.config().expect("config");
        cfg.set_str("user.name", "Test User").expect("user.name");
        cfg.set_str("user.email", "test@example.invalid")
            .expect("user.email");
        let repo = Repo::discover(dir.path())
            .expect("discover")
            .expect("a repo");
        TestRepo { dir, raw, repo }
    }

    /// Writes `contents` to `rel`, creating parent directories.
    pub(crate) fn write(&self, rel: &str, contents: &[u8]) {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }

    /// Removes the file `rel`.
    pub(crate) fn remove(&self, rel: &str) {
        std::fs::remove_file(self.dir.path().join(rel)).expect("remove");
    }

    /// Stages every non-ignored change and commits it; returns the full SHA.
    pub(crate) fn commit_all(&self, message: &str) -> String {
        let mut index = self.raw.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add_all");
        index.update_all(["*"], None).expect("update_all");
        index.write().expect("write index");
        let tree = self
            .raw
            .find_tree(index.write_tree().expect("tree"))
            .expect("find tree");
        let sig = self.raw.signature().expect("signature");
        let parent = self.raw.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let id = self
            .raw
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .expect("commit");
        id.to_string()
    }

    /// The paths in HEAD's tree, sorted.
    pub(crate) fn head_files(&self) -> Vec<String> {
        let tree = self.raw.head().expect("head").peel_to_tree().expect("tree");
        let mut files = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) {
                files.push(format!("{dir}{}", entry.name().unwrap_or_default()));
            }
            git2::TreeWalkResult::Ok
        })
        .expect("walk");
        files.sort();
        files
    }

    /// The full message of the commit `n` steps before HEAD.
    pub(crate) fn message_at(&self, n: usize) -> String {
        let mut commit = self
            .raw
            .head()
            .expect("head")
            .peel_to_commit()
            .expect("commit");
        for _ in 0..n {
            commit = commit.parent(0).expect("parent");
        }
        commit.message().unwrap_or_default().to_owned()
    }

    /// The number of commits reachable from HEAD (0 when unborn).
    pub(crate) fn commit_count(&self) -> usize {
        let Ok(head) = self.raw.head() else { return 0 };
        let mut walk = self.raw.revwalk().expect("revwalk");
        walk.push(head.target().expect("direct")).expect("push");
        walk.count()
    }

    /// The work tree root.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}
