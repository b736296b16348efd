//! Ending every process an agent run left behind: none outlives its turn.
//!
//! A process group is not enough: an agent's helper that calls `setsid` or double-forks leaves
//! the group, and one that ignores SIGTERM outlives a polite stop. So Baton is a child
//! subreaper (`PR_SET_CHILD_SUBREAPER`): every orphan of the agent's tree is re-parented to
//! Baton instead of init. At the end of each run, the run's processes are:
//!
//! - every descendant of Baton (Baton's own `git` children never run while an agent's run is
//!   being ended: the runner calls git on its own thread only, synchronously);
//! - every process whose environment holds the run's marker (`BATON_RUN_ID=<token>`, set in
//!   the agent's environment and inherited by everything it starts) — this also finds the
//!   processes of a dead Baton's run, which were re-parented to init;
//! - every member of the run's process group and of its cgroup, where one is in use.
//!
//! They get SIGTERM, then SIGKILL after the grace period (newcomers forked meanwhile too), and
//! those that became Baton's children are reaped. Zombies count as dead.
//!
//! What it reads of `/proc` each time it looks: while Baton is a subreaper, every process of its
//! own run is its descendant (an orphan is re-parented to the nearest subreaper above it, and
//! the group and the marker are inherited only by forks), so the tree is walked down from Baton
//! through the `children` files: a few reads, however many processes the machine runs. Without
//! the subreaper (refused, or a dead run's leftovers, re-parented to init) every process is
//! looked at; its environment is read only when it started after the run's leader did (a marker
//! is a fresh token: no older process can hold it).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use crate::process::cgroup::RunCgroup;
use crate::process::procfs::{self, Stat};

/// Environment variable carrying a run's marker.
pub(crate) const MARKER_VAR: &str = "BATON_RUN_ID";

/// How long to wait for processes to die after SIGKILL before giving up on them.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// How often the sweep looks again while it waits.
const POLL: Duration = Duration::from_millis(20);

/// Baton's own background children (git housekeeping) that the descendant sweep spares, with
/// everything they start.
static SPARED: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Whether `pid` is one of Baton's spared background children (see [`spare`]).
pub(super) fn is_spared(pid: i32) -> bool {
    SPARED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(&pid)
}

/// Spares the child `pid` (and its descendants) from the end-of-turn sweep until
/// [`unspare`]: for Baton's own background work, never for an agent.
pub(crate) fn spare(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        SPARED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(pid);
    }
}

/// Ends [`spare`] for `pid` (once it was waited for).
pub(crate) fn unspare(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        SPARED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&pid);
    }
}

/// What identifies one agent run's processes.
#[derive(Debug)]
pub(crate) struct RunProcesses {
    /// `BATON_RUN_ID=<token>`.
    pub(crate) marker: String,
    /// The agent's process group (its leader's pid), if it should be trusted.
    pub(crate) group: Option<i32>,
    /// Whether to count Baton's own descendants (true for a run of this process).
    pub(crate) descendants: bool,
    /// The run's cgroup, where one is in use.
    pub(crate) cgroup: Option<RunCgroup>,
    /// When the run's leader started (clock ticks since boot, `/proc/<pid>/stat` field 22):
    /// only processes started since then can carry the marker. `None` reads every environment.
    pub(crate) since_ticks: Option<u64>,
}

impl RunProcesses {
    /// The live (or zombie) pids of the run now, Baton itself excluded.
    fn members(&self, me: i32) -> BTreeSet<i32> {
        let spared = || {
            SPARED
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        };
        let walked = (self.descendants && is_subreaper())
            .then(|| walk_descendants(me, &spared()))
            .flatten();
        let mut set: BTreeSet<i32> = match walked {
            Some(tree) => tree,
            None => self.scan(me, &spared),
        };
        if let Some(cgroup) = &self.cgroup {
            set.extend(cgroup.members());
        }
        set.remove(&me);
        set
    }

    /// Every process of the machine looked at: Baton's descendants (with `descendants`), the
    /// group's members and the marker's holders.
    fn scan(&self, me: i32, spared: &dyn Fn() -> BTreeSet<i32>) -> BTreeSet<i32> {
        let all = procfs::all();
        let mut set: BTreeSet<i32> = BTreeSet::new();
        if self.descendants {
            set.extend(descendants(&all, me, &spared()));
        }
        for stat in &all {
            let grouped = self.group.is_some_and(|g| stat.pgid == g);
            let recent = self.since_ticks.is_none_or(|t| stat.start_ticks >= t);
            if grouped || (recent && procfs::environ_has(stat.pid, &self.marker)) {
                set.insert(stat.pid);
            }
        }
        set
    }
}

