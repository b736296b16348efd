//! Running one child to its end within bounds — the helper every short-lived child of Baton's
//! goes through (verify commands, notifications, `git`, the steering commands of the
//! dashboard): its own process group ([`Group`]), a deadline, a cancel check, and its output
//! captured up to a cap. Every way out — exit, deadline, cancel — ends the group with the one
//! kill policy of [`super::group`], and the leader is reaped last.

use std::io::{self, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::group::{Group, wait_exit};

/// How often a cancel check is looked at.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// The bounds of one run.
pub(crate) struct Bounds<'a> {
    /// The longest the child may run; `None`: no limit.
    pub(crate) deadline: Option<Duration>,
    /// SIGTERM → SIGKILL grace when the child is ended.
    pub(crate) grace: Duration,
    /// Ends the child when it returns true (looked at every 20 ms).
    pub(crate) cancel: Option<&'a (dyn Fn() -> bool + Sync)>,
    /// Capture stdout and stderr, each up to this many bytes (the rest is read and dropped, so
    /// the child never blocks on a full pipe); `None` leaves the command's own streams.
    pub(crate) capture: Option<usize>,
    /// Whether the child leaves Baton's process group (then only Baton ends it; the
    /// terminal's Ctrl-C does not reach it). `false` keeps a child that must get the
    /// terminal's signals with Baton: it is then never signalled by Baton, so it takes neither
    /// a deadline nor a cancel check.
    pub(crate) own_group: bool,
    /// Spare the child from the end-of-turn sweep of agent processes while it runs (Baton's
    /// own background work started during a turn).
    pub(crate) spared: bool,
}

impl Default for Bounds<'_> {
    fn default() -> Self {
        Bounds {
            deadline: None,
            grace: Duration::from_secs(1),
            cancel: None,
            capture: None,
            own_group: true,
            spared: false,
        }
    }
}

/// Why the child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// It exited by itself.
    Exited,
    /// The deadline passed: its group was ended.
    TimedOut,
    /// The cancel check said so: its group was ended.
    Cancelled,
}

/// A finished child.
#[derive(Debug)]
pub(crate) struct Finished {
    /// Why it ended.
    pub(crate) ending: Ending,
    /// The leader's exit status (`None` when it could not be waited for).
    pub(crate) status: Option<ExitStatus>,
    /// Captured stdout (at most [`Bounds::capture`] bytes).
    pub(crate) stdout: Vec<u8>,
    /// Captured stderr (at most [`Bounds::capture`] bytes).
    pub(crate) stderr: Vec<u8>,
}

impl Finished {
    /// The exit code when the child exited by itself with one.
    #[must_use]
    pub(crate) fn code(&self) -> Option<i32> {
        (self.ending == Ending::Exited)
            .then_some(self.status)
            .flatten()
            .and_then(|s| s.code())
    }
}

/// Runs `command` to its end within `bounds` (see the module docs).
///
/// # Errors
/// The spawn's error (`NotFound` for a missing program).
pub(crate) fn run_bounded(command: &mut Command, bounds: &Bounds<'_>) -> io::Result<Finished> {
    if bounds.capture.is_some() {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    if !bounds.own_group {
        return run_in_baton_group(command, bounds);
    }
    let mut group = Group::spawn(command)?;
    let id = group.child_mut().id();
    if bounds.spared {
        super::spare(id);
    }
    let readers = Readers::start(group.child_mut(), bounds.capture);
    let ending = watch(&group, bounds);
    let status = match ending {
        Ending::Exited => group.reap(),
        Ending::TimedOut | Ending::Cancelled => group.end(bounds.grace),
    };
    if bounds.spared {
        super::unspare(id);
    }
    let (stdout, stderr) = readers.finish(bounds.grace);
    Ok(Finished {
        ending,
        status,
        stdout,
        stderr,
    })
}

/// Waits for the leader's exit (a thread blocked in `waitid`, so an exit is seen at once), the
/// deadline or the cancel check, whichever comes first.
fn watch(group: &Group, bounds: &Bounds<'_>) -> Ending {
    let (tx, rx) = mpsc::channel();
    let pid = group.pid();
    std::thread::spawn(move || {
        let _ = tx.send(wait_exit(pid));
    });
    let deadline = bounds.deadline.map(|d| Instant::now() + d);
    loop {
        let now = Instant::now();
        if deadline.is_some_and(|at| now >= at) {
            return Ending::TimedOut;
        }
        if bounds.cancel.is_some_and(|cancelled| cancelled()) {
            return Ending::Cancelled;
        }
        let mut wake = deadline.map(|at| at - now);
        if bounds.cancel.is_some() {
            wake = Some(wake.map_or(CANCEL_POLL, |w| w.min(CANCEL_POLL)));
        }
        let heard = match wake {
            Some(wake) => rx.recv_timeout(wake),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match heard {
            Ok(_) | Err(RecvTimeoutError::Disconnected) => return Ending::Exited,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

/// A child kept in Baton's process group: run to its end, never signalled.
fn run_in_baton_group(command: &mut Command, bounds: &Bounds<'_>) -> io::Result<Finished> {
    let mut child = command.spawn()?;
    let readers = Readers::start(&mut child, bounds.capture);
    let status = child.wait().ok();
    let (stdout, stderr) = readers.finish(bounds.grace);
    Ok(Finished {
        ending: Ending::Exited,
        status,
        stdout,
        stderr,
    })
}

/// The threads reading a child's captured streams.
struct Readers {
    done: mpsc::Receiver<(bool, Vec<u8>)>,
    count: usize,
}

impl Readers {
    fn start(child: &mut std::process::Child, capture: Option<usize>) -> Readers {
        let (tx, done) = mpsc::channel();
        let mut count = 0;
        let cap = capture.unwrap_or(0);
        let streams: [(bool, Option<Box<dyn Read + Send>>); 2] = [
            (true, child.stdout.take().map(|s| Box::new(s) as _)),
            (false, child.stderr.take().map(|s| Box::new(s) as _)),
        ];
        for (is_out, stream) in streams {
            let Some(stream) = stream else { continue };
            count += 1;
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = tx.send((is_out, read_capped(stream, cap)));
            });
        }
        Readers { done, count }
    }

    /// What was captured: stdout, stderr. A process that left the group may hold a pipe open
    /// after the group ended: after `grace`, what was read so far is not waited for.
    fn finish(self, grace: Duration) -> (Vec<u8>, Vec<u8>) {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let until = Instant::now() + grace;
        for _ in 0..self.count {
            let left = until.saturating_duration_since(Instant::now());
            match self.done.recv_timeout(left) {
                Ok((true, bytes)) => stdout = bytes,
                Ok((false, bytes)) => stderr = bytes,
                Err(_) => break,
            }
        }
        (stdout, stderr)
    }
}

/// Reads `stream` to its end, keeping the first `cap` bytes.
fn read_capped(mut stream: impl Read, cap: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return kept,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return kept,
        }
    }
}

#[cfg(test)]
mod tests;
