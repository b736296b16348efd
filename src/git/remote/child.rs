//! Running one `git` child for a [`Remote`]: the pinned environment (no prompts, untranslated
//! messages, bounded ssh and https stalls), its output collected (through
//! [`crate::process::run_bounded`]), and — for a cancellable or bounded remote — its own
//! process group, ended when the caller's flag is set or the deadline passes.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{BATCH_SSH, Remote, SyncError};
use crate::process::{Bounds, Ending, run_bounded};

/// How long a cancelled command's group has after SIGTERM before SIGKILL.
const CANCEL_GRACE: Duration = Duration::from_secs(1);

/// The most of each of a git command's stdout and stderr kept (bytes): what Baton reads of
/// them (a ref, a push's porcelain lines, an error) is far smaller.
const OUTPUT_CAP: usize = 4 * 1024 * 1024;

/// What a finished `git` child left.
pub(super) struct Output {
    pub(super) command: String,
    pub(super) code: i32,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

impl Output {
    /// `self` when the child exited 0, else [`SyncError::Failed`].
    pub(super) fn ok(self) -> Result<Output, SyncError> {
        if self.code == 0 {
            Ok(self)
        } else {
            Err(self.failed())
        }
    }

    fn failed(self) -> SyncError {
        SyncError::Failed {
            command: self.command,
            code: self.code,
            stderr: self.stderr.trim().to_owned(),
        }
    }
}

impl Remote {
    /// Runs `git <args>` in the work tree with the pinned environment and collects its output
    /// (exit status not checked). A cancellable remote's git runs in its own process group,
    /// ended when the flag is set: SIGTERM first (git removes its lock files on it — a ref
    /// being updated), SIGKILL after [`CANCEL_GRACE`], only while its leader is unreaped (see
    /// [`crate::process::Group`]); the command then fails as [`SyncError::Cancelled`]. Any
    /// other stays in Baton's process group, so that it gets the terminal's Ctrl-C with Baton.
    pub(super) fn git(&self, args: &[&str]) -> Result<Output, SyncError> {
        let command = format!("git {}", args.join(" "));
        let mut cmd = std::process::Command::new(&self.program);
        cmd.args(args)
            .current_dir(&self.workdir)
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS", "")
            .stdin(std::process::Stdio::null());
        if self.pin_ssh {
            cmd.env("GIT_SSH_COMMAND", BATCH_SSH);
        }
        // An https transfer slower than 1 KB/s for 60 s is abandoned (unless the user chose).
        for (key, value) in [
            ("GIT_HTTP_LOW_SPEED_LIMIT", "1000"),
            ("GIT_HTTP_LOW_SPEED_TIME", "60"),
        ] {
            if std::env::var_os(key).is_none() {
                cmd.env(key, value);
            }
        }
        tracing::info!(%command, workdir = %self.workdir.display(), "git");
        let flag = self.cancel.as_deref();
        let cancelled = || flag.is_some_and(|f| f.load(Ordering::Relaxed));
        let bounds = Bounds {
            deadline: self.deadline,
            grace: CANCEL_GRACE,
            cancel: flag.map(|_| &cancelled as &(dyn Fn() -> bool + Sync)),
            capture: Some(OUTPUT_CAP),
            own_group: flag.is_some() || self.deadline.is_some(),
            ..Bounds::default()
        };
        let done =
            run_bounded(&mut cmd, &bounds).map_err(|source| self.spawn_error(&command, source))?;
        match (done.ending, self.deadline) {
            (Ending::Cancelled, _) => return Err(SyncError::Cancelled { command }),
            (Ending::TimedOut, Some(after)) => return Err(SyncError::TimedOut { command, after }),
            _ => {}
        }
        Ok(Output {
            code: done.status.and_then(|s| s.code()).unwrap_or(-1),
            stdout: String::from_utf8_lossy(&done.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&done.stderr).into_owned(),
            command,
        })
    }

    /// ENOENT from the spawn means no `git` (when the work tree itself exists).
    pub(super) fn spawn_error(&self, command: &str, source: std::io::Error) -> SyncError {
        if source.kind() == std::io::ErrorKind::NotFound && self.workdir.is_dir() {
            SyncError::GitNotFound
        } else {
            SyncError::Io {
                command: command.to_owned(),
                source,
            }
        }
    }
}
