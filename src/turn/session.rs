//! The run as an object: a [`Workspace`] (a workspace's files and the writes Baton makes to
//! them) and the [`Session`] that runs it (the workspace, how the mode runs it, its graph, and
//! what the run keeps beside its turns).

use std::path::Path;
use std::time::SystemTime;

use super::RunOptions;
use super::record::{RecordError, RecordFile};
use super::stop::Inbox;
use crate::config::Config;
use crate::error::Result;
use crate::events::Events;
use crate::git::Repo;
use crate::journal::Journal;
use crate::state::{Claim, State, StateStore};

/// A workspace's files and the writes Baton makes to them: configuration, state file,
/// journal, repository, turn record, the inbox of people's requests, and the event stream they
/// are reported on. Every command that changes a run's state (`stop`, `note`, `approve`,
/// `stamp`) holds one; a run holds one inside its [`Session`].
#[derive(Debug)]
pub(crate) struct Workspace {
    /// The configuration.
    pub config: Config,
    /// The state file.
    pub store: StateStore,
    /// The journal.
    pub journal: Journal,
    /// The repository, when git is in use.
    pub repo: Option<Repo>,
    /// Print what would be committed instead of committing (`--commit-dry-run`).
    pub commit_dry_run: bool,
    /// The turn record in the run directory (see [`super::record`]).
    pub(super) record: RecordFile,
    /// Requests from people's `baton stop`, `note`, `approve` / `reject` (see [`super::stop`]).
    pub(crate) inbox: Inbox,
    /// Baton's runtime files (turn record, stop requests, agent process records).
    pub(super) run_dir: std::path::PathBuf,
    /// The event stream its writes are reported on.
    pub(crate) events: Events,
}

/// A run: one object owning the workspace it runs (reached through `Deref`), how the mode runs
/// it, and what the run keeps beside its turns — the background `git gc`, and what budget
/// and stuck checks remember between turns. Dropping it waits for (or, when interrupted, ends)
/// its background children.
#[derive(Debug)]
pub(crate) struct Session {
    /// The workspace.
    pub(super) ws: Workspace,
    /// Mode options.
    pub options: RunOptions,
    /// The run's graph: the configured workflow, or one actor alone (`baton loop`).
    pub(crate) graph: crate::workflow::Workflow,
    /// The run's background `git gc --auto` (see [`crate::git::maintenance`]).
    pub(super) housekeeping: crate::git::maintenance::Housekeeping,
    /// What the run's checks remember between turns.
    pub(crate) caches: Caches,
}

/// What a run's budget and stuck checks remember between turns (see
/// [`crate::modes::budget::SpentCache`] and [`crate::modes::stuck::StuckWatch`]).
#[derive(Debug, Default)]
pub(crate) struct Caches {
    /// The budget's sums of archived journal segments.
    pub(crate) spent: crate::modes::budget::SpentCache,
    /// Where this run began and its `stuck.escalate` turn stands.
    pub(crate) stuck: crate::modes::stuck::StuckWatch,
}

impl std::ops::Deref for Session {
    type Target = Workspace;

    fn deref(&self) -> &Workspace {
        &self.ws
    }
}

impl Drop for Session {
    /// Waits for the background `git gc --auto` a stamp started (see
    /// [`crate::git::maintenance`]; ended instead when the run was interrupted) and for running
    /// notifications (see [`crate::notify`]), so that no process of Baton's outlives the run.
    fn drop(&mut self) {
        match crate::executor::received_signal() {
            Some(_) => self.housekeeping.stop(crate::executor::kill_grace()),
            None => self.housekeeping.settle(),
        }
        self.ws.events.settle();
    }
}

impl Session {
    /// A run of `ws` over `graph` as `options` say.
    #[must_use]
    pub(crate) fn new(
        mut ws: Workspace,
        graph: crate::workflow::Workflow,
        options: RunOptions,
    ) -> Session {
        ws.commit_dry_run = options.commit_dry_run;
        Session {
            ws,
            options,
            graph,
            housekeeping: crate::git::maintenance::Housekeeping::default(),
            caches: Caches::default(),
        }
    }
}

