//! Keeping the object store packed. libgit2 never runs git's automatic housekeeping, so
//! without it every stamp leaves loose objects for good (hundreds of MB after thousands of
//! turns). After each stamp Baton starts `git gc --auto` through the system git in the
//! background: it returns at once unless there are enough loose objects (`gc.auto`, 6700 by
//! default), and then packs them while the next agent works. A pool worker starts it after its
//! trains, at most every ten seconds ([`Housekeeping::start_every`]).
//!
//! It never takes a ref's lock: `gc.packRefs=false` and reflogs that never expire
//! (`gc.reflogExpire` and `gc.reflogExpireUnreachable` `never`) leave out the two steps of gc
//! that lock refs (`pack-refs` and `reflog expire --all`, which holds `refs/heads/<b>.lock`
//! while it rewrites a reflog — most of a second for the reflog of a long-lived workspace). A
//! commit of the next turn (auto-commit, the stamp, the claim) or of the agent itself therefore
//! never finds the branch locked by Baton's own housekeeping. Packing refs and expiring
//! reflogs are left to the user's own `git gc` / `git maintenance`.
//!
//! At most one runs at a time (one Baton works on one clone): the run's [`Housekeeping`] owns
//! it. It stays in the foreground of its own child (no `gc.autoDetach`, so it remains Baton's
//! child and is waited for) in its own process group ([`Group`]), the end-of-turn sweep of agent
//! processes spares it (`crate::process::spare`), and a run waits for it before it exits — or
//! ends it ([`Housekeeping::stop`]) when interrupted. A push need not wait for it: it takes no
//! ref lock, and git keeps packing safe for concurrent readers.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::process::{self, Group};

/// `-c` settings of the background gc: it stays Baton's child (no detaching, so it is waited
/// for), and it never locks a ref (see the module docs).
const GC_CONFIG: [&str; 5] = [
    "gc.autoDetach=false",
    "maintenance.autoDetach=false",
    "gc.packRefs=false",
    "gc.reflogExpire=never",
    "gc.reflogExpireUnreachable=never",
];

/// A run's background housekeeping: the `git gc --auto` started last, while it may still run,
/// and when it started.
#[derive(Debug, Default)]
pub(crate) struct Housekeeping {
    running: Mutex<Option<Group>>,
    started: Mutex<Option<std::time::Instant>>,
}

impl Housekeeping {
    fn running(&self) -> MutexGuard<'_, Option<Group>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`Housekeeping::start`], unless the last one started less than `every` ago: a pool
    /// worker lands several trains a second, and each `git gc --auto` costs a process that
    /// mostly finds nothing to do (4% of a pool's CPU when started after every train).
    pub(crate) fn start_every(&self, workdir: &Path, every: Duration) {
        let last = *self.started.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| at.elapsed() < every) {
            return;
        }
        self.start(workdir);
    }

    /// Starts `git gc --auto --quiet` in `workdir` in the background, unless one still runs. A
    /// spawn failure (no `git` on PATH) is only logged: housekeeping is never worth a failed
    /// turn.
    pub(crate) fn start(&self, workdir: &Path) {
        *self.started.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(std::time::Instant::now());
        let mut slot = self.running();
        if slot.as_ref().is_some_and(|gc| gc.exited().is_none()) {
            return;
        }
        finish(&mut slot, None);
        let spawned = Group::spawn(
            Command::new("git")
                .args(GC_CONFIG.iter().flat_map(|setting| ["-c", setting]))
                .args(["gc", "--auto", "--quiet"])
                .current_dir(workdir)
                .env("LC_ALL", "C")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        match spawned {
            Ok(gc) => {
                process::spare(gc.child_id());
                *slot = Some(gc);
            }
            Err(e) => tracing::debug!(error = %e, "git gc --auto not started"),
        }
    }

    /// Waits for the running housekeeping, if any (before a run exits).
    pub(crate) fn settle(&self) {
        let mut slot = self.running();
        if let Some(gc) = slot.as_ref() {
            let _ = gc.wait_exited(None);
        }
        finish(&mut slot, None);
    }

    /// Ends the running housekeeping, if any (a run interrupted by a signal): SIGTERM — git
    /// removes its lock files on it — then SIGKILL after `grace`.
    pub(crate) fn stop(&self, grace: Duration) {
        finish(&mut self.running(), Some(grace));
    }
}

/// Reaps the housekeeping (ended first with `end`'s grace when given) and takes it off the
/// spared list.
fn finish(slot: &mut Option<Group>, end: Option<Duration>) {
    if let Some(gc) = slot.take() {
        let id = gc.child_id();
        let status = match end {
            Some(grace) => gc.end(grace),
            None => gc.reap(),
        };
        if let Some(status) = status.filter(|s| !s.success()) {
            tracing::warn!(%status, "git gc --auto failed");
        }
        process::unspare(id);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Housekeeping;
    use crate::git::testutil::TestRepo;

    /// Whether a gc was started since the last call (it is waited for).
    fn started(housekeeping: &Housekeeping) -> bool {
        let running = housekeeping.running().is_some();
        housekeeping.settle();
        running
    }

    #[test]
    fn start_every_starts_no_second_gc_within_its_interval() {
        let t = TestRepo::new();
        let housekeeping = Housekeeping::default();
        housekeeping.start_every(t.repo.workdir(), Duration::from_secs(3600));
        assert!(started(&housekeeping), "the first one starts");
        housekeeping.start_every(t.repo.workdir(), Duration::from_secs(3600));
        assert!(!started(&housekeeping), "none within the hour");
        housekeeping.start(t.repo.workdir());
        assert!(started(&housekeeping), "start itself is not throttled");
        housekeeping.start_every(t.repo.workdir(), Duration::ZERO);
        assert!(started(&housekeeping), "one once the interval passed");
    }
}
