//! The remote's branch as the dashboard shows it when no Baton runs in this clone: the one
//! remote reader ([`RemoteRun`]), asked every [`REMOTE_EVERY`], and its journal's sums (the
//! newest turns, the totals, the budget) kept per remote-tracking commit. The run's events and
//! transcripts stay on the machine that runs each turn, so none are shown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::history::{JournalRead, TurnIndex};
use super::snapshot::{SourceView, Sources};
use crate::config::BudgetConfig;
use crate::events::EventView;
use crate::journal::{JournalEntry, Summary};
use crate::modes::budget;
use crate::observe::{self, RemoteRun};

/// How often the remote is asked whether its branch moved (as `baton watch` does by default).
pub(crate) const REMOTE_EVERY: Duration = Duration::from_secs(2);

/// The journal's sums at one remote-tracking commit.
struct Sums {
    tip: Option<String>,
    turns: Vec<JournalEntry>,
    turns_before: u64,
    index: Arc<TurnIndex>,
    summary: Summary,
    budget: Vec<budget::Line>,
}

/// The remote run and what was made of it.
pub(crate) struct RemoteView {
    run: RemoteRun,
    sums: Option<Sums>,
    /// When the remote is asked next.
    due: Instant,
}

impl RemoteView {
    /// The view of `run` (as last fetched), to be asked at once.
    pub(crate) fn new(run: RemoteRun) -> RemoteView {
        RemoteView {
            run,
            sums: None,
            due: Instant::now(),
        }
    }

    /// Asks the remote when it is due (each git command bounded by `git.read_timeout`);
    /// returns whether it asked.
    pub(crate) fn check_when_due(&mut self) -> bool {
        if Instant::now() < self.due {
            return false;
        }
        self.run.check();
        self.due = Instant::now() + REMOTE_EVERY;
        true
    }

    /// The remote-tracking commit the view was read at.
    pub(crate) fn tip(&self) -> Option<&str> {
        self.run.tip()
    }

    /// Why this workspace's files are shown rather than the remote's branch (see
    /// [`observe::files_instead`]); `None` when the branch is the view to show.
    pub(crate) fn files_instead(&self) -> Option<String> {
        observe::files_instead(&self.run)
    }

    /// What the snapshot of the remote's view is built from, against the `budget` limits.
    pub(crate) fn sources(&mut self, workspace: String, limits: &BudgetConfig) -> Sources {
        let run = &self.run;
        let sums = match self.sums.take() {
            Some(sums) if sums.tip.as_deref() == run.tip() => sums,
            _ => {
                let read = JournalRead::of(run.journal().cloned());
                let spent = budget::spent_in(run.journal(), limits.since.as_ref());
                Sums {
                    tip: run.tip().map(str::to_owned),
                    turns_before: read.before(),
                    turns: read.turns.into(),
                    index: Arc::new(read.index),
                    summary: read.summary,
                    budget: budget::lines(limits, &spent),
                }
            }
        };
        let sources = Sources {
            workspace,
            source: SourceView {
                kind: "remote",
                name: Some(run.name()),
                checked_at: run.checked_at().map(crate::state::format_utc),
                every_secs: Some(REMOTE_EVERY.as_secs()),
                problem: run.problem().map(str::to_owned),
                behind: run.standing().map(|(_, behind)| behind),
                ..SourceView::default()
            },
            state: Ok(run.state().cloned()),
            turns: sums.turns.clone(),
            turns_before: sums.turns_before,
            index: Arc::clone(&sums.index),
            summary: sums.summary.clone(),
            budget: sums.budget.clone(),
            events: EventView::default(),
            decisions: Vec::new(),
            commit_url: None,
            workflow: Arc::default(),
            pool: observe::PoolView::default(),
        };
        self.sums = Some(sums);
        sources
    }
}
