//! Watching the workspace a Baton runs in: the state file, the journal and the event log are
//! read where the run writes them (a short poll: a few `stat`s and small reads every
//! [`EVERY`]), and the running turn's transcript is followed while its agent runs — only
//! beneath `logs_dir`, whatever file the event log names. Workers' transcripts come from the
//! event log (each worker's own `transcript` events). The pool's claims are read every
//! `--interval`: as the Baton running here fetched them, else fetched. Nothing is written but
//! the claims' remote-tracking refs.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::config::{BudgetConfig, Config};
use crate::events::EventView;
use crate::journal::{Journal, SummaryCache};
use crate::modes::budget;
use crate::observe::{Follow, Line, Place, PoolReader};
use crate::process::Identity;
use crate::state::StateStore;
use crate::watch::model::{Running, Snapshot};
use crate::watch::workers::Seen;
use crate::watch::{Source, Transcript};
use crate::workflow::Workflow;

/// How often the files are looked at.
const EVERY: Duration = Duration::from_millis(250);

/// How much of the event log and of a transcript is read when joining late.
const JOIN_BYTES: u64 = 256 * 1024;

/// How much of a running transcript is shown when joining it late.
const TRANSCRIPT_JOIN_BYTES: u64 = 16 * 1024;

/// The workspace's files, followed.
pub(crate) struct Local {
    root: PathBuf,
    logs_dir: PathBuf,
    store: StateStore,
    journal: Journal,
    /// The sums of the archived segments read so far (they never change: each is read once).
    journal_sums: SummaryCache,
    /// The budget's sums of archived segments.
    spent: budget::SpentCache,
    budget: BudgetConfig,
    last: usize,
    events: Follow,
    trail: EventView,
    transcript: Option<Follow>,
    /// Length and modification time of the journal's current segment at the last sum.
    journal_mark: Option<(u64, Option<SystemTime>)>,
    /// Where the running turn's transcript may be read (`None`: no turn runs, or the event
    /// log names a file outside `logs_dir`).
    target: Option<Place>,
    /// The run's graph, for its step.
    workflow: Workflow,
    /// How much of each worker's transcript was shown.
    worker_seen: Seen,
    /// The pool's claims, read every `pool_every`; fetched only while no Baton holds the
    /// runner lock `lock`.
    pool: Option<PoolReader>,
    pool_every: Duration,
    lock: PathBuf,
    view: Snapshot,
}

impl Local {
    /// Watches `config`'s workspace, showing the last `last` turns, and the pool's claims read
    /// every `pool_every` (fetched while no Baton holds the runner lock `lock`).
    pub(crate) fn new(config: &Config, last: usize, pool_every: Duration, lock: PathBuf) -> Local {
        let events = Place::new(&config.logs_dir, crate::events::FILE_NAME);
        Local {
            root: config.root.clone(),
            logs_dir: config.logs_dir.clone(),
            store: StateStore::new(config.state_file.clone()),
            journal: Journal::new(config.journal_file.clone()),
            journal_sums: SummaryCache::default(),
            spent: budget::SpentCache::default(),
            budget: config.budget.clone(),
            last,
            events: Follow::from_tail(events, JOIN_BYTES),
            trail: EventView::default(),
            transcript: None,
            journal_mark: None,
            target: None,
            workflow: config.workflow.clone(),
            worker_seen: Seen::new(TRANSCRIPT_JOIN_BYTES),
            pool: PoolReader::new(config),
            pool_every,
            lock,
            view: Snapshot::default(),
        }
    }

    fn read_events(&mut self) -> Result<(), String> {
        let path = self.events.path();
        let mut skipped = Vec::new();
        loop {
            let lines = self
                .events
                .read_lines()
                .map_err(|e| format!("event log `{}`: {e}", path.display()))?;
            for line in lines {
                match line {
                    Line::Whole(line) => {
                        if let Ok(event) = serde_json::from_slice(&line) {
                            self.trail.apply(&event);
                        }
                    }
                    Line::TooLong(len) => skipped.push(len),
                }
            }
            if !self.events.behind() {
                break;
            }
        }
        match skipped.last() {
            None => Ok(()),
            Some(len) => Err(format!(
                "event log `{}`: skipped {} line(s) longer than {} bytes (the last: {len} bytes)",
                path.display(),
                skipped.len(),
                crate::observe::MAX_LINE
            )),
        }
    }

    /// Re-reads the journal when its current segment changed: the last turns, the totals and
    /// the budget.
    fn read_journal(&mut self) -> crate::error::Result<()> {
        let meta = std::fs::metadata(self.journal.path()).ok();
        let mark = meta.map(|m| (m.len(), m.modified().ok()));
        if mark == self.journal_mark && mark.is_some() {
            return Ok(());
        }
        self.view.turns = self.journal.tail(self.last)?;
        self.view.totals = self.journal.summary(&mut self.journal_sums)?.total;
        self.view.budget = if self.budget.is_set() {
            let spent = budget::spent(&self.journal, self.budget.since.as_ref(), &self.spent)?;
            budget::left(&self.budget, &spent)
        } else {
            Vec::new()
        };
        self.journal_mark = mark;
        Ok(())
    }
}

impl Source for Local {
    fn title(&self) -> String {
        format!("workspace {}", self.root.display())
    }

