//! The workspace's own files, as the dashboard reads them when it shows this workspace (a
//! Baton runs here, or nothing newer is on the remote): the state file, the journal and the
//! event log, each read again only when it changed (length, modification time, inode), the
//! event log from where it stopped — beneath `logs_dir`, with bounded memory per line.

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use crate::config::Config;
use crate::events::EventView;
use crate::journal::{Journal, JournalEntry, Summary};
use crate::modes::budget;
use crate::observe::{Follow, Line, MAX_LINE, Place};
use crate::state::{State, StateStore};

use super::history::{JournalRead, TurnIndex};

/// What identifies one version of a file: length, modification time and inode (`None`:
/// missing).
type Signature = Option<(u64, SystemTime, u64)>;

fn signature(path: &Path) -> Signature {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?, meta.ino()))
}

/// The workspace's files and what was read of them.
pub(crate) struct Files {
    config: Config,
    journal: Journal,
    /// The state file's signature at the last read.
    state_sig: Signature,
    /// The journal's and its archive directory's at the last read (`None`: never read).
    journal_sig: Option<(Signature, Signature)>,
    events: Follow,
    /// The event log's restarts seen (another count: the fold starts over).
    events_restarts: u64,
    /// Why the event log could not be read, last time (warned about once).
    events_error: Option<String>,
    /// The state (`Ok(None)`: no state file yet) or why it could not be read.
    pub(crate) state: Result<Option<State>, String>,
    /// The newest journal lines, oldest first.
    pub(crate) turns: Vec<JournalEntry>,
    /// How many lines come before them.
    pub(crate) turns_before: u64,
    /// Past turns by number.
    pub(crate) index: Arc<TurnIndex>,
    /// Sums over the whole journal.
    pub(crate) summary: Summary,
    /// The journal read so far, kept between polls: only lines written since are read.
    read: JournalRead,
    /// The sums of the archived segments (each is read once), for the line count.
    journal_sums: crate::journal::SummaryCache,
    /// The budget's sums of archived segments.
    spent: budget::SpentCache,
    /// The budget limits against what was spent.
    pub(crate) budget: Vec<budget::Line>,
    /// The event log, folded.
    pub(crate) events_view: EventView,
}

impl Files {
    /// The files of `config`'s workspace, nothing read yet.
    pub(crate) fn new(config: Config) -> Files {
        let events = Follow::new(Place::new(&config.logs_dir, crate::events::FILE_NAME));
        Files {
            journal: Journal::new(config.journal_file.clone()),
            config,
            state_sig: None,
            journal_sig: None,
            events,
            events_restarts: 0,
            events_error: None,
            state: Ok(None),
            turns: Vec::new(),
            turns_before: 0,
            index: Arc::default(),
            summary: Summary::default(),
            read: JournalRead::new(),
            journal_sums: crate::journal::SummaryCache::default(),
            spent: budget::SpentCache::default(),
            budget: Vec::new(),
            events_view: EventView::default(),
        }
    }

    /// The configuration read.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// Reads what changed; returns whether anything did.
    pub(crate) fn read_changes(&mut self) -> bool {
        let mut changed = false;
        let sig = signature(&self.config.state_file);
        if sig != self.state_sig || sig.is_none() {
            self.state_sig = sig;
            let store = StateStore::new(self.config.state_file.clone());
            self.state = store
                .load()
                .map(|l| l.map(|l| l.state))
                .map_err(|e| format!("{:#}", anyhow::Error::new(e)));
            changed = true;
        }
        let sig = Some((
            signature(&self.config.journal_file),
            signature(&self.journal.archive_dir()),
        ));
        if sig != self.journal_sig {
            self.journal_sig = sig;
            self.read_journal();
            changed = true;
        }
        self.read_events() || changed
    }

    /// Reads the lines written since the last read (all of them the first time, or when the
    /// journal got shorter): the cost of a poll does not grow with the history.
    fn read_journal(&mut self) {
        let lines = match self.journal.summary(&mut self.journal_sums) {
            Ok(summary) => summary.total.turns,
            Err(e) => {
                tracing::warn!(error = %e, "journal");
                return;
            }
        };
        let new = if lines < self.read.count || self.read.count == 0 {
            self.read = JournalRead::new();
            let mut all = Vec::new();
            self.journal.for_each(|entry| all.push(entry)).map(|()| all)
        } else {
            let missing = usize::try_from(lines - self.read.count).unwrap_or(usize::MAX);
            self.journal.tail(missing)
        };
        match new {
            Ok(entries) => entries.into_iter().for_each(|entry| self.read.add(entry)),
            Err(e) => tracing::warn!(error = %e, "journal"),
        }
        let read = &self.read;
        self.turns_before = read.before();
        self.turns = read.turns.iter().cloned().collect();
        self.index = Arc::new(read.index.clone());
        self.summary = read.summary.clone();
        let limits = &self.config.budget;
        // Every limit set is shown from the start, spent or not.
        self.budget = budget::spent(&self.journal, limits.since.as_ref(), &self.spent)
            .map(|spent| budget::lines(limits, &spent))
            .unwrap_or_else(|_| budget::lines(limits, &budget::Spent::default()));
    }

    /// Folds the event log's new whole lines in (a partial last line waits for its end; a line
    /// longer than [`MAX_LINE`] is skipped with a warning). Returns whether any came.
    fn read_events(&mut self) -> bool {
        let mut changed = false;
        loop {
            let lines = match self.events.read_lines() {
                Ok(lines) => lines,
                Err(e) => {
                    // A FIFO or a symlink planted in its place: said once, not at every poll.
                    let error = e.to_string();
                    if self.events_error.as_ref() != Some(&error) {
                        note!(
                            "baton: warning: event log `{}`: {error}",
                            self.events.path().display()
                        );
                        self.events_error = Some(error);
                    }
                    return changed;
                }
            };
            self.events_error = None;
            if self.events.restarts() != self.events_restarts {
                self.events_restarts = self.events.restarts();
                self.events_view = EventView::default();
                changed = true;
            }
            for line in lines {
                changed = true;
                match line {
                    Line::Whole(line) => {
                        if let Ok(value) = serde_json::from_slice(&line) {
                            self.events_view.apply(&value);
                        }
                    }
                    Line::TooLong(len) => note!(
                        "baton: warning: event log `{}`: skipped a line of {len} bytes (longer \
                         than {MAX_LINE})",
                        self.events.path().display()
                    ),
                }
            }
            if !self.events.behind() {
                return changed;
            }
        }
    }

    /// Marks a run whose process is gone (killed without `run_ended`) as no longer running.
    pub(crate) fn check_run_alive(&mut self) {
        let events = &mut self.events_view;
        let Some(run) = &events.run else {
            return;
        };
        if run.ended.is_some() {
            return;
        }
        let gone = run
            .pid
            .and_then(|pid| i32::try_from(pid).ok())
            .is_some_and(|pid| {
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                    == Err(nix::errno::Errno::ESRCH)
            });
        let running =
            events.turn.as_ref().is_some_and(|t| t.running) || !events.workers.running.is_empty();
        if gone && running {
            events.mark_gone();
        }
    }
}
