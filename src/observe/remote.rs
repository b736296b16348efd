//! A role-mode run seen from any clone of its remote (no Baton runs here): a `git ls-remote`
//! asks whether the shared branch moved, and only then a fetch updates the remote-tracking ref;
//! the state and the journal are read at that ref (`Repo::read_at`), never checked out.
//! Archived journal segments never change, so each is read once. Every git command that talks
//! to the remote ends after `git.read_timeout` (with its ssh or upload-pack): a hung network
//! leaves the last fetched view, marked stale, never a hung command.
//!
//! Nothing but `refs/remotes/<remote>/<branch>` (and git's `FETCH_HEAD`) is written. The one
//! reader of a remote run for `baton status`, `baton watch` and `baton serve`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::journal::{Journal, JournalEntry, archive_number, parse_segment};
use crate::modes::RoleSync;
use crate::state::State;

/// The shared branch of a remote, read at its remote-tracking ref.
pub(crate) struct RemoteRun {
    repo: Repo,
    sync: RoleSync,
    /// The journal's current segment, relative to the work tree root.
    journal_rel: String,
    /// Its archive directory, relative to the work tree root.
    archive_rel: String,
    /// The remote-tracking commit last read.
    seen: Option<String>,
    /// Archived segments read so far, by file name, in order.
    archives: BTreeMap<(u64, String), Vec<JournalEntry>>,
    /// The current segment at `seen`.
    current: Vec<JournalEntry>,
    /// The state at `seen` (`None`: the branch carries no state file).
    state: Option<State>,
    /// When the remote last answered and the view was brought up to its branch.
    checked_at: Option<SystemTime>,
    /// Why the last check failed (the view is then the last fetched one).
    problem: Option<String>,
}

impl RemoteRun {
    /// The run on `branch` of `config`'s remote, seen from `repo`, its network commands bounded
    /// by `git.read_timeout`. Reads what was last fetched (no network).
    ///
    /// # Errors
    /// A usage error when the state or the journal lies outside the repository; git errors
    /// reading the remote-tracking ref.
    pub(crate) fn new(config: &Config, repo: Repo, branch: String) -> Result<RemoteRun> {
        let mut sync = RoleSync::new(config, &repo, branch)?;
        sync.remote = sync.remote.clone().with_deadline(config.git.read_timeout);
        let journal_rel = repo.relative(&config.journal_file).ok_or_else(|| {
            Error::usage(format!(
                "`{}` is outside the git repository",
                config.journal_file.display()
            ))
        })?;
        let archive = Journal::new(journal_rel.clone().into()).archive_dir();
        let mut run = RemoteRun {
            archive_rel: archive.to_string_lossy().into_owned(),
            journal_rel,
            repo,
            sync,
            seen: None,
            archives: BTreeMap::new(),
            current: Vec::new(),
            state: None,
            checked_at: None,
            problem: None,
        };
        run.read_tracking()?;
        Ok(run)
    }

    /// Ends its git commands as soon as `quit` is set too (leaving a watch or a dashboard never
    /// waits for the network).
    pub(crate) fn cancel_on(&mut self, quit: Arc<AtomicBool>) {
        self.sync.remote = self.sync.remote.clone().cancelled_by(quit);
    }

    /// `<remote>/<branch>`, as a person types it (`origin/main`).
    pub(crate) fn name(&self) -> String {
        format!("{}/{}", self.sync.remote.name(), self.sync.branch)
    }

    /// Asks the remote whether its branch moved, fetches it then, and reads the new view.
    /// Returns whether the view changed; a failure is kept as [`RemoteRun::problem`], the last
    /// fetched view stays.
    pub(crate) fn check(&mut self) -> bool {
        match self.fetch().and_then(|()| self.read_tracking()) {
            Ok(changed) => {
                self.checked_at = Some(SystemTime::now());
                self.problem = None;
                changed
            }
            Err(e) => {
                self.problem = Some(format!("{e:#}"));
                false
            }
        }
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

    /// Reads the state and the journal at the remote-tracking ref when it moved; returns
    /// whether it did.
    fn read_tracking(&mut self) -> Result<bool> {
        let tip = self
            .repo
            .tracking_id(self.sync.remote.name(), &self.sync.branch)?;
        if tip.is_none() || tip == self.seen {
            return Ok(false);
        }
        let tracking = self.sync.tracking_ref();
        self.state = self.sync.state_at(&self.repo, &tracking)?;
        let names = self.repo.list_at(&tracking, &self.archive_rel)?;
        let mut keep = BTreeMap::new();
        for name in names {
            let Some(number) = archive_number(&name) else {
                continue;
            };
            let key = (number, name);
            let entries = match self.archives.remove(&key) {
                Some(entries) => entries,
                None => {
                    let path = Path::new(&self.archive_rel).join(&key.1);
                    let bytes = self.repo.read_at(&tracking, &path.to_string_lossy())?;
                    parse_segment(&bytes.unwrap_or_default())
                }
            };
            keep.insert(key, entries);
        }
        self.archives = keep;
        let current = self.repo.read_at(&tracking, &self.journal_rel)?;
        self.current = parse_segment(&current.unwrap_or_default());
        self.seen = tip;
        Ok(true)
    }

    /// The state file, relative to the work tree root (as it is read at the ref).
    pub(crate) fn state_rel(&self) -> &str {
        &self.sync.state_rel
    }

    /// The state at the remote-tracking ref (`None`: the branch carries no state file).
    pub(crate) fn state(&self) -> Option<&State> {
        self.state.as_ref()
    }

    /// The whole journal at the remote-tracking ref, oldest first (archived segments, then the
    /// current one).
    pub(crate) fn journal(&self) -> impl Iterator<Item = &JournalEntry> {
        self.archives.values().flatten().chain(&self.current)
    }

    /// The newest `n` journal lines, oldest first.
    pub(crate) fn tail(&self, n: usize) -> Vec<JournalEntry> {
        let all: Vec<&JournalEntry> = self.journal().collect();
        let skip = all.len().saturating_sub(n);
        all[skip..].iter().map(|&e| e.clone()).collect()
    }

    /// The remote-tracking commit the view was read at.
    pub(crate) fn tip(&self) -> Option<&str> {
        self.seen.as_deref()
    }

    /// When the remote last answered and the view was brought up to its branch; `None` before
    /// the first check.
    pub(crate) fn checked_at(&self) -> Option<SystemTime> {
        self.checked_at
    }

    /// Why the last check failed (`git ls-remote … timed out after 20s`); the view is the last
    /// fetched one then.
    pub(crate) fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// How this clone's HEAD stands against the remote-tracking ref: (commits only HEAD has,
    /// commits only the remote has); `None` without both.
    pub(crate) fn standing(&self) -> Option<(usize, usize)> {
        let head = self.repo.head_id().ok()??;
        let tip = self.seen.as_deref()?;
        self.repo.ahead_behind(&head, tip).ok()
    }
}
