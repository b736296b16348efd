//! The one kill policy for Baton's children: a child started as the leader of its own process
//! group, signalled as a group only while its leader is unreaped.
//!
//! A process group is named by its leader's pid. Once the leader is reaped, that pid — the
//! group's id — may be given to any new process, which may lead a group of its own: a `killpg`
//! meant for the old group then reaches a stranger's (the pid-reuse window). So a [`Group`]
//! learns of its leader's exit with `waitid(…, WNOWAIT)`, which leaves the leader a zombie: while
//! it is unreaped the kernel allocates its pid to no one, and a signal to the group reaches only
//! what the leader started and left in it. Reaping consumes the `Group` ([`Group::reap`],
//! [`Group::end`]), so nothing can signal the group afterwards.
//!
//! The policy: to end a running group, SIGTERM to the group, up to `grace` for the leader to
//! exit, then SIGKILL to the group; once the leader has exited (by itself or so), what it left
//! in its group gets SIGKILL before the leader is reaped. Processes that left the group
//! (`setsid`) are the sweep's ([`super::end_run`]).

use std::io;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

/// How often a waiting [`Group`] looks at its leader.
const POLL: Duration = Duration::from_millis(10);

/// A child leading its own process group, not yet reaped (see the module docs).
#[derive(Debug)]
pub(crate) struct Group {
    child: Child,
    pid: Pid,
}

impl Group {
    /// Starts `command` as the leader of a new process group.
    ///
    /// # Errors
    /// The spawn's error (`NotFound` for a missing program).
    pub(crate) fn spawn(command: &mut Command) -> io::Result<Group> {
        command.process_group(0);
        Ok(Group::adopt(command.spawn()?))
    }

    /// Takes over `child`, which must have been spawned as a group leader
    /// (`process_group(0)`) and not waited for.
    pub(crate) fn adopt(child: Child) -> Group {
        let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
        Group { child, pid }
    }

    /// The leader's pid: the group's id.
    #[must_use]
    pub(crate) fn pid(&self) -> Pid {
        self.pid
    }

    /// The child (for its standard streams).
    pub(crate) fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Sends `signal` to the whole group. The leader is unreaped, so this reaches the group it
    /// leads and nothing else; a group already empty is fine.
    pub(crate) fn signal(&self, signal: Signal) {
        let _ = killpg(self.pid, signal);
    }

    /// The leader's exit status once it has exited, without reaping it.
    #[must_use]
    pub(crate) fn exited(&self) -> Option<ExitStatus> {
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
        match waitid(Id::Pid(self.pid), flags) {
            Ok(status) => exit_status(status),
            // Not our child any more (reaped by someone else): it has exited.
            Err(Errno::ECHILD) => Some(ExitStatus::from_raw(0)),
            Err(_) => None,
        }
    }

    /// The leader's pid as the standard library gives it (for [`super::spare`]).
    #[must_use]
    pub(crate) fn child_id(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the leader has exited (not reaping it) or `until` passes (`None`: for as
    /// long as it runs); the status, if it exited.
    pub(crate) fn wait_exited(&self, until: Option<Instant>) -> Option<ExitStatus> {
        let Some(until) = until else {
            return wait_exit(self.pid);
        };
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            let now = Instant::now();
            if now >= until {
                return None;
            }
            std::thread::sleep(POLL.min(until - now));
        }
    }

    /// Ends the group: while the leader runs, SIGTERM to the group and up to `grace` for the
    /// leader to exit; then as [`Group::reap`]. Returns the leader's status (`None` when it
    /// could not be waited for).
    pub(crate) fn end(self, grace: Duration) -> Option<ExitStatus> {
        if self.exited().is_none() {
            self.signal(Signal::SIGTERM);
            self.wait_exited(Some(Instant::now() + grace));
        }
        self.reap()
    }

    /// SIGKILL to what is left in the group (the leader included, if it still runs) — sent
    /// while the leader is unreaped — then reaps the leader. Returns its status.
    pub(crate) fn reap(mut self) -> Option<ExitStatus> {
        self.signal(Signal::SIGKILL);
        self.child.wait().ok()
    }
}

/// Blocks until the child `pid` has exited, without reaping it (so that its group can still be
/// signalled safely); its status, `None` when it cannot be waited for (not a child, or already
/// reaped). For a thread that only watches a [`Group`] owned elsewhere.
#[must_use]
pub(crate) fn wait_exit(pid: Pid) -> Option<ExitStatus> {
    loop {
        match waitid(Id::Pid(pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT) {
            Ok(status) => {
                if let Some(status) = exit_status(status) {
                    return Some(status);
                }
            }
            Err(Errno::EINTR) => {}
            Err(_) => return None,
        }
    }
}

/// The exit status `waitid` reported, as the standard library's (a raw wait status: the code in
/// the second byte, or the signal in the low seven bits and the core flag beside it).
fn exit_status(status: WaitStatus) -> Option<ExitStatus> {
    match status {
        WaitStatus::Exited(_, code) => Some(ExitStatus::from_raw((code & 0xff) << 8)),
        WaitStatus::Signaled(_, signal, core) => Some(ExitStatus::from_raw(
            signal as i32 | if core { 0x80 } else { 0 },
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
