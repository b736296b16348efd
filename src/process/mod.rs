//! Processes: the one owner of `/proc` (stats, environments, open files, host identity),
//! process identities that survive pid reuse, per-run cgroups, the sweep that ends every
//! process an agent run left behind, and Baton's children: each leads its own process group,
//! ended with one kill policy ([`Group`]), short-lived ones run within bounds
//! ([`run_bounded`]).

mod bounded;
mod cgroup;
mod group;
mod holders;
mod host;
mod identity;
mod origin;
mod procfs;
mod record;
mod sweep;

pub(crate) use bounded::{Bounds, Ending, run_bounded};
pub(crate) use cgroup::RunCgroup;
pub(crate) use group::{Group, wait_exit};
pub(crate) use holders::{Holder, holders, holds};
pub(crate) use host::{host_pid, hostname};
pub(crate) use identity::{Here, Identity};
pub(crate) use origin::in_agent_run;
pub(crate) use record::{AgentRecord, end_leftovers};
pub(crate) use sweep::{MARKER_VAR, RunProcesses, become_subreaper, end_run, spare, unspare};

/// Saves or clears a running agent's record (see [`record`]).
pub(crate) mod records {
    pub(crate) use super::record::{clear, save};
}
