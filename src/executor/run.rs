//! One agent process, start to end: spawn (see `spawn.rs`), stream (`output.rs`), supervise
//! (`supervise.rs`), then the result.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};
use std::time::Duration;

use nix::unistd::Pid;

use super::output::{Activity, Log, Reading, Sinks, Stream, pump};
use super::signals::register;
use super::spawn::{feed_stdin, spawn};
use super::supervise::{Ending, Event, Idle, Watch, supervise, wait_for_pipes, wait_in_background};
use super::text;
use super::transcript::{ErrTail, Transcript};
use super::turn_processes::Processes;
use crate::agent::output::{Format, Report};

/// Time between SIGTERM and SIGKILL when a turn times out or is interrupted. Default: 5 s.
pub(crate) const GRACE: Duration = Duration::from_secs(5);

/// Overrides [`GRACE`] in milliseconds (read once per process; for tests).
pub(crate) const KILL_GRACE_ENV: &str = "BATON_KILL_GRACE_MS";

/// The grace period in force: `BATON_KILL_GRACE_MS` when set to a number, else [`GRACE`].
#[must_use]
pub(crate) fn kill_grace() -> Duration {
    static GRACE_IN_FORCE: OnceLock<Duration> = OnceLock::new();
    *GRACE_IN_FORCE.get_or_init(|| {
        std::env::var(KILL_GRACE_ENV)
            .ok()
            .and_then(|ms| ms.trim().parse().ok())
            .map_or(GRACE, Duration::from_millis)
    })
}

/// How an agent run ended, as the executor saw it (the turn decides the journal outcome).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunOutcome {
    /// The agent exited 0.
    Ok,
    /// The agent exited non-zero or was killed by a signal.
    Failed,
    /// The run's timeout ended it.
    Timeout,
    /// SIGINT or SIGTERM to Baton ended it.
    Interrupted,
    /// Neither output nor a file change for the idle timeout.
    Stalled,
}

/// What to run and how.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunSpec {
    /// Program and arguments (no shell).
    pub argv: Vec<String>,
    /// Written to the agent's stdin, which is then closed.
    pub stdin: Vec<u8>,
    /// Working directory (the workspace root).
    pub cwd: PathBuf,
    /// Added to the inherited environment (`BATON_ACTOR`, …).
    pub env: Vec<(String, String)>,
    /// The turn log: created (with parents), starts with a `$ argv` header line, then the
    /// output as it arrives.
    pub log_path: PathBuf,
    /// Wall-clock limit; `None` = none.
    pub timeout: Option<Duration>,
    /// Print a "still running" line after this much silence; `None` = off.
    pub heartbeat: Option<Duration>,
    /// What the agent's stdout speaks (how it is shown and read).
    pub format: Format,
    /// End the agent as stalled after this long with neither output nor a file changed under
    /// `cwd` (the turn log excepted); `None` = never.
    pub idle_timeout: Option<Duration>,
    /// Echo output to baton's stdout/stderr.
    pub echo: bool,
    /// Keep up to this many bytes of stdout in memory (the router's answer); `None` = keep none.
    pub capture_stdout: Option<usize>,
    /// Short label for console lines, e.g. `galph supervisor.md (claude)`.
    pub label: String,
    /// Where to record the running agent's processes for the next start after a crash (the
    /// run directory); `None` records nothing.
    pub run_dir: Option<PathBuf>,
    /// The run's event stream: warnings, and the transcript (its own share of the cap).
    pub events: crate::events::Events,
}

/// How the agent ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RunResult {
    /// `Ok`, `Failed` (non-zero exit or killed), `Timeout` or `Interrupted`.
    pub outcome: RunOutcome,
    /// The exit code when it exited normally.
    pub exit_code: Option<i32>,
    /// The signal that killed it, if any.
    pub signal: Option<i32>,
    /// The signal baton received and forwarded (2 or 15) when `Interrupted`.
    pub interrupted_by: Option<i32>,
    /// Wall-clock time from spawn to the end of the whole group.
    pub duration: Duration,
    /// Captured stdout (at most `capture_stdout` bytes); for a structured format, the agent's
    /// final message.
    pub stdout: Option<Vec<u8>>,
    /// What the agent's output said (usage, a reported error, a limit, …).
    pub report: Report,
}

