//! A process identity that survives pid reuse: pid + start time + boot id, written as a start
//! token `<boot id>/<start ticks>/<pid namespace>` (older tokens, and tokens of a process whose
//! pid namespace could not be read, lack the last part).

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

    /// The `<boot id>/<start ticks>/<pid namespace>` form written into the state's
    /// `lease_owner_start` and a pool claim's `Baton-Holder`; `<boot id>/<start ticks>` when
    /// this process's pid namespace cannot be read ([`procfs::pid_namespace`]).
    pub(crate) fn start_token(&self) -> String {
        match procfs::pid_namespace() {
            Some(ns) => format!("{}/{}/{ns}", self.boot_id, self.start_ticks),
            None => format!("{}/{}", self.boot_id, self.start_ticks),
        }
    }

    /// Whether the live process `pid` is the one whose [`Identity::start_token`] is `token`
    /// (a token naming another pid namespace is never this machine's process `pid`).
    pub(crate) fn matches_token(pid: i32, token: &str) -> bool {
        let Some(token) = Token::parse(token) else {
            return false;
        };
        let here = token.pid_ns.is_none() || token.pid_ns == procfs::pid_namespace();
        here && Identity::of(pid).is_some_and(|id| {
            id.is_alive() && id.boot_id == token.boot && id.start_ticks == token.ticks
        })
    }
}

/// Where this process runs, as start tokens name it: this boot and this pid namespace (read
/// once, for judging many tokens).
#[derive(Clone, Debug)]
pub(crate) struct Here {
    boot_id: String,
    pid_ns: Option<u64>,
}

impl Here {
    /// This process's boot and pid namespace, read now.
    pub(crate) fn now() -> Here {
        Here {
            boot_id: procfs::boot_id(),
            pid_ns: procfs::pid_namespace(),
        }
    }

    /// Whether the process `pid` whose start token is `token` is known to have ended: the token
    /// names this boot and this pid namespace, and pid `pid` is gone, a zombie, or a later
    /// process (another start time). `false` whenever that cannot be told — another machine,
    /// boot or namespace, a token without its namespace, or a `/proc` of another namespace —
    /// so a caller may act on `true` at once and must wait otherwise.
    pub(crate) fn has_ended(&self, pid: u32, token: &str) -> bool {
        let (Some(token), Ok(pid)) = (Token::parse(token), i32::try_from(pid)) else {
            return false;
        };
        if token.pid_ns.is_none() || token.pid_ns != self.pid_ns {
            return false;
        }
        if token.boot.is_empty() || token.boot != self.boot_id {
            return false;
        }
        match procfs::stat(pid) {
            Some(stat) => stat.is_dead() || stat.start_ticks != token.ticks,
            // Unreadable is not gone (`/proc` mounted with `hidepid`): only the kernel's
            // "no such process" is.
            None => {
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                    == Err(nix::errno::Errno::ESRCH)
            }
        }
    }
}

/// A start token read back ([`Identity::start_token`]).
struct Token<'a> {
    boot: &'a str,
    ticks: u64,
    pid_ns: Option<u64>,
}

impl<'a> Token<'a> {
    /// `<boot id>/<start ticks>[/<pid namespace>]`, `None` when not so shaped.
    fn parse(token: &'a str) -> Option<Token<'a>> {
        let mut parts = token.split('/');
        let (boot, ticks) = (parts.next()?, parts.next()?.parse().ok()?);
        let pid_ns = match parts.next() {
            Some(ns) => Some(ns.parse().ok()?),
            None => None,
        };
        parts.next().is_none().then_some(Token {
            boot,
            ticks,
            pid_ns,
        })
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

    #[test]
    fn tokens_with_and_without_their_namespace_match_the_live_process() {
        let me = Identity::current().expect("own identity");
        let token = me.start_token();
        assert_eq!(token.split('/').count(), 3, "{token}");
        let old = format!("{}/{}", me.boot_id, me.start_ticks);
        assert!(
            Identity::matches_token(me.pid, &old),
            "a token of an older version"
        );
        let elsewhere = format!("{old}/1");
        assert!(
            !Identity::matches_token(me.pid, &elsewhere),
            "another namespace"
        );
        for bad in ["", "x", "b/notticks", "b/1/ns", "b/1/2/3"] {
            assert!(!Identity::matches_token(me.pid, bad), "{bad}");
        }
    }

    #[test]
    fn only_a_process_of_this_boot_and_namespace_that_is_gone_has_ended() {
        let me = Identity::current().expect("own identity");
        let pid = u32::try_from(me.pid).expect("pid");
        assert!(!Here::now().has_ended(pid, &me.start_token()), "alive");
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let child_pid = child.id();
        let child_token =
            Identity::of(i32::try_from(child_pid).expect("pid")).map(|id| id.start_token());
        child.wait().expect("wait");
        if let Some(token) = child_token {
            assert!(Here::now().has_ended(child_pid, &token), "reaped");
        }
        let later = format!(
            "{}/{}/{}",
            me.boot_id,
            me.start_ticks + 1,
            procfs::pid_namespace().expect("namespace")
        );
        assert!(
            Here::now().has_ended(pid, &later),
            "a pid reused by a later process"
        );
        let cannot_tell = [
            format!("{}/{}", me.boot_id, me.start_ticks + 1),
            format!(
                "another-boot/{}/{}",
                me.start_ticks + 1,
                procfs::pid_namespace().expect("ns")
            ),
            format!("{}/{}/1", me.boot_id, me.start_ticks + 1),
            "garbage".to_owned(),
        ];
        for token in cannot_tell {
            assert!(!Here::now().has_ended(pid, &token), "{token}");
        }
    }
}
