//! Running one `git` child for a [`Remote`]: the pinned environment (no prompts, untranslated
//! messages, bounded ssh and https stalls), its output collected, and — for a cancellable or
//! bounded remote — its own process group, killed when the caller's flag is set or the deadline
//! passes.

use std::os::unix::process::CommandExt as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{BATCH_SSH, Remote, SyncError};

/// How often a cancellable command looks at its flag.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// How long a cancelled command's group has after SIGTERM before SIGKILL.
const CANCEL_GRACE: Duration = Duration::from_secs(1);

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
    /// (exit status not checked).
    pub(super) fn git(&self, args: &[&str]) -> Result<Output, SyncError> {
        let command = format!("git {}", args.join(" "));
        let mut expr = duct::cmd(&self.program, args)
            .dir(&self.workdir)
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS", "")
            .stdin_null()
            .stdout_capture()
            .stderr_capture()
            .unchecked();
        if self.pin_ssh {
            expr = expr.env("GIT_SSH_COMMAND", BATCH_SSH);
        }
        // An https transfer slower than 1 KB/s for 60 s is abandoned (unless the user chose).
        for (key, value) in [
            ("GIT_HTTP_LOW_SPEED_LIMIT", "1000"),
            ("GIT_HTTP_LOW_SPEED_TIME", "60"),
        ] {
            if std::env::var_os(key).is_none() {
                expr = expr.env(key, value);
            }
        }
        tracing::info!(%command, workdir = %self.workdir.display(), "git");
        if self.cancel.is_some() || self.deadline.is_some() {
            return self.run_bounded(expr, command);
        }
        let out = expr
            .run()
            .map_err(|source| self.spawn_error(&command, source))?;
        Ok(Output {
            command,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Runs `expr` in its own process group, polling the cancel flag and the deadline: once the
    /// flag is set the group is killed and the command fails as [`SyncError::Cancelled`]; once
    /// the deadline passed, as [`SyncError::TimedOut`].
    fn run_bounded(&self, expr: duct::Expression, command: String) -> Result<Output, SyncError> {
        let started = Instant::now();
        let handle = expr
            .before_spawn(|child| {
                child.process_group(0);
                Ok(())
            })
            .start()
            .map_err(|source| self.spawn_error(&command, source))?;
        loop {
            let io_err = |source| SyncError::Io {
                command: command.clone(),
                source,
            };
            if let Some(out) = handle.try_wait().map_err(io_err)? {
                return Ok(Output {
                    code: out.status.code().unwrap_or(-1),
                    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                    command,
                });
            }
            let cancelled = self
                .cancel
                .as_deref()
                .is_some_and(|flag| flag.load(Ordering::Relaxed));
            let timed_out = self.deadline.filter(|d| started.elapsed() >= *d);
            if cancelled || timed_out.is_some() {
                // SIGTERM first: git removes its lock files (a ref being updated) on it; what
                // is still there after the grace gets SIGKILL.
                let signal_group = |signal| {
                    for pid in handle.pids() {
                        if let Ok(pid) = i32::try_from(pid) {
                            let _ =
                                nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), signal);
                        }
                    }
                };
                signal_group(nix::sys::signal::Signal::SIGTERM);
                let grace = Instant::now() + CANCEL_GRACE;
                while matches!(handle.try_wait(), Ok(None)) && Instant::now() < grace {
                    std::thread::sleep(CANCEL_POLL);
                }
                // Only while the leader is unreaped: its pid, the group's id, cannot be reused.
                if matches!(handle.try_wait(), Ok(None)) {
                    signal_group(nix::sys::signal::Signal::SIGKILL);
                }
                let _ = handle.wait(); // reaps it; the pipes closed with the group
                return Err(match timed_out {
                    Some(after) if !cancelled => SyncError::TimedOut { command, after },
                    _ => SyncError::Cancelled { command },
                });
            }
            std::thread::sleep(CANCEL_POLL);
        }
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
