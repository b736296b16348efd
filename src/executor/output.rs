//! The agent's output: two reader threads drain stdout and stderr at the same time (ripgrep
//! `process.rs`), each chunk (up to 256 KiB) going straight to the console and to the turn log.
//! Nothing is buffered whole; only up to `capture_stdout` bytes of stdout are kept in memory.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::run::ExecError;
use super::supervise::Event;
use super::transcript::{ErrTail, Transcript};
use crate::agent::output::Report;

/// Read buffer size of each pump: a quarter of the stdout pipe's capacity (see `spawn.rs`).
const CHUNK: usize = 256 * 1024;

/// The turn log, shared by both pumps. The first write error is kept and writing stops.
pub(super) struct Log {
    path: PathBuf,
    state: Mutex<LogState>,
}

struct LogState {
    file: File,
    error: Option<io::Error>,
}

impl Log {
    /// Creates the log (and its parents) and writes `header`. The log itself is never
    /// written through a symlink (one there is replaced, with a warning).
    pub(super) fn create(
        path: &Path,
        header: &str,
        events: &crate::events::Events,
    ) -> Result<Log, ExecError> {
        let fail = |source| ExecError::Log {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let owned = crate::fsutil::open_owned(path, crate::fsutil::Access::Create).map_err(fail)?;
        for replaced in owned.replaced {
            warn_line!(events, "[baton] warning: {replaced}");
        }
        let mut file = owned.file;
        file.write_all(header.as_bytes()).map_err(fail)?;
        Ok(Log {
            path: path.to_path_buf(),
            state: Mutex::new(LogState { file, error: None }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `bytes` unless an earlier write failed.
    pub(super) fn write(&self, bytes: &[u8]) {
        let mut state = self.lock();
        if state.error.is_none()
            && let Err(e) = state.file.write_all(bytes)
        {
            state.error = Some(e);
        }
    }

    /// The first write error, if any, as an [`ExecError::Log`].
    pub(super) fn finish(&self) -> Result<(), ExecError> {
        match self.lock().error.take() {
            Some(source) => Err(ExecError::Log {
                path: self.path.clone(),
                source,
            }),
            None => Ok(()),
        }
    }
}

/// When the agent last wrote anything, for the heartbeat.
pub(super) struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    /// Starts the clock now.
    pub(super) fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// The instant of the last output (the start when there was none).
    pub(super) fn last_output(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// When the clock started (just before the spawn).
    pub(super) fn start(&self) -> Instant {
        self.start
    }
}

/// What the pump shows, as whole lines for the event stream's `transcript` events (the event
/// log keeps up to [`crate::events::TRANSCRIPT_CAP`] bytes a turn; past that, nothing is
/// buffered here). A last line without a newline is dropped: the turn log has it; a line over
/// [`TAP_LINE_MAX`] goes out in pieces.
struct Tap {
    pending: Vec<u8>,
    full: bool,
    transcript: crate::events::Transcript,
}

impl Tap {
    fn feed(&mut self, bytes: &[u8]) {
        if self.full {
            return;
        }
        self.pending.extend_from_slice(bytes);
        let end = match self.pending.iter().rposition(|&b| b == b'\n') {
            Some(end) => end,
            // A line longer than this goes out in pieces: nothing grows without bound.
            None if self.pending.len() >= TAP_LINE_MAX => self.pending.len() - 1,
            None => return,
        };
        let lines: Vec<u8> = self.pending.drain(..=end).collect();
        self.full = !self.transcript.text(&String::from_utf8_lossy(&lines));
    }
}

/// The longest line the tap holds back waiting for its newline (bytes).
const TAP_LINE_MAX: usize = 64 * 1024;

/// Which of the agent's streams a pump drains.
#[derive(Clone, Copy, Debug)]
pub(super) enum Stream {
    /// Echoed to baton's stdout; may be captured.
    Stdout,
    /// Echoed to baton's stderr.
    Stderr,
}

/// Up to `limit` bytes of stdout, shared with the runner.
pub(super) type Capture = Arc<Mutex<Vec<u8>>>;

/// What a pump writes to, besides the console.
pub(super) struct Sinks {
    /// The turn log.
    pub(super) log: Arc<Log>,
    /// Output clock for the heartbeat.
    pub(super) activity: Arc<Activity>,
    /// Receives [`Event::Drained`] at end of stream.
    pub(super) events: Sender<Event>,
    /// Echo to the console.
    pub(super) echo: bool,
    /// The run's transcript in the event log.
    pub(super) transcript: crate::events::Transcript,
}

/// How a pump reads what it drains, and where it leaves what it read.
pub(super) enum Reading {
    /// stdout, through the agent's format; the report lands in the slot at the end.
    Stdout(Box<Transcript>, Arc<Mutex<Option<Report>>>),
    /// stderr: its last lines are kept in the slot at the end.
    Stderr(ErrTail, Arc<Mutex<Option<ErrTail>>>),
}

/// Starts a thread that drains `reader` to its end; `capture` keeps up to `limit` bytes.
pub(super) fn pump(
    reader: impl Read + Send + 'static,
    stream: Stream,
    sinks: Sinks,
    capture: Option<(Capture, usize)>,
    reading: Reading,
) {
    std::thread::spawn(move || {
        let mut echo = sinks.echo;
        let mut tap = Tap {
            pending: Vec::new(),
            full: false,
            transcript: sinks.transcript.clone(),
        };
        let mut show = |bytes: &[u8]| {
            // A closed console (EPIPE) stops the echo, never the agent.
            if echo && !bytes.is_empty() && console(stream, bytes).is_err() {
                echo = false;
            }
            sinks.log.write(bytes);
            tap.feed(bytes);
        };
        match reading {
            Reading::Stdout(mut transcript, slot) => {
                drain(reader, &sinks, capture.as_ref(), &mut |chunk| {
                    match transcript.feed(chunk) {
                        Some(rendered) => show(&rendered),
                        None => show(chunk),
                    }
                    if let Some(reason) = transcript.take_abandon() {
                        let _ = sinks.events.send(Event::Abandon(reason));
                    }
                });
                let (rest, report) = transcript.finish();
                show(&rest);
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(report);
            }
            Reading::Stderr(mut tail, slot) => {
                drain(reader, &sinks, capture.as_ref(), &mut |chunk| {
                    show(chunk);
                    tail.feed(chunk);
                });
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(tail);
            }
        }
        let _ = sinks.events.send(Event::Drained);
    });
}

fn drain(
    mut reader: impl Read,
    sinks: &Sinks,
    capture: Option<&(Capture, usize)>,
    each: &mut dyn FnMut(&[u8]),
) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let chunk = &buf[..n];
        sinks.activity.touch();
        each(chunk);
        if let Some((kept, limit)) = capture {
            let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
            let room = limit.saturating_sub(kept.len());
            kept.extend_from_slice(&chunk[..room.min(n)]);
        }
    }
}

fn console(stream: Stream, chunk: &[u8]) -> io::Result<()> {
    match stream {
        Stream::Stdout => {
            let mut out = io::stdout().lock();
            out.write_all(chunk)?;
            out.flush()
        }
        Stream::Stderr => io::stderr().lock().write_all(chunk),
    }
}