/// Whether this process is a child subreaper now (Linux).
fn is_subreaper() -> bool {
    #[cfg(target_os = "linux")]
    return nix::sys::prctl::get_child_subreaper().unwrap_or(false);
    #[cfg(not(target_os = "linux"))]
    return false;
}

/// Every descendant of `root`, zombies included, except the subtrees rooted at `spared` pids,
/// walked down through [`procfs::children`]; `None` when the kernel does not list children.
fn walk_descendants(root: i32, spared: &BTreeSet<i32>) -> Option<BTreeSet<i32>> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for child in procfs::children(pid)? {
            if child != root && !spared.contains(&child) && out.insert(child) {
                stack.push(child);
            }
        }
    }
    Some(out)
}

/// Every descendant of `root` in `all` (by parent pid), zombies included, except the subtrees
/// rooted at `spared` pids.
fn descendants(all: &[Stat], root: i32, spared: &BTreeSet<i32>) -> Vec<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for stat in all {
        children.entry(stat.ppid).or_default().push(stat.pid);
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            if child != root && !spared.contains(&child) && !out.contains(&child) {
                out.push(child);
                stack.push(child);
            }
        }
    }
    out
}

/// Whether `pid` is alive (not gone, not a zombie).
fn alive(pid: i32) -> bool {
    procfs::stat(pid).is_some_and(|s| !s.is_dead())
}

/// Ends every process of the run: SIGTERM, then SIGKILL once `grace` has passed, then reaps
/// those that are this process's children. Returns the pids that were still alive when it
/// started (what it had to end).
pub(crate) fn end_run(run: &RunProcesses, grace: Duration) -> Vec<i32> {
    let me = i32::try_from(std::process::id()).unwrap_or(0);
    let mut ended = BTreeSet::new();
    let term_until = Instant::now() + grace;
    let kill_until = term_until + KILL_WAIT;
    let mut killing = false;
    loop {
        let members = run.members(me);
        let live: Vec<i32> = members.iter().copied().filter(|&p| alive(p)).collect();
        reap(&members, me, run.group);
        if live.is_empty() {
            break;
        }
        let now = Instant::now();
        if now >= kill_until {
            tracing::warn!(?live, "processes still alive after SIGKILL");
            break;
        }
        if !killing && now >= term_until {
            killing = true;
        }
        for &pid in &live {
            let signal = if killing {
                Signal::SIGKILL
            } else {
                Signal::SIGTERM
            };
            // First sight of a process: it gets SIGTERM; after the grace period, SIGKILL.
            if killing || ended.insert(pid) {
                let _ = kill(Pid::from_raw(pid), signal);
            }
        }
        if killing && let Some(cgroup) = &run.cgroup {
            cgroup.kill();
        }
        std::thread::sleep(POLL);
    }
    if let Some(cgroup) = &run.cgroup {
        cgroup.remove();
    }
    ended.into_iter().collect()
}

/// Reaps the zombies among `pids` that are children of `me` (a subreaper inherits orphans and
/// must wait for them), never touching any other child — nor the run's group leader `group`:
/// its owner reaps it once nothing signals its group any more (reaped, its pid — the group id
/// the sweep looks for — could be reused; see [`super::Group`]).
fn reap(pids: &BTreeSet<i32>, me: i32, group: Option<i32>) {
    for &pid in pids {
        if Some(pid) == group {
            continue;
        }
        if procfs::stat(pid).is_some_and(|s| s.ppid == me && s.is_dead()) {
            let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
        }
    }
}

/// Makes this process a child subreaper, so that orphaned descendants of its agents are
/// re-parented to it (Linux); elsewhere, or when refused, the marker scan still finds them.
pub(crate) fn become_subreaper() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
        tracing::warn!(error = %e, "cannot become a child subreaper");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(pid: i32, ppid: i32) -> Stat {
        Stat {
            pid,
            state: 'S',
            ppid,
            pgid: pid,
            sid: pid,
            start_ticks: 0,
        }
    }

    #[test]
    fn descendants_follow_parent_links_to_any_depth() {
        let all = [
            stat(10, 1),
            stat(11, 10),
            stat(12, 11),
            stat(13, 1),
            stat(14, 12),
        ];
        let none = BTreeSet::new();
        let mut found = descendants(&all, 10, &none);
        found.sort_unstable();
        assert_eq!(found, [11, 12, 14]);
        assert!(descendants(&all, 13, &none).is_empty());
        let spared = BTreeSet::from([12]);
        assert_eq!(
            descendants(&all, 10, &spared),
            [11],
            "12 and its child 14 are spared"
        );
    }
}
