//! A process identity that survives pid reuse: pid + start time + boot id.

use serde::{Deserialize, Serialize};

use crate::process::procfs;

/// One process, told apart from any later process that reuses its pid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Identity {
    /// Process id.
    pub(crate) pid: i32,
    /// Start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    pub(crate) start_ticks: u64,
    /// The boot it started in (`/proc/sys/kernel/random/boot_id`).
    pub(crate) boot_id: String,
}

impl Identity {
    /// The identity of the live process `pid`, `None` when there is none.
    pub(crate) fn of(pid: i32) -> Option<Identity> {
        let stat = procfs::stat(pid)?;
        Some(Identity {
            pid,
            start_ticks: stat.start_ticks,
            boot_id: procfs::boot_id(),
        })
    }

    /// This process.
    pub(crate) fn current() -> Option<Identity> {
        Identity::of(i32::try_from(std::process::id()).ok()?)
    }

    /// Whether this very process still runs: same pid, same start time, same boot, and not a
    /// zombie.
    pub(crate) fn is_alive(&self) -> bool {
        procfs::stat(self.pid).is_some_and(|s| {
            !s.is_dead() && s.start_ticks == self.start_ticks && procfs::boot_id() == self.boot_id
        })
    }

    /// The `<boot id>/<start ticks>` form written into the state's `lease_owner_start`.
    pub(crate) fn start_token(&self) -> String {
        format!("{}/{}", self.boot_id, self.start_ticks)
    }

    /// Whether the live process `pid` is the one whose [`Identity::start_token`] is `token`.
    pub(crate) fn matches_token(pid: i32, token: &str) -> bool {
        Identity::of(pid).is_some_and(|id| id.is_alive() && id.start_token() == token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_process_matches_its_token_and_a_reused_pid_does_not() {
        let me = Identity::current().expect("own identity");
        assert!(me.is_alive());
        assert!(Identity::matches_token(me.pid, &me.start_token()));
        let reused = Identity {
            start_ticks: me.start_ticks + 1,
            ..me.clone()
        };
        assert!(!reused.is_alive(), "same pid, other start time");
        assert!(!Identity::matches_token(me.pid, &reused.start_token()));
        let other_boot = Identity {
            boot_id: "another-boot".into(),
            ..me
        };
        assert!(!other_boot.is_alive());
    }
}
