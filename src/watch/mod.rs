//! `baton watch`: follows a run live, read-only. A [`Source`] reads the run — the workspace of
//! a running Baton ([`Local`]: its state file, journal, event log and the running turn's
//! transcript) or a role-mode remote from any clone ([`Remote`]: fetched, read at the
//! remote-tracking ref) — into a [`model::Snapshot`]; the model says what changed; the output
//! is plain lines ([`lines`]) or a redrawn screen ([`screen`] on a [`terminal::Terminal`]);
//! [`rows`] says a workflow's step and its workers, [`workers`] follows the workers'
//! transcripts.
//!
//! Invariant: watching writes nothing to the workspace, the state or the remote (a fetch
//! updates only the remote-tracking ref). `q`, Ctrl-C, SIGTERM and SIGHUP end it with exit 0,
//! the terminal restored.

mod lines;
mod local;
mod model;
mod remote;
mod rows;
mod screen;
mod terminal;
mod workers;

use std::collections::VecDeque;
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

pub(crate) use local::Local;
pub(crate) use remote::Remote;
pub(crate) use workers::WorkerLines;

use crate::error::Result;
use crate::watch::model::{Change, Snapshot, changes};
use crate::watch::terminal::Terminal;

/// Where a watch reads the run from.
pub(crate) trait Source {
    /// What is watched, for people (`workspace /src/app`, `origin/main (fetched every 2s)`).
    fn title(&self) -> String;
    /// How long to wait between two reads.
    fn every(&self) -> Duration;
    /// Reads the run now; what cannot be read is the snapshot's `problem`, the rest stays.
    fn read(&mut self) -> Snapshot;
    /// The transcript lines written since the last call.
    fn transcript(&mut self) -> Transcript;
    /// Ends what a read is waiting on (a fetch over a hung network) as soon as `quit` is set,
    /// so that leaving never waits for the network. Nothing to do for local files.
    fn cancel_on(&mut self, quit: Arc<AtomicBool>) {
        let _ = quit;
    }
}

/// Transcript lines read in one refresh.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Transcript {
    /// The last lines of a transcript whose turn ended (or another began) since the last read:
    /// they come before that turn's stamp.
    pub(crate) finished: Vec<String>,
    /// New lines of the running turn's transcript.
    pub(crate) running: Vec<String>,
    /// New lines of each worker's transcript (workers with none are left out).
    pub(crate) workers: Vec<WorkerLines>,
}

/// How the watch shows the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    /// One line per change, until stopped.
    Lines,
    /// One snapshot as lines, then exit.
    Once,
    /// A redrawn screen (stdout is a terminal).
    Screen,
}

/// How often a wait looks at the quit flag.
const TICK: Duration = Duration::from_millis(50);

/// How often the screen is looked at again (countdowns, a resized terminal).
const REDRAW: Duration = Duration::from_millis(250);

/// The newest transcript lines kept for the screen.
const TRANSCRIPT_LINES: usize = 500;

/// Watches `source` until the run is left (`q`, a signal) — or, with [`Output::Once`], prints
/// one snapshot.
///
/// # Errors
/// The output cannot be written (a closed pipe is a quiet exit), or the signal handlers or the
/// terminal cannot be set up.
pub(crate) fn watch(source: &mut dyn Source, output: Output) -> Result<()> {
    let quit = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&quit))?;
    }
    source.cancel_on(Arc::clone(&quit));
    match output {
        Output::Screen => watch_screen(source, &quit),
        Output::Lines | Output::Once => watch_lines(source, &quit, output == Output::Once),
    }
}

/// Sleeps `every` in ticks; `true` when `quit` was set meanwhile.
fn pause(quit: &AtomicBool, every: Duration) -> bool {
    let until = Instant::now() + every;
    loop {
        if quit.load(Ordering::Relaxed) {
            return true;
        }
        let now = Instant::now();
        if now >= until {
            return false;
        }
        std::thread::sleep(TICK.min(until - now));
    }
}

fn watch_lines(source: &mut dyn Source, quit: &AtomicBool, once: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "watch: {}", source.title())?;
    let mut previous: Option<Snapshot> = None;
    loop {
        let snap = source.read();
        let found = changes(previous.as_ref(), &snap);
        let transcript = if once {
            Transcript::default()
        } else {
            source.transcript()
        };
        let (feed, rest): (Vec<_>, Vec<_>) = found
            .iter()
            .partition(|c| matches!(c, Change::Worker(_) | Change::Landing(_)));
        let (last, first): (Vec<_>, Vec<_>) =
            rest.into_iter().partition(|c| lines::after_transcript(c));
        // A step stamped in this read: its workers' last lines and landings came before it.
        let step_done =
            previous.is_some() && first.iter().any(|c| workers::stamps_a_worker(c, &feed));
        for line in &transcript.finished {
            writeln!(out, "| {line}")?;
        }
        if step_done {
            workers::write_feed(&mut out, &feed, &transcript.workers)?;
        }
        for change in first {
            writeln!(out, "{}", lines::line(change))?;
        }
        for line in &transcript.running {
            writeln!(out, "| {line}")?;
        }
        if !step_done {
            workers::write_feed(&mut out, &feed, &transcript.workers)?;
        }
        for change in last {
            writeln!(out, "{}", lines::line(change))?;
        }
        if once || pause(quit, source.every()) {
            return Ok(());
        }
        previous = Some(snap);
    }
}

fn watch_screen(source: &mut dyn Source, quit: &Arc<AtomicBool>) -> Result<()> {
    let mut terminal = Terminal::enter(Arc::clone(quit))?;
    let title = source.title();
    let mut transcript: VecDeque<String> = VecDeque::new();
    let mut snap = Snapshot::default();
    let mut next_read = Instant::now();
    let mut shown = Vec::new();
    loop {
        if Instant::now() >= next_read {
            snap = source.read();
            let new = source.transcript();
            let workers = new.workers.into_iter().flat_map(|w| {
                let worker = w.worker;
                w.lines.into_iter().map(move |l| format!("{worker}: {l}"))
            });
            transcript.extend(new.finished.into_iter().chain(new.running).chain(workers));
            let excess = transcript.len().saturating_sub(TRANSCRIPT_LINES);
            transcript.drain(..excess);
            next_read = Instant::now() + source.every();
        }
        let (width, height) = Terminal::size();
        let shown_now = screen::Shown {
            title: &title,
            transcript: transcript.make_contiguous(),
            now: SystemTime::now(),
        };
        let lines = screen::frame(&shown_now, &snap, width, height);
        if lines != shown {
            terminal.draw(&lines)?;
            shown = lines;
        }
        if pause(quit, REDRAW) {
            return Ok(());
        }
    }
}
