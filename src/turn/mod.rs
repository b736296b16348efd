//! The shared turn runner: one turn = claim → route → run the agent → auto-commit → stamp →
//! journal. It does not care who calls it: the combined loop, a single-actor run or a role
//! daemon all drive [`Runner::run_turn`] and plug their git work in through [`TurnHooks`].

mod failure;
mod finish;
mod launch;
mod logtail;

use std::time::SystemTime;

use crate::config::Config;
use crate::error::{Context as _, Result};
use crate::git::Repo;
use crate::journal::{Journal, JournalEntry};
use crate::router::Decision;
use crate::state::{self, Actor, Claim, Handoff, State, StateStore};

pub(crate) use failure::TurnFailure;
pub use finish::stamp_subject;

/// How the runner behaves for the mode that drives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Hand the turn to the peer (combined, role) or keep it (single-actor runs).
    pub handoff: Handoff,
    /// Auto-commit after a successful turn (off with `--no-git` or outside a repository).
    pub autocommit: bool,
    /// Print what auto-commit would commit instead of committing.
    pub commit_dry_run: bool,
    /// Echo agent output to the console.
    pub echo: bool,
    /// Fail galph's turn when dirty paths are left (role mode, unless `tolerate_dirty`).
    pub guard_dirty: bool,
}

/// Git work a mode does around a turn (combined: a local stamp commit; role: commits + push).
pub trait TurnHooks {
    /// Called after the running marker has been saved.
    ///
    /// # Errors
    /// Any error stops the run (the state keeps `running-<actor>`).
    fn claimed(&mut self, runner: &Runner, state: &State) -> Result<()>;

    /// Called after the stamp has been saved and journalled.
    ///
    /// # Errors
    /// Any error stops the run.
    fn stamped(&mut self, runner: &Runner, state: &State, entry: &JournalEntry) -> Result<()>;
}

/// What one finished turn did.
#[derive(Clone, Debug)]
pub struct TurnReport {
    /// The routing decision.
    pub decision: Decision,
    /// The journal line written for it.
    pub entry: JournalEntry,
    /// The state after the stamp.
    pub state: State,
}

/// Runs turns for one workspace.
#[derive(Debug)]
pub struct Runner {
    /// The configuration.
    pub config: Config,
    /// The state file.
    pub store: StateStore,
    /// The journal.
    pub journal: Journal,
    /// The repository, when git is in use.
    pub repo: Option<Repo>,
    /// Mode options.
    pub options: RunOptions,
}

impl Runner {
    /// A runner for `config`; `repo` is `None` with `--no-git` or outside a repository.
    #[must_use]
    pub fn new(config: Config, repo: Option<Repo>, options: RunOptions) -> Runner {
        let store = StateStore::new(config.state_file.clone());
        let journal = Journal::new(config.journal_file.clone());
        Runner {
            config,
            store,
            journal,
            repo,
            options,
        }
    }

    /// Loads the state, or a fresh one when the file is missing. Prints a notice for a legacy
    /// file (converted on the next write).
    ///
    /// # Errors
    /// [`crate::state::StateError`] for an unreadable or invalid file (exit 2).
    pub fn load_state(&self) -> Result<State> {
        match self.store.load()? {
            Some(loaded) => {
                if loaded.legacy.is_some() {
                    note!(
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
    pub fn branch_label(&self) -> String {
        let branch = self.repo.as_ref().and_then(|r| r.branch().ok().flatten());
        branch.map_or_else(|| "local".to_owned(), |b| b.replace('/', "-"))
    }

    /// The state file and the journal relative to `repo`'s work tree: what a stamp commits and
    /// what auto-commit never takes.
    #[must_use]
    pub fn stamp_paths(&self, repo: &Repo) -> Vec<String> {
        [&self.config.state_file, &self.config.journal_file]
            .iter()
            .filter_map(|p| repo.relative(p))
            .collect()
    }

    /// Commits the state file and the journal as the stamp of `actor`'s turn, with the
    /// `[SYNC …]` subject of `state` (SPEC §7), and prints it. Returns the new short SHA.
    ///
    /// # Errors
    /// [`crate::git::GitError`].
    pub fn commit_stamp(&self, repo: &Repo, state: &State, actor: Actor) -> Result<String> {
        let subject = stamp_subject(state, actor);
        let sha = repo.commit_paths(&self.stamp_paths(repo), &subject)?;
        say!("[stamp] {sha} {subject}");
        Ok(sha)
    }

    /// Short SHA of HEAD, when git is in use and HEAD is born.
    ///
    /// # Errors
    /// [`crate::git::GitError`].
    pub fn head(&self) -> Result<Option<String>> {
        match &self.repo {
            Some(repo) => Ok(repo.head_short()?),
            None => Ok(None),
        }
    }

    /// Runs one turn of `actor` to its stamp.
    ///
    /// # Errors
    /// Before the claim, with nothing written: a usage error (exit 2) for a missing prompt or
    /// agent, or a state error. After a failed turn (already stamped `failed` and journalled):
    /// exit 1, or 128 + N when interrupted.
    pub fn run_turn(&self, actor: Actor, hooks: &mut dyn TurnHooks) -> Result<TurnReport> {
        let mut state = self.load_state()?;
        let route = launch::prepare(self, &state, actor)?;
        let started = SystemTime::now();
        let claim = Claim {
            now: started,
            lease: self.config.git.lease,
            owner: state::host_pid(),
        };
        state.start_turn(actor, &claim);
        self.store
            .save(&mut state)
            .context("save the running marker")?;
        hooks.claimed(self, &state)?;
        // After the claim, so that a role-mode running marker does not count as the turn's work.
        let head_before = self.head()?;
        let turn = finish::Turn {
            actor,
            iteration: state.iteration,
            started,
            head_before,
            claimed: state.clone(),
        };
        let launched = launch::route_and_run(self, &turn, route);
        let (result, decision) = match launched {
            Ok(done) => {
                let decision = done.decision.clone();
                (finish::after_agent(self, &turn, done), decision)
            }
            Err(failure) => {
                let decision = failure.decision.clone();
                (Err(failure), decision)
            }
        };
        let (entry, state, failure) = finish::stamp(self, &turn, &decision, result)?;
        logtail::append_footer(&self.config, &entry);
        hooks.stamped(self, &state, &entry)?;
        match failure {
            Some(failure) => Err(logtail::with_hint(failure.to_error(), &self.config, &entry)),
            None => Ok(TurnReport {
                decision,
                entry,
                state,
            }),
        }
    }
}

/// How a failed turn ended, before it is stamped.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The decision, if routing got that far (else the deterministic one).
    pub(crate) decision: Decision,
    /// Why it failed (`last_error`, journal outcome, the run's error).
    pub(crate) failure: TurnFailure,
    /// The agent's exit code, if it ran and exited.
    pub(crate) exit_code: Option<i32>,
    /// The agent name, if one was chosen.
    pub(crate) agent: String,
    /// The turn log, if one was written.
    pub(crate) log: Option<std::path::PathBuf>,
}
