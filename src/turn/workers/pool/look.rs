//! A pool worker's look at the remote: one fetch of the shared branch and the claims, a failure
//! of which (a ref lock another git held, the network, a remote restarting) is tried again at
//! the next look until looks have failed for long enough.
//!
//! The fetch need not wait for the look. A worker whose first running task is expected back
//! (it started as long ago as the last task back ran) fetches a fetch's time before
//! ([`Fetches::ahead`]); a task back with no such fetch starts one while the worker gathers the
//! tasks that started with it ([`Session::gather_fetching`]). The look after takes that fetch
//! when it is at most [`FRESH_FOR`] old, and fetches again otherwise: what a look claims and
//! lands on stays about as fresh as a fetch of its own, and the task's slot waits for no
//! fetch.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use super::Back;
use super::gather::Running;
use super::streak::Streak;
use crate::error::Result;
use crate::git::{Remote, SyncError};
use crate::pool::refs;
use crate::turn::Session;

/// A look's fetch: its outcome.
type Fetched = std::result::Result<(), SyncError>;

/// The remote and the shared branch a look fetches.
pub(super) type Target<'a> = (&'a Remote, &'a str);

/// A fetch made ahead of its look, and when it ended.
struct Ahead {
    fetched: Fetched,
    at: Instant,
    took: Duration,
}

impl Ahead {
    /// Fetches now, for the next look.
    fn fetch((remote, branch): Target<'_>) -> Ahead {
        let fetching = Instant::now();
        let fetched = fetch(remote, branch);
        Ahead {
            fetched,
            at: Instant::now(),
            took: fetching.elapsed(),
        }
    }

    /// The fetch, when it ended at most [`FRESH_FOR`] ago.
    fn fresh(&self) -> bool {
        self.at.elapsed() <= FRESH_FOR
    }

    /// When to fetch ahead of the task expected back at `expected` (`None`: none runs, or
    /// none came back yet to tell how long tasks run): one and a half times `lead` before it,
    /// `lead` being how long the last fetch took; never twice for one expected time
    /// (`done_for`, the expected time of the last fetch ahead).
    fn due(
        expected: Option<Instant>,
        done_for: Option<Instant>,
        lead: Duration,
    ) -> Option<Instant> {
        let expected = expected?;
        // Half a fetch more: tasks come back a little before or after they are expected.
        let lead = lead + lead / 2;
        (done_for != Some(expected)).then(|| expected.checked_sub(lead).unwrap_or(expected))
    }
}

/// A worker's fetches made ahead of its looks: the last one, the expected time it was made
/// for, and how long the last fetch took.
#[derive(Default)]
pub(super) struct Fetches {
    made: Option<Ahead>,
    made_for: Option<Instant>,
    lead: Duration,
}

impl Fetches {
    /// The fetch made ahead, when it is fresh.
    fn fresh(&mut self) -> Option<Ahead> {
        self.made.take().filter(Ahead::fresh)
    }

    /// With every slot busy, waiting at most `wait` for a task to come back: fetches now when
    /// a fetch ahead of the task expected back at `expected` is due ([`Ahead::due`]), and says
    /// how long to wait then — never past when the next one is due.
    pub(super) fn ahead(
        &mut self,
        expected: Option<Instant>,
        wait: Duration,
        target: Target<'_>,
    ) -> Duration {
        if self.made.as_ref().is_some_and(Ahead::fresh) {
            return wait;
        }
        match Ahead::due(expected, self.made_for, self.lead) {
            Some(due) if due <= Instant::now() => {
                self.made_for = expected;
                let ahead = Ahead::fetch(target);
                self.lead = ahead.took;
                self.made = Some(ahead);
                wait
            }
            Some(due) => wait.min(due.saturating_duration_since(Instant::now())),
            None => wait,
        }
    }
}

impl Session {
    /// Fetches the shared branch and the claims for one look at the remote — or takes the
    /// fetch made ahead for it, when it is fresh — : `true` when it did; `false` (with a
    /// warning) when it failed, until looks have failed [`LOOKS_TRIED`] times in a row over
    /// at least [`LOOKS_FOR`].
    ///
    /// # Errors
    /// The fetch's error once looks failed that often for that long.
    pub(super) fn look(
        &self,
        remote: &Remote,
        branch: &str,
        fetches: &mut Fetches,
        failing: &mut Streak,
    ) -> Result<bool> {
        let ahead = fetches
            .fresh()
            .unwrap_or_else(|| Ahead::fetch((remote, branch)));
        fetches.lead = ahead.took;
        match ahead.fetched {
            Ok(()) => {
                *failing = Streak::default();
                Ok(true)
            }
            Err(e) => {
                if failing.failed(LOOKS_TRIED, LOOKS_FOR) {
                    return Err(e.into());
                }
                warn_line!(self.events, "[pool] fetching {branch} and the claims: {e}");
                Ok(false)
            }
        }
    }

    /// [`Running::gather`] of the tasks back with `first`; unless a fresh fetch was made
    /// ahead, the next look's fetch runs meanwhile on a thread of its own, and is kept in
    /// `fetches` for that look.
    pub(super) fn gather_fetching(
        &self,
        running: &mut Running,
        rx: &Receiver<Back>,
        first: Back,
        (free, finished): (&mut Vec<u32>, &mut Vec<Back>),
        fetches: &mut Fetches,
        target: Target<'_>,
    ) {
        if let Some(ahead) = fetches.fresh() {
            running.gather(rx, first, free, finished, super::signalled);
            fetches.made = Some(ahead);
            return;
        }
        fetches.made = Some(std::thread::scope(|scope| {
            let fetching = scope.spawn(|| Ahead::fetch(target));
            running.gather(rx, first, free, finished, super::signalled);
            fetching
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }));
    }
}

/// The look's fetch: the shared branch and every claim ref.
fn fetch(remote: &Remote, branch: &str) -> Fetched {
    remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name()))
}

/// How long a fetch made ahead serves the look after it: about a loaded fetch's own time, so
/// that a look's view is at most about twice as old as with a fetch of its own.
const FRESH_FOR: Duration = Duration::from_millis(200);

/// How many looks at the remote in a row may fail before the worker gives up …
const LOOKS_TRIED: u32 = 5;
/// … once they have failed for this long (a network blip, a remote restarting).
const LOOKS_FOR: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fetch_ahead_is_due_a_fetch_and_a_half_before_the_task_is_expected_and_only_once() {
        let expected = Instant::now() + Duration::from_secs(5);
        let lead = Duration::from_millis(100);
        assert_eq!(
            Ahead::due(Some(expected), None, lead),
            Some(expected - Duration::from_millis(150))
        );
        assert_eq!(
            Ahead::due(Some(expected), Some(expected), lead),
            None,
            "done"
        );
        let later = expected + Duration::from_secs(1);
        assert_eq!(
            Ahead::due(Some(later), Some(expected), lead),
            Some(later - Duration::from_millis(150)),
            "a new expectation"
        );
        assert_eq!(Ahead::due(None, None, lead), None, "nothing runs");
    }

    #[test]
    fn a_fetch_ahead_serves_a_look_only_while_fresh() {
        let ahead = |ago: Duration| Ahead {
            fetched: Ok(()),
            at: Instant::now() - ago,
            took: Duration::from_millis(80),
        };
        assert!(ahead(Duration::ZERO).fresh());
        assert!(!ahead(FRESH_FOR + Duration::from_millis(50)).fresh());
    }
}
