//! Holding a workspace: what every command that writes the state does first, in this order —
//! take the runner lock (one Baton per clone), end the agent processes a dead run left
//! running, and remove the lock and temp files a crash left behind. The runner then finishes
//! a stamp the dead run left half-written (`Session::recover`).
//!
//! Commands that are not runs (`stop`, `resume`, `note`, `approve`, `reject`, `stamp`) take a
//! second lock first, the command lock, waiting for each other there ([`hold_for_command`]).
//! So a command that finds the runner lock busy knows a *run* holds it and can leave its
//! request for that run; two commands at once (a double click on the dashboard) run one after
//! the other.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::Result;
use crate::executor::kill_grace;
use crate::fsutil::{LockError, LockFile};
use crate::git::Repo;
use crate::leftovers;
use crate::process;

/// The workspace, held by this process until dropped.
#[derive(Debug)]
pub(crate) struct Held {
    _lock: LockFile,
    run_dir: PathBuf,
}

impl Held {
    /// Baton's runtime files (see [`run_dir`]).
    pub(crate) fn run_dir(&self) -> &std::path::Path {
        &self.run_dir
    }
}

/// Whether the workspace could be held.
#[derive(Debug)]
pub(crate) enum Hold {
    /// Held, and cleaned of what a dead run left.
    Held(Held),
    /// Another Baton holds it ([`LockError::Busy`], naming the lock file and its holder).
    Busy(LockError),
}

impl Hold {
    /// The held workspace, or an error naming the Baton that holds it.
    ///
    /// # Errors
    /// A failure (exit 1) with a hint when another Baton holds the workspace.
    pub(crate) fn or_refuse(self) -> Result<Held> {
        match self {
            Hold::Held(held) => Ok(held),
            Hold::Busy(busy) => Err(busy.into()),
        }
    }
}

/// Takes the runner lock of `config`'s workspace and cleans up after a dead run: its agent
/// processes still alive are ended (said on the console), then git lock files and temp files
/// no live process holds are removed.
///
/// # Errors
/// Lock io errors; a git lock file a live process holds (exit 1, naming it).
pub(crate) fn hold(config: &Config, repo: Option<&Repo>) -> Result<Hold> {
    let lock = match LockFile::try_acquire(&lock_path(config, repo)) {
        Ok(lock) => lock,
        Err(busy @ LockError::Busy { .. }) => return Ok(Hold::Busy(busy)),
        Err(e) => return Err(e.into()),
    };
    let run_dir = run_dir(config, repo);
    let mut ended = process::end_leftovers(&run_dir, kill_grace())?;
    // Each worker of `workflow.workers` records its agent in a directory of its own.
    if let Ok(workers) = std::fs::read_dir(run_dir.join(crate::turn::workers::RUN_SUBDIR)) {
        for dir in workers
            .flatten()
            .filter(|d| d.file_type().is_ok_and(|t| t.is_dir()))
        {
            ended.extend(process::end_leftovers(&dir.path(), kill_grace())?);
        }
    }
    if !ended.is_empty() {
        let pids: Vec<String> = ended.iter().map(ToString::to_string).collect();
        note!(
            "[baton] ended {} agent process(es) a previous run left running (pids {})",
            ended.len(),
            pids.join(" ")
        );
    }
    leftovers::clear(&leftover_places(config, repo))?;
    Ok(Hold::Held(Held {
        _lock: lock,
        run_dir,
    }))
}

/// How long a command waits for another command of the workspace (which may be pushing over a
/// slow network) before it gives up.
const COMMAND_WAIT: Duration = Duration::from_secs(120);

/// How often a waiting command tries the command lock again.
const COMMAND_POLL: Duration = Duration::from_millis(50);

/// The command lock, held until dropped (see the module docs).
#[must_use = "the command lock is released when dropped"]
#[derive(Debug)]
pub(crate) struct CommandLock {
    _lock: LockFile,
}

/// Takes the command lock, waiting up to two minutes for another command of this workspace,
/// then tries the runner lock as [`hold`] does. While the command lock is held, a busy runner
/// lock means a run holds it.
///
/// # Errors
/// As [`hold`]; a failure (exit 1) naming the other command after the wait.
pub(crate) fn hold_for_command(
    config: &Config,
    repo: Option<&Repo>,
) -> Result<(CommandLock, Hold)> {
    let path = lock_path(config, repo).with_extension("command.lock");
    let deadline = Instant::now() + COMMAND_WAIT;
    let lock = loop {
        match LockFile::try_acquire(&path) {
            Ok(lock) => break lock,
            Err(LockError::Busy { .. }) if Instant::now() < deadline => {
                std::thread::sleep(COMMAND_POLL);
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok((CommandLock { _lock: lock }, hold(config, repo)?))
}

/// Baton's runtime files (the turn record, stop requests, agent process records):
/// `.git/baton/` in a repository (never committed), else `<logs_dir>/.baton/`.
pub(crate) fn run_dir(config: &Config, repo: Option<&Repo>) -> PathBuf {
    match repo {
        Some(repo) => repo.git_dir().join("baton"),
        None => config.logs_dir.join(".baton"),
    }
}

/// One runner per workspace: the lock lives in `.git/` (never committed), else in `logs_dir`.
pub(crate) fn lock_path(config: &Config, repo: Option<&Repo>) -> PathBuf {
    match repo {
        Some(repo) => repo.git_dir().join("baton.lock"),
        None => config.logs_dir.join(".baton.lock"),
    }
}

/// Where a crash of this workspace's runner can leave files behind: the clone's git directory
/// (when git is in use) and the directories of the state file and the journal.
fn leftover_places(config: &Config, repo: Option<&Repo>) -> leftovers::Places {
    let dirs = [&config.state_file, &config.journal_file];
    leftovers::Places {
        git_dir: repo.map(|r| r.git_dir().to_path_buf()),
        write_dirs: dirs
            .iter()
            .filter_map(|p| p.parent())
            .map(Into::into)
            .collect(),
    }
}
