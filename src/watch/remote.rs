//! Watching a role-mode run from any clone of its remote: the [`RemoteRun`] is checked every
//! interval (one `git ls-remote`, a fetch only when the branch moved) and its view becomes the
//! watch's [`Snapshot`], with the pool's claims read on the same cadence. Transcripts stay on
//! the machine that ran the turn.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime};

use crate::config::BudgetConfig;
use crate::journal::Totals;
use crate::modes::budget;
use crate::observe::{PoolReader, RemoteRun};
use crate::watch::model::Snapshot;
use crate::watch::{Source, Transcript};
use crate::workflow::Workflow;

/// The shared branch of a remote, read at its remote-tracking ref.
pub(crate) struct Remote {
    run: RemoteRun,
    budget: BudgetConfig,
    /// The run's graph, for its step.
    workflow: Workflow,
    last: usize,
    every: Duration,
    /// Whether the view was built once.
    built: bool,
    /// Whether the next read may skip asking the remote (it was just asked).
    fresh: bool,
    /// The pool's claims, and this workspace's runner lock (its claims are fetched only while
    /// no Baton holds it).
    pool: Option<PoolReader>,
    lock: PathBuf,
    view: Snapshot,
}

impl Remote {
    /// Watches `run`, checking it every `every` (the first read does not when `checked`: it
    /// was just checked) and showing the last `last` turns against `config`'s budget, the
    /// step of its workflow, and the pool's claims (fetched every `every` while no Baton holds
    /// this workspace's runner lock `lock`).
    pub(crate) fn new(
        run: RemoteRun,
        checked: bool,
        config: &crate::config::Config,
        last: usize,
        every: Duration,
        lock: PathBuf,
    ) -> Remote {
        Remote {
            pool: PoolReader::new(config),
            lock,
            run,
            budget: config.budget.clone(),
            workflow: config.workflow.clone(),
            last,
            every,
            built: false,
            fresh: checked,
            view: Snapshot::default(),
        }
    }

    /// The snapshot of what the run shows now.
    fn build(&mut self) {
        self.view.state = self.run.state().cloned();
        self.view.step = self
            .run
            .state()
            .and_then(|state| crate::watch::rows::step(&self.workflow, state));
        // The agent of a running turn works on the lease holder's machine, never here.
        self.view.elsewhere = self.run.state().and_then(crate::observe::agent_elsewhere);
        let mut totals = Totals::default();
        for entry in self.run.journal() {
            totals.add(entry);
        }
        self.view.totals = totals;
        self.view.budget = if self.budget.is_set() {
            let spent = budget::spent_in(self.run.journal(), self.budget.since.as_ref());
            budget::left(&self.budget, &spent)
        } else {
            Vec::new()
        };
        self.view.turns = self.run.tail(self.last);
        self.built = true;
    }
}

impl Source for Remote {
    fn cancel_on(&mut self, quit: Arc<AtomicBool>) {
        if let Some(pool) = &mut self.pool {
            pool.cancel_on(Arc::clone(&quit));
        }
        self.run.cancel_on(quit);
    }

    fn title(&self) -> String {
        format!(
            "{} (fetched every {})",
            self.run.name(),
            crate::config::format_duration(self.every)
        )
    }

    fn every(&self) -> Duration {
        self.every
    }

    fn read(&mut self) -> Snapshot {
        // The pool's fetch brings the branch too: the run's check then has nothing to fetch.
        if let Some(pool) = &mut self.pool {
            pool.refresh_when_due(self.every, &self.lock);
            self.view.pool = pool.view(SystemTime::now());
        }
        let changed = !std::mem::take(&mut self.fresh) && self.run.check();
        if changed || !self.built {
            self.build();
        }
        self.view.problem = self
            .run
            .problem()
            .map(|p| format!("fetch failed, showing the last fetched view: {p}"));
        self.view.clone()
    }

    fn transcript(&mut self) -> Transcript {
        Transcript::default() // transcripts stay on the machine that ran the turn
    }
}