/// Why an agent could not be run at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExecError {
    /// The program could not be started.
    #[error("start agent `{program}`")]
    Spawn {
        /// The program.
        program: String,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
    /// The turn log could not be created or written.
    #[error("turn log `{}`", path.display())]
    Log {
        /// The log file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
}

/// Runs the agent to its end (or timeout, or interruption), streaming its output.
///
/// Notices (heartbeat, timeout, forwarding) become `notice` events (see [`crate::events`]).
///
/// # Errors
/// [`ExecError`] when it cannot start or the log cannot be written.
pub(crate) fn run(spec: &RunSpec) -> Result<RunResult, ExecError> {
    run_alone(spec, true)
}

/// [`run`] for an agent that runs beside others of this process (a worker of
/// `workflow.workers`): its end sweeps its own processes — its group, its marker, its cgroup —
/// and never the other agents, which are Baton's descendants too.
///
/// # Errors
/// As [`run`].
pub(crate) fn run_beside(spec: &RunSpec) -> Result<RunResult, ExecError> {
    run_alone(spec, false)
}

fn run_alone(spec: &RunSpec, alone: bool) -> Result<RunResult, ExecError> {
    let mut options = Options {
        grace: kill_grace(),
        notices: &mut Notices {
            pending: Vec::new(),
            events: spec.events.clone(),
        },
        signal: None,
        sweep_descendants: alone,
    };
    run_with(spec, &mut options)
}

/// Lines written here become warning notices of the event stream (the console prints them on
/// stderr).
struct Notices {
    pending: Vec<u8>,
    events: crate::events::Events,
}

impl Write for Notices {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let text = String::from_utf8_lossy(&line[..end]);
            self.events.notice(crate::events::Level::Warning, &text);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What [`run`] takes from the process, made explicit for tests.
pub(super) struct Options<'a> {
    /// TERM → KILL grace period.
    pub(super) grace: Duration,
    /// Console notices (heartbeat, timeout, forwarding).
    pub(super) notices: &'a mut dyn Write,
    /// Act as if this signal had reached baton just before the start.
    pub(super) signal: Option<i32>,
    /// End every descendant of this process after the run (Baton runs one agent at a time;
    /// the in-process tests run many at once and leave it off).
    pub(super) sweep_descendants: bool,
}

/// [`run`] with explicit [`Options`].
pub(super) fn run_with(spec: &RunSpec, options: &mut Options<'_>) -> Result<RunResult, ExecError> {
    let log = Arc::new(Log::create(
        &spec.log_path,
        &text::header(&spec.argv),
        &spec.events,
    )?);
    let transcript_log = spec.events.transcript();
    let activity = Arc::new(Activity::new());
    let mut processes = Processes::prepare();
    let mut child = spawn(spec, &processes.marker, processes.cgroup.as_ref())?;
    let group = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    processes.record(spec.run_dir.as_deref(), group.as_raw());
    let (events, rx) = mpsc::channel();
    let notify = events.clone();
    let registration = register(group, move |signal| {
        let _ = notify.send(Event::Signal(signal));
    });
    let capture = spec
        .capture_stdout
        .map(|limit| (Arc::new(Mutex::new(Vec::new())), limit));
    let sinks = || Sinks {
        log: Arc::clone(&log),
        activity: Arc::clone(&activity),
        events: events.clone(),
        echo: spec.echo,
        transcript: transcript_log.clone(),
    };
    if let Some(stdin) = child.stdin.take() {
        feed_stdin(stdin, spec.stdin.clone());
    }
    let report_slot = Arc::new(Mutex::new(None));
    let tail_slot = Arc::new(Mutex::new(None));
    if let Some(out) = child.stdout.take() {
        let raw = raw_stream_path(&spec.log_path);
        let transcript = Transcript::new(spec.format, &raw, transcript_log.clone());
        let reading = Reading::Stdout(Box::new(transcript), Arc::clone(&report_slot));
        pump(out, Stream::Stdout, sinks(), capture.clone(), reading);
    }
    if let Some(err) = child.stderr.take() {
        let reading = Reading::Stderr(ErrTail::default(), Arc::clone(&tail_slot));
        pump(err, Stream::Stderr, sinks(), None, reading);
    }
    // The leader stays unreaped until its group was signalled and swept for the last time.
    let leader = crate::process::Group::adopt(child);
    wait_in_background(leader.pid(), events);
    let mut watch = Watch {
        group,
        label: &spec.label,
        timeout: spec.timeout,
        heartbeat: spec.heartbeat,
        idle: spec.idle_timeout.map(|limit| Idle {
            limit,
            root: spec.cwd.clone(),
            skip: vec![spec.log_path.clone()],
        }),
        grace: options.grace,
        activity: &activity,
        notices: &mut *options.notices,
    };
    let (ending, drained) = supervise(&mut watch, &rx, registration.prior.or(options.signal));
    drop(registration);
    let ended = processes.end(
        spec.run_dir.as_deref(),
        group.as_raw(),
        options.grace,
        options.sweep_descendants,
    );
    let _ = leader.reap();
    if !ended.is_empty() {
        let _ = writeln!(
            watch.notices,
            "[baton] {}: ended {} process(es) it left running (pids {})",
            spec.label,
            ended.len(),
            ended
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    wait_for_pipes(&mut watch, &rx, drained);
    let duration = activity.start().elapsed();
    log.finish()?;
    let mut report: Report = report_slot
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .unwrap_or_default();
    if let Some(tail) = tail_slot
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
    {
        tail.complete(&mut report);
    }
    let stdout = capture.map(|(kept, _)| match (spec.format, &report.final_message) {
        // A structured stream's answer is its final message, not the raw events.
        (Format::Text, _) | (_, None) => {
            std::mem::take(&mut *kept.lock().unwrap_or_else(PoisonError::into_inner))
        }
        (_, Some(message)) => message.clone().into_bytes(),
    });
    let mut result = result(&ending, duration, stdout);
    result.report = report;
    Ok(result)
}

/// Where a structured stream is kept raw: the turn log's path with `.jsonl` added.
pub(crate) fn raw_stream_path(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".jsonl");
    PathBuf::from(name)
}

/// The result of a finished group.
fn result(ending: &Ending, duration: Duration, stdout: Option<Vec<u8>>) -> RunResult {
    use std::os::unix::process::ExitStatusExt;
    let exit_code = ending.status.and_then(|s| s.code());
    let signal = ending.status.and_then(|s| s.signal());
    let outcome = if ending.interrupted_by.is_some() {
        RunOutcome::Interrupted
    } else if ending.timed_out {
        RunOutcome::Timeout
    } else if ending.stalled {
        RunOutcome::Stalled
    } else if ending.status.is_some_and(|s| s.success()) {
        RunOutcome::Ok
    } else {
        RunOutcome::Failed
    };
    RunResult {
        outcome,
        exit_code,
        signal,
        interrupted_by: ending.interrupted_by,
        duration,
        stdout,
        report: Report::default(),
    }
}

#[cfg(test)]
mod tests;
