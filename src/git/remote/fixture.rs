//! Test fixture: a real bare remote in a temp dir (branch `main` holding one base commit with
//! `README.md`) and clones of it made with the system `git` in a hermetic environment.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::git::{Remote, Repo};

/// A bare remote and the directory its clones live in.
pub(crate) struct Fixture {
    /// Keeps the temp dir alive.
    dir: TempDir,
    /// The bare repository.
    bare: PathBuf,
}

impl Fixture {
    /// A bare remote whose `main` holds one commit (`README.md` = `base\n`).
    pub(crate) fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let bare = dir.path().join("remote.git");
        let mut opts = git2::RepositoryInitOptions::new();
        opts.bare(true).initial_head("main");
        git2::Repository::init_opts(&bare, &opts).expect("init bare");
        std::fs::create_dir(dir.path().join("home")).expect("mkdir home");
        let fixture = Fixture { dir, bare };
        let seed = fixture.clone_as("seed");
        seed.commit_file("README.md", "base\n", "base");
        seed.git(&["push", "origin", "HEAD:refs/heads/main"]);
        fixture
    }

    /// The bare repository's path.
    pub(crate) fn bare(&self) -> &Path {
        &self.bare
    }

    /// The SHA of `refs/heads/<branch>` in the bare repository.
    pub(crate) fn remote_sha(&self, branch: &str) -> Option<String> {
        let repo = git2::Repository::open_bare(&self.bare).expect("open bare");
        let r = repo.find_reference(&format!("refs/heads/{branch}")).ok()?;
        r.target().map(|id| id.to_string())
    }

    /// A clone named `name` of the remote by its plain path.
    pub(crate) fn clone_as(&self, name: &str) -> Peer {
        self.clone_url(name, &self.bare.display().to_string())
    }

    /// A clone named `name` of the remote through `url` (e.g. a `file://` URL).
    pub(crate) fn clone_url(&self, name: &str, url: &str) -> Peer {
        let path = self.dir.path().join(name);
        let home = self.dir.path().join("home");
        let out = hermetic(&home)
            .current_dir(self.dir.path())
            .args([
                "-c",
                "init.defaultBranch=main",
                "clone",
                "--quiet",
                url,
                name,
            ])
            .output()
            .expect("spawn git clone");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "git clone {url}: {stderr}");
        let peer = Peer { path, home };
        peer.git(&["config", "user.name", "Test User"]);
        peer.git(&["config", "user.email", "test@example.invalid"]);
        peer
    }
}

/// One clone of the fixture's remote.
pub(crate) struct Peer {
    /// The work tree.
    pub(crate) path: PathBuf,
    /// `HOME` for its git children.
    home: PathBuf,
}

impl Peer {
    /// Runs the system `git` in the clone; panics unless it succeeds; returns trimmed stdout.
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let out = self.git_unchecked(args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs the system `git` in the clone, whatever its exit status.
    pub(crate) fn git_unchecked(&self, args: &[&str]) -> std::process::Output {
        hermetic(&self.home)
            .current_dir(&self.path)
            .args(args)
            .output()
            .expect("spawn git")
    }

    /// Writes `contents` to `rel` in the work tree.
    pub(crate) fn write(&self, rel: &str, contents: &str) {
        let path = self.path.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }

    /// The contents of `rel` in the work tree.
    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path.join(rel)).expect("read")
    }

    /// Writes `rel`, stages everything and commits; returns the new HEAD SHA.
    pub(crate) fn commit_file(&self, rel: &str, contents: &str, message: &str) -> String {
        self.write(rel, contents);
        self.git(&["add", "-A"]);
        self.git(&["commit", "--quiet", "-m", message]);
        self.head()
    }

    /// The full SHA of HEAD.
    pub(crate) fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// The full SHA `rev` names, if any.
    pub(crate) fn rev(&self, rev: &str) -> Option<String> {
        let out = self.git_unchecked(&["rev-parse", "--verify", "--quiet", rev]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// `git status --porcelain` (empty when clean).
    pub(crate) fn status(&self) -> String {
        self.git(&["status", "--porcelain"])
    }

    /// The handle under test.
    pub(crate) fn repo(&self) -> Repo {
        Repo::discover(&self.path)
            .expect("discover")
            .expect("a repo")
    }

    /// The clone's `origin`.
    pub(crate) fn origin(&self) -> Remote {
        Remote::new(&self.path, "origin")
    }
}

/// `git` with only `PATH` kept, `HOME` in the fixture and no global or system config.
fn hermetic(home: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C");
    cmd
}
