//! Who a process is to this Baton: one of its agent runs' processes, or someone else's (a
//! person's command). Requests to a running Baton that only a person may make (a note, an
//! approval) are refused from the processes of its agent runs.

use crate::process::procfs;
use crate::process::sweep::{MARKER_VAR, is_spared};

/// The deepest parent chain followed (a loop in a corrupt `/proc` read must end).
const MAX_DEPTH: usize = 4096;

/// Whether the live process `pid` belongs to an agent run of this Baton: a descendant of this
/// process (Baton is a child subreaper, so even an agent's `setsid`/double-forked helpers stay
/// its descendants) other than Baton's own background work (a notification, housekeeping: see
/// [`super::spare`]) and what that started, a process whose environment carries a run marker
/// (`BATON_RUN_ID`, inherited by everything an agent starts), or a member of one of this
/// process's run cgroups. `None` when `pid` is gone, so it cannot be told.
///
/// What it cannot see: a process an agent had started outside its tree and environment by a
/// service that runs commands for the user (`systemd-run --user`, `at`, `ssh` to this host, a
/// terminal multiplexer's server started before the run).
#[must_use]
pub(crate) fn in_agent_run(pid: i32) -> Option<bool> {
    let me = i32::try_from(std::process::id()).unwrap_or(0);
    let stat = procfs::stat(pid)?;
    if pid == me {
        return Some(false);
    }
    if is_spared(pid) {
        return Some(false);
    }
    let mut parent = stat.ppid;
    for _ in 0..MAX_DEPTH {
        if parent == me {
            return Some(true);
        }
        if is_spared(parent) {
            return Some(false);
        }
        if parent <= 1 {
            break;
        }
        match procfs::stat(parent) {
            Some(up) => parent = up.ppid,
            None => break,
        }
    }
    let in_run_cgroup =
        procfs::cgroup_path(pid).is_some_and(|path| path.contains(&format!("/baton-{me}-")));
    Some(in_run_cgroup || procfs::environ_sets(pid, MARKER_VAR))
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};

    use super::*;

    #[test]
    fn a_child_or_a_marked_process_is_an_agents_and_the_parent_is_not() {
        let mut child = Command::new("sleep")
            .arg("30")
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn");
        let pid = i32::try_from(child.id()).expect("pid");
        assert_eq!(in_agent_run(pid), Some(true), "a descendant");
        let _ = child.kill();
        let _ = child.wait();
        let parent = nix::unistd::getppid().as_raw();
        assert_eq!(in_agent_run(parent), Some(false), "an ancestor is not");
        assert_eq!(in_agent_run(i32::MAX), None, "gone");
    }
}