    fn every(&self) -> Duration {
        EVERY
    }

    fn cancel_on(&mut self, quit: std::sync::Arc<std::sync::atomic::AtomicBool>) {
        if let Some(pool) = &mut self.pool {
            pool.cancel_on(quit);
        }
    }

    fn read(&mut self) -> Snapshot {
        let mut problems = Vec::new();
        if let Err(e) = self.read_events() {
            problems.push(e);
        }
        match self.store.load() {
            Ok(loaded) => self.view.state = loaded.map(|l| l.state),
            Err(e) => problems.push(format!("{:#}", anyhow::Error::new(e))),
        }
        if let Err(e) = self.read_journal() {
            problems.push(format!("{e:#}"));
        }
        if let Some(pool) = &mut self.pool {
            pool.refresh_when_due(self.pool_every, &self.lock);
            self.view.pool = pool.view(SystemTime::now());
        }
        let pid = self.trail.run.as_ref().and_then(|r| r.pid);
        let pid = pid.and_then(|p| i32::try_from(p).ok());
        let gone = pid.is_some_and(|pid| !Identity::of(pid).is_some_and(|id| id.is_alive()));
        if gone {
            self.trail.mark_gone();
        }
        self.view.running = running(&self.trail, &self.root).filter(|_| !gone);
        self.view.workers = self.trail.workers.running.clone();
        self.view.ended_workers = self.trail.workers.ended.iter().cloned().collect();
        self.view.step = self
            .view
            .state
            .as_ref()
            .and_then(|state| crate::watch::rows::step(&self.workflow, state));
        // A turn this workspace's Baton does not run itself (a daemon waiting for its peer):
        // its agent works on the lease holder's machine.
        let here = self
            .trail
            .run
            .as_ref()
            .filter(|_| !gone)
            .and_then(|run| Some(format!("{}:{}", run.host.as_deref()?, run.pid?)));
        self.view.elsewhere = match (&self.view.running, &self.view.state) {
            (None, Some(state)) if state.lease_owner != here => {
                crate::observe::agent_elsewhere(state)
            }
            _ => None,
        };
        self.view.ended = ended(&self.trail).or_else(|| {
            let pid = pid.filter(|_| gone)?;
            Some(format!("the Baton that ran (pid {pid}) is gone"))
        });
        let log = self.view.running.as_ref().map(|r| r.log.clone());
        self.target = None;
        if let Some(log) = log {
            self.target = Place::beneath(&self.logs_dir, &self.root, &log);
            if self.target.is_none() {
                problems.push(format!(
                    "the event log names the transcript `{}`, outside `{}`: not shown",
                    log.display(),
                    self.logs_dir.display()
                ));
            }
        }
        self.view.problem = (!problems.is_empty()).then(|| problems.join("; "));
        self.view.clone()
    }

    fn transcript(&mut self) -> Transcript {
        let target = self.target.clone();
        let mut finished = Vec::new();
        let current = self.transcript.as_ref().map(Follow::path);
        if current != target.as_ref().map(Place::path) {
            // The turn ended or another began: the rest of the old transcript first.
            if let Some(mut old) = self.transcript.take() {
                finished = old.read_lines().unwrap_or_default();
            }
            self.transcript = target.map(|place| Follow::from_tail(place, TRANSCRIPT_JOIN_BYTES));
        }
        let running = match &mut self.transcript {
            Some(follow) => follow.read_lines().unwrap_or_default(),
            None => Vec::new(),
        };
        Transcript {
            finished: text(finished),
            running: text(running),
            workers: self.worker_seen.lines(&self.trail.workers),
        }
    }
}

/// The turn whose agent runs, as the event log tells it; `root` resolves a relative log path.
fn running(events: &EventView, root: &std::path::Path) -> Option<Running> {
    let turn = events.turn.as_ref().filter(|t| t.running)?;
    Some(Running {
        actor: crate::state::Actor::parse_alias(&turn.actor)?,
        iteration: turn.iteration,
        prompt: turn.prompt.clone(),
        agent: turn.agent.clone().unwrap_or_default(),
        log: root.join(turn.log.as_deref()?),
        since: turn.started_at.clone().unwrap_or_default(),
    })
}

/// How the newest run ended, once it has: `run ended at <ts> with exit 3 (<why it stopped>)`.
fn ended(events: &EventView) -> Option<String> {
    let run = events.run.as_ref()?;
    let code = run.ended?;
    let at = run.ended_at.as_deref().unwrap_or_default();
    Some(match &events.stopped {
        Some(stop) => {
            let why = if stop.reason.is_empty() {
                &stop.why
            } else {
                &stop.reason
            };
            format!("run ended at {at} with exit {code} ({why})")
        }
        None => format!("run ended at {at} with exit {code}"),
    })
}

/// Transcript lines as text (invalid UTF-8 replaced, a trailing CR dropped; a line too long to
/// keep is said so).
fn text(lines: Vec<Line>) -> Vec<String> {
    lines
        .iter()
        .map(|line| match line {
            Line::Whole(l) => String::from_utf8_lossy(l).trim_end_matches('\r').to_owned(),
            Line::TooLong(len) => format!("[a line of {len} bytes, too long to show]"),
        })
        .collect()
}

#[cfg(test)]
mod tests;
