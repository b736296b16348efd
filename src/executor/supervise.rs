//! The runner's wait loop: one channel receives the leader's exit (a waiter thread), the end of
//! each output stream and the signals baton receives; `recv_timeout` wakes it for the timeout,
//! the kill deadline and the heartbeat. Every ending path goes TERM → grace → KILL on the whole
//! group, and after the leader exits the group is killed anyway so no grandchild outlives the
//! turn.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::output::Activity;
use super::signals::signal_name;
use super::text;

/// What the wait loop hears about.
pub(super) enum Event {
    /// The group leader exited (`None` when waiting on it failed).
    Exited(Option<ExitStatus>),
    /// Baton received this signal (already forwarded to the group by the signal thread).
    Signal(i32),
    /// One output stream reached its end.
    Drained,
    /// The agent's output says it is better ended now than waited for (codex waiting for the
    /// network): the reason. The group is stopped as on a timeout; the report says why.
    Abandon(String),
}

/// How the group ended.
pub(super) struct Ending {
    /// The leader's status.
    pub(super) status: Option<ExitStatus>,
    /// The timeout fired.
    pub(super) timed_out: bool,
    /// The idle timeout fired.
    pub(super) stalled: bool,
    /// The signal that interrupted the turn.
    pub(super) interrupted_by: Option<i32>,
}

/// Stall detection: the agent is ended once neither its output nor any file under `root`
/// (`skip` excepted) changed for `limit`.
pub(super) struct Idle {
    /// How long the agent may be quiet on both channels.
    pub(super) limit: Duration,
    /// The workspace.
    pub(super) root: PathBuf,
    /// Baton's own files under `root` (the turn log).
    pub(super) skip: Vec<PathBuf>,
}

/// The loop's inputs besides the channel.
pub(super) struct Watch<'a> {
    /// The agent's process group.
    pub(super) group: Pid,
    /// Console label.
    pub(super) label: &'a str,
    /// Wall-clock limit.
    pub(super) timeout: Option<Duration>,
    /// Silence before a heartbeat line.
    pub(super) heartbeat: Option<Duration>,
    /// Stall detection, when on.
    pub(super) idle: Option<Idle>,
    /// TERM → KILL grace period.
    pub(super) grace: Duration,
    /// Output clock.
    pub(super) activity: &'a Activity,
    /// Console notices (heartbeat, timeout, forwarding) go here.
    pub(super) notices: &'a mut dyn Write,
}

/// Starts the thread that reports the leader's exit. It does not reap the leader: the group
/// is signalled after the exit (and swept), which is safe only while its id cannot be reused
/// (see [`crate::process::Group`]); the runner reaps it last.
pub(super) fn wait_in_background(leader: Pid, events: std::sync::mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        let _ = events.send(Event::Exited(crate::process::wait_exit(leader)));
    });
}

/// Sends `signal` to the whole group; ESRCH (already gone) is fine.
pub(super) fn signal_group(group: Pid, signal: Signal) {
    let _ = killpg(group, signal);
}

/// Runs the loop until the leader exits, then kills the rest of the group. `already` is a
/// signal received before the group was registered: it is forwarded here. Returns how the
/// group ended and how many output streams already reached their end (for [`wait_for_pipes`]).
pub(super) fn supervise(
    watch: &mut Watch<'_>,
    events: &Receiver<Event>,
    already: Option<i32>,
) -> (Ending, usize) {
    let mut state = LoopState::new(watch);
    if let Some(signal) = already {
        state.interrupt(watch, signal, true);
    }
    let mut drained = 0;
    let status = loop {
        let now = Instant::now();
        state.fire_deadlines(watch, now);
        let event = match state.next_wake(watch) {
            Some(at) => events.recv_timeout(at.saturating_duration_since(now)),
            None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match event {
            Ok(Event::Exited(status)) => break status,
            Ok(Event::Signal(signal)) => state.interrupt(watch, signal, false),
            Ok(Event::Drained) => drained += 1,
            Ok(Event::Abandon(reason)) => state.abandon(watch, &reason),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break None,
        }
    };
    signal_group(watch.group, Signal::SIGKILL);
    let ending = Ending {
        status,
        timed_out: state.timed_out,
        stalled: state.stalled,
        interrupted_by: state.interrupted_by,
    };
    (ending, drained)
}

/// Waits for the two `Drained` events. A process that left the group (setsid) may still hold
/// the pipes: after a grace period the readers are left to finish on their own.
pub(super) fn wait_for_pipes(watch: &mut Watch<'_>, events: &Receiver<Event>, mut drained: usize) {
    let deadline = Instant::now() + watch.grace;
    while drained < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(Event::Drained) => drained += 1,
            Ok(_) => {}
            Err(_) => {
                let _ = writeln!(
                    watch.notices,
                    "[baton] {}: output still open after its process group ended; not waiting",
                    watch.label
                );
                return;
            }
        }
    }
}

/// The loop's clocks and what has happened so far.
struct LoopState {
    timeout_at: Option<Instant>,
    kill_at: Option<Instant>,
    last_beat: Instant,
    /// When the agent last showed life through its files (the start until it has).
    last_change: Instant,
    /// File changes after this moment count at the next look.
    scan_since: SystemTime,
    timed_out: bool,
    stalled: bool,
    interrupted_by: Option<i32>,
}

