//! Watching a role-mode run from any clone of its remote (no Baton runs here): every interval
//! a `git ls-remote` asks whether the shared branch moved, and only then a fetch updates the
//! remote-tracking ref; the state and the journal are read at that ref (`Repo::read_at`), never
//! checked out. Archived journal segments never change, so each is read once.
//!
//! Nothing but `refs/remotes/<remote>/<branch>` (and git's `FETCH_HEAD`) is written.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::config::{BudgetConfig, Config};
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::journal::{Journal, JournalEntry, Totals, archive_number, parse_segment};
use crate::modes::RoleSync;
use crate::modes::budget;
use crate::watch::model::Snapshot;
use crate::watch::{Source, Transcript};

/// The shared branch of a remote, read at its remote-tracking ref.
pub(crate) struct Remote {
    repo: Repo,
    sync: RoleSync,
    /// The journal's current segment, relative to the work tree root.
    journal_rel: String,
    /// Its archive directory, relative to the work tree root.
    archive_rel: String,
    budget: BudgetConfig,
    last: usize,
    every: Duration,
    /// The remote-tracking commit last read.
    seen: Option<String>,
    /// Archived segments read so far, by file name.
    archives: BTreeMap<String, Vec<JournalEntry>>,
    view: Snapshot,
}

impl Remote {
    /// Watches `sync`'s branch from `repo` (a clone with `config`), fetching every `every` and
    /// showing the last `last` turns.
    ///
    /// # Errors
    /// A usage error when the journal lies outside the repository.
    pub(crate) fn new(
        config: &Config,
        repo: Repo,
        sync: RoleSync,
        last: usize,
        every: Duration,
    ) -> Result<Remote> {
        let journal_rel = repo.relative(&config.journal_file).ok_or_else(|| {
            Error::usage(format!(
                "`{}` is outside the git repository",
                config.journal_file.display()
            ))
        })?;
        let archive = Journal::new(journal_rel.clone().into()).archive_dir();
        Ok(Remote {
            archive_rel: archive.to_string_lossy().into_owned(),
            journal_rel,
            repo,
            sync,
            budget: config.budget.clone(),
            last,
            every,
            seen: None,
            archives: BTreeMap::new(),
            view: Snapshot::default(),
        })
    }

    /// Fetches when the remote branch moved.
    fn fetch(&self) -> Result<()> {
        let remote = &self.sync.remote;
        let head = remote.ls_remote(&self.sync.branch)?;
        let tracking = self.repo.tracking_id(remote.name(), &self.sync.branch)?;
        if head.is_some() && head != tracking {
            remote.fetch(&self.sync.branch)?;
        }
        Ok(())
    }

    /// Reads the state and the journal at the remote-tracking ref, when it moved.
    fn read_tracking(&mut self) -> Result<()> {
        let remote = self.sync.remote.name();
        let tip = self.repo.tracking_id(remote, &self.sync.branch)?;
        if tip.is_none() || tip == self.seen {
            return Ok(());
        }
        let tracking = self.sync.tracking_ref();
        self.view.state = self.sync.state_at(&self.repo, &tracking)?;
        let mut names: Vec<(u64, String)> = self
            .repo
            .list_at(&tracking, &self.archive_rel)?
            .into_iter()
            .filter_map(|name| Some((archive_number(&name)?, name)))
            .collect();
        names.sort();
        for (_, name) in &names {
            if !self.archives.contains_key(name) {
                let path = Path::new(&self.archive_rel).join(name);
                let bytes = self
                    .repo
                    .read_at(&tracking, &path.to_string_lossy())?
                    .unwrap_or_default();
                self.archives.insert(name.clone(), parse_segment(&bytes));
            }
        }
        let current = self.repo.read_at(&tracking, &self.journal_rel)?;
        let current = parse_segment(&current.unwrap_or_default());
        let all: Vec<&JournalEntry> = names
            .iter()
            .filter_map(|(_, name)| self.archives.get(name))
            .flatten()
            .chain(&current)
            .collect();
        let mut totals = Totals::default();
        for entry in &all {
            totals.add(entry);
        }
        self.view.totals = totals;
        self.view.budget = if self.budget.is_set() {
            let spent = budget::spent_in(all.iter().copied(), self.budget.since.as_ref());
            budget::left(&self.budget, &spent)
        } else {
            Vec::new()
        };
        let skip = all.len().saturating_sub(self.last);
        self.view.turns = all[skip..].iter().map(|&e| e.clone()).collect();
        self.seen = tip;
        Ok(())
    }
}

impl Source for Remote {
    fn cancel_on(&mut self, quit: Arc<AtomicBool>) {
        self.sync.remote = self.sync.remote.clone().cancelled_by(quit);
    }

    fn title(&self) -> String {
        format!(
            "{}/{} (fetched every {})",
            self.sync.remote.name(),
            self.sync.branch,
            crate::config::format_duration(self.every)
        )
    }

    fn every(&self) -> Duration {
        self.every
    }

    fn read(&mut self) -> Snapshot {
        let fetched = self.fetch();
        let read = self.read_tracking();
        self.view.problem = match (fetched, read) {
            (Ok(()), Ok(())) => None,
            (Err(e), _) => Some(format!(
                "fetch failed, showing the last fetched view: {e:#}"
            )),
            (_, Err(e)) => Some(format!("{e:#}")),
        };
        self.view.clone()
    }

    fn transcript(&mut self) -> Transcript {
        Transcript::default() // transcripts stay on the machine that ran the turn
    }
}
