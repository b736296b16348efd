//! The processes of one agent run: a marker in its environment, a cgroup where one can be
//! made, a record in the run directory while it runs, and the sweep at its end (see
//! `crate::process`).

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::process::{self, AgentRecord, Identity, MARKER_VAR, RunCgroup, RunProcesses};

/// What marks and contains one agent run.
pub(super) struct Processes {
    /// `BATON_RUN_ID=<token>`, added to the agent's environment.
    pub(super) marker: String,
    /// The run's cgroup, where one could be made.
    pub(super) cgroup: Option<RunCgroup>,
    /// When the run's leader started (see [`RunProcesses::since_ticks`]), once it is known.
    since_ticks: Option<u64>,
}

impl Processes {
    /// A fresh marker and, where possible, a cgroup. Makes Baton a child subreaper first (once
    /// per process), so that the run's orphans are re-parented to it.
    pub(super) fn prepare() -> Processes {
        static SUBREAPER: Once = Once::new();
        SUBREAPER.call_once(process::become_subreaper);
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let token = format!(
            "{}-{nanos}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let cgroup = RunCgroup::create();
        tracing::debug!(
            cgroup = cgroup.as_ref().map(|c| c.dir().display().to_string()),
            "agent processes are ended by {}",
            if cgroup.is_some() {
                "cgroup.kill and the subreaper sweep"
            } else {
                "the subreaper sweep"
            }
        );
        Processes {
            marker: format!("{MARKER_VAR}={token}"),
            cgroup,
            since_ticks: None,
        }
    }

    /// Notes when the run's leader `leader` started and records the run in `run_dir` for a
    /// start after a crash; a failure is a warning (the run goes on; only crash cleanup is
    /// weaker).
    pub(super) fn record(&mut self, run_dir: Option<&Path>, leader: i32) {
        let Some(leader) = Identity::of(leader) else {
            return;
        };
        self.since_ticks = Some(leader.start_ticks);
        let Some(run_dir) = run_dir else {
            return;
        };
        let record = AgentRecord {
            marker: self.marker.clone(),
            leader,
            cgroup: self.cgroup.as_ref().map(|c| c.dir().to_path_buf()),
        };
        if let Err(e) = process::records::save(run_dir, &record) {
            tracing::warn!(error = %e, "cannot record the agent's processes");
        }
    }

    /// Ends every process of the run still alive (TERM → `grace` → KILL; with `descendants`,
    /// every descendant of this process too), removes its cgroup and record; returns the pids
    /// it had to end.
    pub(super) fn end(
        self,
        run_dir: Option<&Path>,
        group: i32,
        grace: Duration,
        descendants: bool,
    ) -> Vec<i32> {
        let run = RunProcesses {
            marker: self.marker,
            group: Some(group),
            descendants,
            cgroup: self.cgroup,
            since_ticks: self.since_ticks,
        };
        let ended = process::end_run(&run, grace);
        if let Some(run_dir) = run_dir
            && let Err(e) = process::records::clear(run_dir)
        {
            tracing::warn!(error = %e, "cannot clear the agent record");
        }
        ended
    }
}