impl LoopState {
    fn new(watch: &Watch<'_>) -> LoopState {
        let start = watch.activity.start();
        LoopState {
            timeout_at: watch.timeout.map(|t| start + t),
            kill_at: None,
            last_beat: start,
            last_change: start,
            scan_since: SystemTime::now(),
            timed_out: false,
            stalled: false,
            interrupted_by: None,
        }
    }

    /// A received signal: the first one starts the grace period, a second one kills at once.
    /// `forward`: send it to the group here (the signal thread did not).
    fn interrupt(&mut self, watch: &mut Watch<'_>, signal: i32, forward: bool) {
        if self.interrupted_by.is_some() {
            signal_group(watch.group, Signal::SIGKILL);
            return;
        }
        self.interrupted_by = Some(signal);
        self.timeout_at = None;
        self.stop_idle_watch(watch);
        if forward {
            signal_group(
                watch.group,
                Signal::try_from(signal).unwrap_or(Signal::SIGTERM),
            );
        }
        self.kill_at = Some(Instant::now() + watch.grace);
        let _ = writeln!(
            watch.notices,
            "[baton] {} received: stopping {}",
            signal_name(signal),
            watch.label
        );
    }

    /// The output said the agent is better ended now: TERM, then KILL after the grace period,
    /// unless it is being stopped already.
    fn abandon(&mut self, watch: &mut Watch<'_>, reason: &str) {
        if self.kill_at.is_some() || self.interrupted_by.is_some() {
            return;
        }
        self.timeout_at = None;
        self.stop_idle_watch(watch);
        self.kill_at = Some(Instant::now() + watch.grace);
        signal_group(watch.group, Signal::SIGTERM);
        let _ = writeln!(
            watch.notices,
            "[baton] {}: {reason}: stopping it (the turn runs again per agent.retries)",
            watch.label
        );
    }

    fn fire_deadlines(&mut self, watch: &mut Watch<'_>, now: Instant) {
        if self.timeout_at.is_some_and(|t| now >= t) {
            self.timeout_at = None;
            self.stop_idle_watch(watch);
            self.timed_out = true;
            self.kill_at = Some(now + watch.grace);
            signal_group(watch.group, Signal::SIGTERM);
            let limit = watch
                .timeout
                .map(crate::config::format_duration)
                .unwrap_or_default();
            let _ = writeln!(
                watch.notices,
                "[baton] {} timed out after {limit}: stopping it",
                watch.label
            );
        }
        self.check_idle(watch, now);
        if self.kill_at.is_some_and(|t| now >= t) {
            self.kill_at = None;
            signal_group(watch.group, Signal::SIGKILL);
        }
        if let Some(every) = watch.heartbeat {
            let quiet_since = watch.activity.last_output().max(self.last_beat);
            if now >= quiet_since + every {
                let running = now - watch.activity.start();
                let silence = now - watch.activity.last_output();
                let line = text::heartbeat(watch.label, running, silence);
                let _ = writeln!(watch.notices, "{line}");
                self.last_beat = now;
            }
        }
    }

    /// When the agent counts as stalled unless it shows activity before.
    fn idle_at(&self, watch: &Watch<'_>) -> Option<Instant> {
        let idle = watch.idle.as_ref()?;
        Some(watch.activity.last_output().max(self.last_change) + idle.limit)
    }

    /// At the idle deadline, looks for a file changed since the last look (the start at
    /// first): one found moves the deadline a whole idle timeout on; none ends the agent as
    /// stalled.
    fn check_idle(&mut self, watch: &mut Watch<'_>, now: Instant) {
        if self.idle_at(watch).is_none_or(|at| now < at) {
            return;
        }
        let Some(idle) = &watch.idle else {
            return;
        };
        let since = self.scan_since;
        self.scan_since = SystemTime::now();
        if super::idle::newest_change(&idle.root, since, &idle.skip).is_some() {
            // A file changed since the last look: the agent is alive; look again a whole idle
            // timeout from now.
            self.last_change = now;
            return;
        }
        let limit = crate::config::format_duration(idle.limit);
        watch.idle = None;
        self.stalled = true;
        self.timeout_at = None;
        self.kill_at = Some(now + watch.grace);
        signal_group(watch.group, Signal::SIGTERM);
        let _ = writeln!(
            watch.notices,
            "[baton] {} stalled: no output and no file changed for {limit}: stopping it",
            watch.label
        );
    }

    /// Once the agent is being stopped for another reason, it can no longer stall.
    fn stop_idle_watch(&self, watch: &mut Watch<'_>) {
        watch.idle = None;
    }

    /// The earliest deadline still pending, if any.
    fn next_wake(&self, watch: &Watch<'_>) -> Option<Instant> {
        let beat = watch
            .heartbeat
            .map(|every| watch.activity.last_output().max(self.last_beat) + every);
        [self.timeout_at, self.kill_at, beat, self.idle_at(watch)]
            .into_iter()
            .flatten()
            .min()
    }
}
