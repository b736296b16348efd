//! The system `git` for everything that talks to the remote (ls-remote, fetch, push), so users'
//! ssh config and credential helpers work. Each child gets a pinned environment: no prompts
//! (`GIT_TERMINAL_PROMPT=0`, `GIT_ASKPASS`/`SSH_ASKPASS` empty, ssh `BatchMode=yes`),
//! untranslated messages (`LC_ALL=C`), stdin null.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

mod child;
mod leased;
mod parse;

pub(crate) use leased::Pushed;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;

/// The ssh command used when the user configured none: never prompt for a password or a host key.
/// ssh without prompts, and with a bounded connect and a dead-peer check, so a hung network
/// fails a sync instead of blocking a daemon forever.
const BATCH_SSH: &str =
    "ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4";

/// A failure talking to the remote.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SyncError {
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
    /// The command was ended because its caller was told to stop (see
    /// [`Remote::cancelled_by`]).
    #[error("`{command}` was cancelled")]
    Cancelled {
        /// The command line.
        command: String,
    },
    /// The command took longer than the remote's deadline (see [`Remote::with_deadline`]) and
    /// was ended with its process group.
    #[error("`{command}` timed out after {}", crate::config::format_duration(*.after))]
    TimedOut {
        /// The command line.
        command: String,
        /// The deadline it ran into.
        after: Duration,
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
pub(crate) struct Remote {
    workdir: PathBuf,
    name: String,
    /// The program to run (`git`; tests point it elsewhere).
    program: OsString,
    /// Whether to set `GIT_SSH_COMMAND` (only when the user configured no ssh command).
    pin_ssh: bool,
    /// When set, a running command is ended (its whole process group: git and its ssh or
    /// upload-pack) and fails as [`SyncError::Cancelled`].
    cancel: Option<Arc<AtomicBool>>,
    /// When set, a command still running after this long is ended (its whole process group)
    /// and fails as [`SyncError::TimedOut`].
    deadline: Option<Duration>,
}

impl Remote {
    /// The remote `name` (e.g. `origin`) of the clone whose work tree is `workdir`.
    #[must_use]
    pub(crate) fn new(workdir: &Path, name: &str) -> Remote {
        Remote {
            workdir: workdir.to_path_buf(),
            name: name.to_owned(),
            program: OsString::from("git"),
            pin_ssh: !user_ssh_configured(workdir),
            cancel: None,
            deadline: None,
        }
    }

    /// The same remote, its commands ended as soon as `flag` is set (`baton watch` leaving
    /// while a fetch hangs on the network); each runs in its own process group then. Daemons
    /// do not use this: a stamp's push is let finish.
    #[must_use]
    pub(crate) fn cancelled_by(mut self, flag: Arc<AtomicBool>) -> Remote {
        self.cancel = Some(flag);
        self
    }

    /// The same remote, each of its commands ended (with its process group: git and its ssh or
    /// upload-pack) once it ran `deadline`: read commands (`baton status`, `watch`, `serve`)
    /// never wait on a hung network longer than `git.read_timeout`.
    #[must_use]
    pub(crate) fn with_deadline(mut self, deadline: Duration) -> Remote {
        self.deadline = Some(deadline);
        self
    }

    /// The remote's name.
    #[must_use]
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The remote's URL (`git remote get-url`, so `insteadOf` rewrites apply).
    ///
    /// # Errors
    /// [`SyncError`] when the remote does not exist.
    pub(crate) fn url(&self) -> Result<String, SyncError> {
        let out = self.git(&["remote", "get-url", &self.name])?.ok()?;
        Ok(out.stdout.trim().to_owned())
    }

    /// The remote's directory when its URL is a local path (absolute, or relative to the work
    /// tree) or a `file://` URL naming an existing directory, canonicalised (for watching);
    /// `None` for ssh/https URLs or when the URL cannot be read.
    #[must_use]
    pub(crate) fn local_path(&self) -> Option<PathBuf> {
        parse::local_dir(&self.url().ok()?, &self.workdir)
    }

    /// The full SHA of `refs/heads/<branch>` on the remote (`git ls-remote`), `None` when the
    /// branch does not exist there.
    ///
    /// # Errors
    /// [`SyncError`].
    pub(crate) fn ls_remote(&self, branch: &str) -> Result<Option<String>, SyncError> {
        let refname = format!("refs/heads/{branch}");
        let out = self
            .git(&["ls-remote", "--heads", &self.name, &refname])?
            .ok()?;
        Ok(parse::ls_remote_sha(&out.stdout, &refname))
    }

    /// Fetches `branch` into `refs/remotes/<remote>/<branch>` (forced, no tags).
    ///
    /// # Errors
    /// [`SyncError`], e.g. [`SyncError::Failed`] when the branch does not exist on the remote.
    pub(crate) fn fetch(&self, branch: &str) -> Result<(), SyncError> {
        let spec = format!("+refs/heads/{branch}:{}", self.tracking_ref(branch));
        self.git(&["fetch", "--quiet", "--no-tags", &self.name, &spec])?
            .ok()?;
        Ok(())
    }

    /// Pushes with the explicit refspec `HEAD:refs/heads/<branch>` (never forced), then makes
    /// sure `refs/remotes/<remote>/<branch>` points at the pushed commit (git updates it only
    /// when the remote has a matching fetch refspec).
    ///
    /// # Errors
    /// [`SyncError::PushRejected`] with git's reason and the hook's message; others as they come.
    pub(crate) fn push(&self, branch: &str) -> Result<(), SyncError> {
        let head = self.rev_parse("HEAD^{commit}")?;
        let spec = format!("HEAD:refs/heads/{branch}");
        let out = self.git(&["push", "--porcelain", &self.name, &spec])?;
        if let Some(rejected) = parse::rejection(&out.stdout) {
            return Err(SyncError::PushRejected {
                refname: rejected.refname,
                reason: rejected.reason,
                remote_message: parse::remote_lines(&out.stderr),
            });
        }
        out.ok()?;
        let tracking = self.tracking_ref(branch);
        if self.rev_parse(&tracking).ok().as_deref() != Some(head.as_str()) {
            self.git(&["update-ref", "-m", "baton: push", &tracking, &head])?
                .ok()?;
        }
        Ok(())
    }

    /// `refs/remotes/<remote>/<branch>`.
    fn tracking_ref(&self, branch: &str) -> String {
        format!("refs/remotes/{}/{branch}", self.name)
    }

    /// The full SHA `rev` names in the local clone.
    fn rev_parse(&self, rev: &str) -> Result<String, SyncError> {
        let out = self.git(&["rev-parse", "--verify", "--quiet", rev])?.ok()?;
        Ok(out.stdout.trim().to_owned())
    }

    /// The same remote run through `program` instead of `git` (tests: a missing binary).
    #[cfg(test)]
    fn with_program(mut self, program: &str) -> Remote {
        self.program = OsString::from(program);
        self
    }
}

/// Whether the user chose an ssh command (`GIT_SSH_COMMAND`, `GIT_SSH`, `core.sshCommand`);
/// pinning `GIT_SSH_COMMAND` would override it, so we leave ssh alone then.
fn user_ssh_configured(workdir: &Path) -> bool {
    let env_set = |key: &str| std::env::var_os(key).is_some_and(|v| !v.is_empty());
    if env_set("GIT_SSH_COMMAND") || env_set("GIT_SSH") {
        return true;
    }
    git2::Repository::discover(workdir)
        .and_then(|repo| repo.config())
        .and_then(|config| config.get_string("core.sshCommand"))
        .is_ok_and(|cmd| !cmd.is_empty())
}