impl Workspace {
    /// The workspace of `config`; `repo` is `None` with `--no-git` or outside a repository;
    /// `run_dir` holds Baton's runtime files (the turn record); its writes are reported on
    /// `events`.
    #[must_use]
    pub(crate) fn new(
        config: Config,
        repo: Option<Repo>,
        run_dir: &Path,
        events: Events,
    ) -> Workspace {
        let store = StateStore::new(config.state_file.clone());
        let journal = Journal::new(config.journal_file.clone());
        Workspace {
            config,
            store,
            journal,
            repo,
            commit_dry_run: false,
            record: RecordFile::new(run_dir, events.clone()),
            inbox: Inbox::new(run_dir),
            run_dir: run_dir.to_path_buf(),
            events,
        }
    }

    /// A claim of a turn by this process made at `now`, under `git.lease`.
    #[must_use]
    pub(crate) fn claim_at(&self, now: SystemTime) -> Claim {
        Claim {
            now,
            lease: self.config.git.lease,
            owner: crate::process::host_pid(),
            owner_start: crate::process::Identity::current().map(|id| id.start_token()),
        }
    }

    /// The run directory (Baton's runtime files).
    #[must_use]
    pub(crate) fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// Drops the turn record of a stamp that will never be published (role mode: refused and
    /// kept on a backup ref), so that the next start does not write it again over the
    /// history the person continues from.
    ///
    /// # Errors
    /// [`RecordError`] when the record cannot be removed.
    pub(crate) fn forget_stamp(&self) -> Result<(), RecordError> {
        self.record.clear()
    }

    /// Loads the state, or a fresh one when the file is missing. Prints a notice for a legacy
    /// file (converted on the next write).
    ///
    /// # Errors
    /// [`crate::state::StateError`] for an unreadable or invalid file, or one naming an actor
    /// the configuration does not declare (exit 2).
    pub(crate) fn load_state(&self) -> Result<State> {
        let workflow = &self.config.workflow;
        match self.store.load_declared(&|actor| workflow.has(actor))? {
            Some(loaded) => {
                if loaded.legacy.is_some() {
                    warn_line!(
                        self.events,
                        "[baton] notice: {} is in the Python tool's step_index format; it is \
                         converted on the next write",
                        self.store.path().display()
                    );
                }
                Ok(loaded.state)
            }
            None => Ok(State::default()),
        }
    }

    /// The branch name used in log paths (`/` → `-`), `local` without git.
    #[must_use]
    pub(crate) fn branch_label(&self) -> String {
        let branch = self.repo.as_ref().and_then(|r| r.branch().ok().flatten());
        branch.map_or_else(|| "local".to_owned(), |b| b.replace('/', "-"))
    }

    /// What a stamp commits, relative to `repo`'s work tree: the state file, the journal's
    /// current segment and, when HEAD does not have it yet, its newest archived segment (the
    /// only one a stamp can have just made; archives never change once made, so a committed
    /// one is never read again; see [`crate::journal`]).
    ///
    /// # Errors
    /// [`crate::journal::JournalError`] when the archive directory cannot be read;
    /// [`crate::git::GitError`] when HEAD cannot be read.
    pub(crate) fn stamp_paths(&self, repo: &Repo) -> Result<Vec<String>> {
        let mut paths: Vec<String> = [&self.config.state_file, &self.config.journal_file]
            .iter()
            .filter_map(|p| repo.relative(p))
            .collect();
        if let Some(newest) = self
            .journal
            .newest_archive()?
            .and_then(|p| repo.relative(&p))
            && !repo.in_head(&newest)?
        {
            paths.push(newest);
        }
        Ok(paths)
    }

    /// What auto-commit never takes: the state file, the journal and its whole archive
    /// directory (`dir/`).
    #[must_use]
    pub(crate) fn baton_paths(&self, repo: &Repo) -> Vec<String> {
        let archive = repo
            .relative(&self.journal.archive_dir())
            .map(|dir| format!("{dir}/"));
        [&self.config.state_file, &self.config.journal_file]
            .iter()
            .filter_map(|p| repo.relative(p))
            .chain(archive)
            .collect()
    }

    /// Full SHA of HEAD (40 hex digits; full ids never become ambiguous as history grows),
    /// when git is in use and HEAD is born.
    ///
    /// # Errors
    /// [`crate::git::GitError`].
    pub(crate) fn head(&self) -> Result<Option<String>> {
        match &self.repo {
            Some(repo) => Ok(repo.head_id()?),
            None => Ok(None),
        }
    }
}
