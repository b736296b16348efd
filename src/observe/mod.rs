//! Reading a run without changing it, for `baton status`, `baton watch` and `baton serve`:
//! which view to show ([`pick`]: the Baton running here, the remote's branch, or this
//! workspace's files), the remote's branch read at its remote-tracking ref ([`RemoteRun`],
//! every network wait bounded by `git.read_timeout`), and files another process appends to
//! ([`Follow`]: the event log, a transcript), read with bounded memory and — for files an event
//! line names — only beneath `logs_dir` ([`Place`]); and the pool's claims on the remote
//! ([`PoolReader`], [`PoolView`]).
//!
//! Invariant: nothing here writes the workspace, the state or the remote; a fetch updates only
//! remote-tracking refs.

mod follow;
mod place;
pub(crate) mod pool;
mod remote;

use std::path::Path;

pub(crate) use follow::{Follow, Line, MAX_LINE};
pub(crate) use place::Place;
pub(crate) use pool::{PoolReader, PoolView};
pub(crate) use remote::RemoteRun;

use crate::config::Config;
use crate::error::Result;
use crate::git::{Remote, Repo};
use crate::state::{State, Status};

/// What a read command shows.
pub(crate) enum Pick {
    /// This workspace's files: a Baton runs here (it holds the runner lock), or no remote
    /// shows a newer run.
    Local,
    /// The remote's branch: no Baton runs here, the branch carries the state file, and this
    /// clone has nothing newer.
    Remote(Box<RemoteRun>),
}

/// The Baton that holds the runner lock `lock` (this workspace's), if one runs: the pid its
/// lock file names, when that process holds the file open (the file outlives its holder, and
/// pids are reused).
pub(crate) fn baton_runs_here(lock: &Path) -> Option<i32> {
    let pid = crate::fsutil::holder_pid(lock)?;
    crate::process::holds(pid, lock).then_some(pid)
}

/// The remote run of `config`'s workspace (its `git.remote` and branch), read as last fetched;
/// `Ok(None)` when the workspace is not a clone with that remote and a branch.
///
/// # Errors
/// A usage error when the state or the journal lies outside the repository; git errors.
pub(crate) fn remote_run(config: &Config) -> Result<Option<RemoteRun>> {
    let Some(repo) = Repo::discover(&config.root)? else {
        return Ok(None);
    };
    let Some(branch) = config.git.branch.clone().or(repo.branch()?) else {
        return Ok(None);
    };
    if Remote::new(repo.workdir(), &config.git.remote)
        .url()
        .is_err()
    {
        return Ok(None);
    }
    RemoteRun::new(config, repo, branch).map(Some)
}

/// What to show for `config`'s workspace, whose runner lock is `lock`: the Baton running here;
/// else the remote's branch when it carries the state file and this clone has nothing newer
/// (after a check of the remote when `network`); else the workspace's files.
///
/// # Errors
/// As [`remote_run`]: the remote's run cannot be read (the workspace's files can).
pub(crate) fn pick(config: &Config, lock: &Path, network: bool) -> Result<Pick> {
    if baton_runs_here(lock).is_some() {
        return Ok(Pick::Local);
    }
    let Some(mut run) = remote_run(config)? else {
        return Ok(Pick::Local);
    };
    if network {
        run.check();
    }
    Ok(match files_instead(&run) {
        None => Pick::Remote(Box::new(run)),
        Some(_) => Pick::Local,
    })
}

/// Why this workspace's files are shown rather than `run` (no Baton runs here): its branch
/// carries no state file, or this clone is ahead of it (a clone ahead holds the newer run: a
/// stamp not pushed yet); `None` when the remote's view is the one to show.
pub(crate) fn files_instead(run: &RemoteRun) -> Option<String> {
    let name = run.name();
    if run.state().is_none() {
        let unchecked = run
            .problem()
            .map(|p| format!(" (it could not be checked: {p})"))
            .unwrap_or_default();
        return Some(format!(
            "no Baton runs here, and {name} carries no state file{unchecked}"
        ));
    }
    match run.standing() {
        Some((ahead, 0)) if ahead > 0 => Some(format!(
            "no Baton runs here; this clone is {} ahead of {name}, so its files are newer",
            commits(ahead)
        )),
        _ => None,
    }
}

/// `1 commit`, `3 commits`.
pub(crate) fn commits(n: usize) -> String {
    if n == 1 {
        "1 commit".to_owned()
    } else {
        format!("{n} commits")
    }
}

/// Where the agent of a turn that `state` says is running works, for a view that does not
/// run it (a clone, or a daemon waiting for its peer): `runs on <host:pid> (the lease
/// holder); its transcript stays on that machine`. `None` unless a turn runs under a lease.
pub(crate) fn agent_elsewhere(state: &State) -> Option<String> {
    if state.status != Status::running(state.expected_actor) {
        return None;
    }
    let owner = state.lease_owner.as_deref()?;
    Some(format!(
        "runs on {owner} (the lease holder); its transcript stays on that machine"
    ))
}
