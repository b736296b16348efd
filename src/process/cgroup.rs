//! A cgroup v2 per agent run, where one is writable: its `cgroup.kill` ends every process the
//! agent started, wherever it re-parented or however it daemonized. Containers often lack a
//! writable cgroup v2; then [`RunCgroup::create`] returns `None` and the subreaper sweep
//! (see `sweep.rs`) is the only mechanism.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where cgroup v2 is mounted, from `/proc/self/mountinfo`.
fn mount_point() -> Option<PathBuf> {
    let info = fs::read_to_string("/proc/self/mountinfo").ok()?;
    info.lines().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        if right.split_whitespace().next()? != "cgroup2" {
            return None;
        }
        left.split_whitespace().nth(4).map(PathBuf::from)
    })
}

/// This process's cgroup v2 path (`0::<path>` in `/proc/self/cgroup`).
fn own_path() -> Option<String> {
    let text = fs::read_to_string("/proc/self/cgroup").ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(|p| p.trim_start_matches('/').to_owned())
}

/// `BATON_CGROUP=off` keeps agents out of per-run cgroups (the subreaper sweep alone ends
/// their processes).
pub(crate) const DISABLE_ENV: &str = "BATON_CGROUP";

/// Removes the run cgroups (`baton-<pid>-<n>`) under `parent` whose Baton is gone and that are
/// empty (the kernel refuses to remove a cgroup with members; those are ended by the next
/// start of that workspace, from its agent record).
fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("baton-"))
            .and_then(|n| n.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let gone = crate::process::procfs::stat(pid).is_none_or(|s| s.is_dead());
        if gone && RunCgroup::at(entry.path()).members().is_empty() {
            let _ = fs::remove_dir(entry.path());
        }
    }
}

/// One agent run's cgroup directory.
#[derive(Debug)]
pub(crate) struct RunCgroup {
    dir: PathBuf,
}

impl RunCgroup {
    /// Creates `baton-<pid>-<n>` under this process's cgroup when cgroup v2 is mounted, the
    /// directory can be made, and it offers `cgroup.kill` (Linux 5.14+); `None` otherwise, or
    /// when [`DISABLE_ENV`] is `off`. Empty run cgroups of dead Batons are removed first.
    pub(crate) fn create() -> Option<RunCgroup> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        if std::env::var(DISABLE_ENV).is_ok_and(|v| v == "off") {
            return None;
        }
        let parent = mount_point()?.join(own_path()?);
        remove_stale(&parent);
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let dir = parent.join(format!("baton-{}-{n}", std::process::id()));
        if let Err(e) = fs::create_dir(&dir) {
            tracing::debug!(dir = %dir.display(), error = %e, "no per-run cgroup");
            return None;
        }
        let cgroup = RunCgroup { dir };
        if !cgroup.dir.join("cgroup.kill").exists() {
            tracing::debug!("cgroup v2 without cgroup.kill; not used");
            cgroup.remove();
            return None;
        }
        Some(cgroup)
    }

    /// A cgroup directory left by an earlier run (from its record).
    pub(crate) fn at(dir: PathBuf) -> RunCgroup {
        RunCgroup { dir }
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `cgroup.procs` file a process writes `0` into to join.
    pub(crate) fn procs_file(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// The pids in the cgroup now.
    pub(crate) fn members(&self) -> Vec<i32> {
        fs::read_to_string(self.procs_file())
            .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
            .unwrap_or_default()
    }

    /// SIGKILLs every process in the cgroup (and its sub-cgroups).
    pub(crate) fn kill(&self) {
        if let Err(e) = fs::write(self.dir.join("cgroup.kill"), b"1") {
            tracing::debug!(dir = %self.dir.display(), error = %e, "cgroup.kill");
        }
    }

    /// Removes the (empty) cgroup; best effort.
    pub(crate) fn remove(&self) {
        if let Err(e) = fs::remove_dir(&self.dir) {
            tracing::debug!(dir = %self.dir.display(), error = %e, "remove cgroup");
        }
    }
}
