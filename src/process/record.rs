//! The record of a running agent's processes, in the run directory (`agents.json`), so that
//! the next start after a SIGKILL of Baton can end what the dead run left.
//!
//! The record names the run's marker, its leader's identity (pid + start time + boot id: a
//! reused pid is never mistaken for the leader) and its cgroup. At the next start, processes
//! carrying the marker, the leader if it is still the same process (and then its group), and
//! the members of the recorded cgroup are ended.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::fsutil::{Durability, write_atomic_as};
use crate::process::cgroup::RunCgroup;
use crate::process::identity::Identity;
use crate::process::procfs;
use crate::process::sweep::{RunProcesses, end_run};

/// File name of the record inside the run directory.
const RECORD_FILE: &str = "agents.json";

/// One running agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AgentRecord {
    /// `BATON_RUN_ID=<token>`, in the agent's environment.
    pub(crate) marker: String,
    /// The agent (its process group leader).
    pub(crate) leader: Identity,
    /// The run's cgroup directory, where one is in use.
    pub(crate) cgroup: Option<PathBuf>,
}

/// The path of the record in `run_dir`.
pub(crate) fn record_path(run_dir: &Path) -> PathBuf {
    run_dir.join(RECORD_FILE)
}

/// Writes the record atomically, not synced: it only matters during this boot (after a power
/// loss nothing it names can run, and a record of another boot is ignored), and a crash of
/// Baton alone leaves the page cache, and so the record, intact.
pub(crate) fn save(run_dir: &Path, record: &AgentRecord) -> io::Result<()> {
    let bytes = serde_json::to_vec_pretty(record)
        .expect("invariant: an AgentRecord (plain fields) always serializes");
    write_atomic_as(&record_path(run_dir), &bytes, Durability::Volatile)
}

/// Removes the record; a missing one is fine.
pub(crate) fn clear(run_dir: &Path) -> io::Result<()> {
    match std::fs::remove_file(record_path(run_dir)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Ends what a dead run recorded in `run_dir` left alive and removes the record; returns the
/// pids it ended. Call it holding the runner lock (so the recorded run is provably dead),
/// before anything else runs. An unreadable record is removed with a warning.
pub(crate) fn end_leftovers(run_dir: &Path, grace: Duration) -> io::Result<Vec<i32>> {
    let path = record_path(run_dir);
    let bytes = match crate::fsutil::read_regular(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let ended = match serde_json::from_slice::<AgentRecord>(&bytes) {
        Ok(record) if record.leader.boot_id == procfs::boot_id() => {
            let run = RunProcesses {
                marker: record.marker.clone(),
                group: record.leader.is_alive().then_some(record.leader.pid),
                descendants: false,
                cgroup: record.cgroup.clone().map(RunCgroup::at),
                since_ticks: Some(record.leader.start_ticks),
            };
            end_run(&run, grace)
        }
        Ok(_) => Vec::new(), // another boot: nothing of that run can be alive
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "unreadable agent record");
            Vec::new()
        }
    };
    clear(run_dir)?;
    Ok(ended)
}
