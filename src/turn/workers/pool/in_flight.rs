//! A pool worker's train on its way: one at a time, on a thread of its own (its merges and
//! its push), taken in on the worker's thread once it is back. Meanwhile the worker goes on:
//! it takes tasks back, looks at the remote, claims and starts tasks for its free slots — a
//! train pushed to a loaded remote takes a few hundred milliseconds, more than a slot's whole
//! turnaround otherwise.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use super::land::{self, Arrived, Lands, Train};
use super::{Back, Held};
use crate::error::{Error, Result};
use crate::journal::TaskRun;
use crate::turn::Session;

/// How often at most a waiting worker looks whether its train is back.
const TRAIN_POLL: Duration = Duration::from_millis(10);

/// The train on its way, if any.
#[derive(Default)]
pub(super) struct InFlight<'scope> {
    train: Option<ScopedJoinHandle<'scope, Result<Arrived>>>,
}

/// What a train that is back changes on the worker's side: the tasks that wait to land (its
/// refused ones board again), the claims held (theirs, back), the runs that ended.
pub(super) struct Hand<'h> {
    pub(super) finished: &'h mut Vec<Back>,
    pub(super) held: &'h mut BTreeMap<String, Held>,
    pub(super) runs: &'h mut Vec<TaskRun>,
}

impl<'scope> InFlight<'scope> {
    /// Whether no train is on its way (back or not, a train is on its way until taken in).
    pub(super) fn is_none(&self) -> bool {
        self.train.is_none()
    }

    /// Whether no train is on its way, or it is back.
    fn is_back(&self) -> bool {
        self.train
            .as_ref()
            .is_none_or(ScopedJoinHandle::is_finished)
    }

    /// Waits up to `wait` for a task to come back (`Some`), or for the train on its way to be
    /// back (`None`; looked at every [`TRAIN_POLL`], and not at all when it is back already).
    ///
    /// # Errors
    /// `Timeout` when neither came; `Disconnected` when no task can come back.
    pub(super) fn wait(
        &self,
        rx: &Receiver<Back>,
        wait: Duration,
    ) -> std::result::Result<Option<Back>, RecvTimeoutError> {
        let until = Instant::now() + wait;
        let polls = !self.is_back();
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let step = if polls { left.min(TRAIN_POLL) } else { left };
            match rx.recv_timeout(step) {
                Ok(back) => return Ok(Some(back)),
                Err(RecvTimeoutError::Timeout) if polls && self.is_back() => return Ok(None),
                Err(RecvTimeoutError::Timeout) if left > step => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends `train` on its way on a thread of `scope`, with a handle of its own on the
    /// repository.
    ///
    /// # Errors
    /// Git errors opening the repository again.
    pub(super) fn depart<'env>(
        &mut self,
        scope: &'scope Scope<'scope, 'env>,
        session: &'env Session,
        at: &Lands<'env>,
        train: Train,
    ) -> Result<()> {
        let own = at.repo.reopen()?;
        let track = land::Track::of(session, at.repo);
        let (remote, branch) = (at.remote, at.branch);
        self.train = Some(scope.spawn(move || {
            let at = Lands {
                repo: &own,
                remote,
                branch,
            };
            train.run(&track, &at)
        }));
        Ok(())
    }

    /// Takes the train in ([`land::arrive`]) once it is back — waiting for it when `wait` —
    /// and says whether the local copy of the shared branch moved (a train that landed: tasks
    /// that waited for its tasks are open from there).
    ///
    /// # Errors
    /// The train's own errors (git talking to the remote), a train that panicked, git errors
    /// taking it in.
    pub(super) fn take_in(
        &mut self,
        wait: bool,
        (session, at, slot_locks): (&Session, &Lands<'_>, &[Mutex<()>]),
        hand: Hand<'_>,
    ) -> Result<bool> {
        let Some(train) = self.train.take_if(|train| wait || train.is_finished()) else {
            return Ok(false);
        };
        let tracking = format!("refs/remotes/{}/{}", at.remote.name(), at.branch);
        let before = at.repo.ref_sha(&tracking)?;
        let arrived = train
            .join()
            .map_err(|_| Error::failed("a pool worker's train panicked"))??;
        hand.runs.extend(land::arrive(
            session,
            at,
            slot_locks,
            arrived,
            hand.finished,
            hand.held,
        )?);
        Ok(at.repo.ref_sha(&tracking)? != before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_ends_when_the_train_is_back_at_its_time_or_when_no_task_can_come_back() {
        let (tx, rx) = std::sync::mpsc::channel::<Back>();
        let idle = InFlight::default();
        let waiting = Instant::now();
        assert!(matches!(
            idle.wait(&rx, Duration::from_millis(50)),
            Err(RecvTimeoutError::Timeout)
        ));
        assert!(waiting.elapsed() >= Duration::from_millis(50));
        std::thread::scope(|scope| {
            let flying = InFlight {
                train: Some(scope.spawn(|| {
                    std::thread::sleep(Duration::from_millis(100));
                    Ok(Arrived::default())
                })),
            };
            let waiting = Instant::now();
            assert!(matches!(
                flying.wait(&rx, Duration::from_secs(30)),
                Ok(None)
            ));
            let waited = waiting.elapsed();
            assert!(waited >= Duration::from_millis(100), "{waited:?}");
            assert!(waited < Duration::from_secs(10), "{waited:?}");
            // Back already and not taken in: the wait is the task's alone.
            assert!(!flying.is_none());
            assert!(matches!(
                flying.wait(&rx, Duration::from_millis(30)),
                Err(RecvTimeoutError::Timeout)
            ));
        });
        drop(tx);
        assert!(matches!(
            idle.wait(&rx, Duration::from_secs(30)),
            Err(RecvTimeoutError::Disconnected)
        ));
    }
}
