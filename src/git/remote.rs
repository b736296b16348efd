//! The system `git` for everything that talks to the remote (ls-remote, fetch, push), so users'
//! ssh config and credential helpers work. Each child gets a pinned environment: no prompts
//! (`GIT_TERMINAL_PROMPT=0`, `GIT_ASKPASS`/`SSH_ASKPASS` empty, ssh `BatchMode=yes`),
//! untranslated messages (`LC_ALL=C`), stdin null.

use std::path::{Path, PathBuf};

/// A failure talking to the remote.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// `git` is not on PATH.
    #[error("the `git` program was not found on PATH")]
    GitNotFound,
    /// A git command failed; `stderr` is its trimmed standard error.
    #[error("`{command}` failed (exit {code}): {stderr}")]
    Failed {
        /// The command line, e.g. `git fetch origin main`.
        command: String,
        /// Its exit code (-1 when killed).
        code: i32,
        /// Its standard error, trimmed.
        stderr: String,
    },
    /// The remote refused the push.
    #[error("push of {refname} rejected: {reason}{}", hook_text(.remote_message))]
    PushRejected {
        /// The remote ref, e.g. `refs/heads/main`.
        refname: String,
        /// git's reason, e.g. `fetch first`, `non-fast-forward`, `pre-receive hook declined`.
        reason: String,
        /// The `remote:` lines (a hook's message), prefix stripped.
        remote_message: Vec<String>,
    },
    /// Spawning or reading the child failed.
    #[error("run `{command}`")]
    Io {
        /// The command line.
        command: String,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
}

fn hook_text(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("; remote says: {}", lines.join(" / "))
    }
}

/// One remote of the clone at `workdir`, driven through the system `git`.
#[derive(Clone, Debug)]
pub struct Remote {
    workdir: PathBuf,
    name: String,
}

impl Remote {
    /// The remote `name` (e.g. `origin`) of the clone whose work tree is `workdir`.
    #[must_use]
    pub fn new(workdir: &Path, name: &str) -> Remote {
        Remote {
            workdir: workdir.to_path_buf(),
            name: name.to_owned(),
        }
    }

    /// The remote's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The remote's URL (`git remote get-url`).
    ///
    /// # Errors
    /// [`SyncError`] when the remote does not exist.
    pub fn url(&self) -> Result<String, SyncError> {
        todo!("remote helper")
    }

    /// The remote's directory when its URL is a local path or `file://` URL (for watching).
    #[must_use]
    pub fn local_path(&self) -> Option<PathBuf> {
        todo!("remote helper")
    }

    /// The full SHA of `refs/heads/<branch>` on the remote (`git ls-remote`), `None` when the
    /// branch does not exist there.
    ///
    /// # Errors
    /// [`SyncError`].
    pub fn ls_remote(&self, branch: &str) -> Result<Option<String>, SyncError> {
        let _ = branch;
        todo!("remote helper")
    }

    /// Fetches `branch` into `refs/remotes/<remote>/<branch>`.
    ///
    /// # Errors
    /// [`SyncError`].
    pub fn fetch(&self, branch: &str) -> Result<(), SyncError> {
        let _ = branch;
        todo!("remote helper")
    }

    /// Pushes with the explicit refspec `HEAD:refs/heads/<branch>` (never forced), then updates
    /// the remote-tracking ref.
    ///
    /// # Errors
    /// [`SyncError::PushRejected`] with git's reason and the hook's message; others as they come.
    pub fn push(&self, branch: &str) -> Result<(), SyncError> {
        let _ = branch;
        todo!("remote helper")
    }
}
