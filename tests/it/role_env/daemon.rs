//! A spawned baton process with a deadline and a drop guard.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::common::Run;

/// A spawned baton daemon. Its stdout and stderr go to files; dropping it unfinished sends
/// SIGTERM, then SIGKILL after 5 s, and reaps it.
pub(crate) struct Daemon {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    done: bool,
}

static SPAWNED: AtomicUsize = AtomicUsize::new(0);

impl Daemon {
    /// Spawns `cmd` (a [`TestEnv::baton_cmd`]), output to `daemon-<n>.out|err` in `dir`.
    pub(crate) fn spawn(mut cmd: Command, dir: &Path) -> Daemon {
        let n = SPAWNED.fetch_add(1, Ordering::Relaxed);
        let stdout = dir.join(format!("daemon-{n}.out"));
        let stderr = dir.join(format!("daemon-{n}.err"));
        let file = |p: &Path| Stdio::from(std::fs::File::create(p).expect("create output file"));
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file(&stdout))
            .stderr(file(&stderr))
            .spawn()
            .expect("spawn baton");
        Daemon {
            child,
            stdout,
            stderr,
            done: false,
        }
    }

    /// The daemon's pid.
    pub(crate) fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid")
    }

    /// Its stdout so far.
    pub(crate) fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// The file its stdout goes to.
    pub(crate) fn stdout_path(&self) -> PathBuf {
        self.stdout.clone()
    }

    /// Its stderr so far.
    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits for the exit (panics after `secs`, printing stderr; the drop guard ends it).
    pub(crate) fn wait(mut self, secs: u64) -> Run {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.done = true;
                return self.finish(status.code());
            }
            assert!(
                Instant::now() < deadline,
                "baton pid {} still running after {secs}s; stderr:\n{}",
                self.pid(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `cond` until it holds; panics (printing stderr) when the daemon exits first or after
    /// `secs`.
    pub(crate) fn wait_until(&mut self, secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !cond() {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.done = true;
                panic!(
                    "baton exited ({status}) before {what}; stderr:\n{}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the exit (deadline `secs`).
    pub(crate) fn sigterm(self, secs: u64) -> Run {
        kill(Pid::from_raw(self.pid()), Signal::SIGTERM).expect("signal baton");
        self.wait(secs)
    }

    /// CPU time used so far (user + system, its own threads), in seconds (USER_HZ = 100).
    pub(crate) fn cpu_secs(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        let fields: Vec<u64> = stat
            .rsplit_once(')')
            .map_or("", |x| x.1)
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
        ticks as f64 / 100.0
    }

    /// SIGKILLs the daemon (not its agent's group) and reaps it.
    pub(crate) fn kill9(mut self) -> Run {
        let _ = kill(Pid::from_raw(self.pid()), Signal::SIGKILL);
        let status = self.child.wait().expect("wait");
        self.done = true;
        self.finish(status.code())
    }

    fn finish(&self, code: Option<i32>) -> Run {
        Run {
            code,
            stdout: std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            stderr: self.stderr(),
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.done || matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let pid = Pid::from_raw(self.pid());
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = kill(pid, Signal::SIGKILL);
        let _ = self.child.wait();
    }
}
