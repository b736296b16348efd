//! When a train leaves: full, or once its first task waited long enough for more to board.

use std::time::{Duration, SystemTime};

use super::TRAIN_CARS;
use crate::turn::workers::pool::Back;

/// The longest a finished task waits for more to board its train (see [`holds`]).
const HOLD_AT_MOST: Duration = Duration::from_secs(3);

/// How long the tasks in `finished` wait still before their train leaves, `None` when it
/// leaves at this look. Each landing moves the shared branch, and every other worker's train
/// merged onto the head before it is refused and pays a fetch, its merges and a push again: so
/// a train leaves full ([`TRAIN_CARS`]), or once its first task waited half as long again as
/// it ran (a slot's next task, started as that one came back, is then likely back too), at
/// most [`HOLD_AT_MOST`] — at once when `more` says no task of this worker runs or it stops,
/// and for a train the branch already moved under (it waited enough).
pub(crate) fn holds(finished: &[Back], more: bool) -> Option<Duration> {
    let now = SystemTime::now();
    let waiting: Vec<Waiting> = finished
        .iter()
        .map(|back| Waiting {
            ran: back
                .landing_from
                .duration_since(back.ran.started)
                .unwrap_or_default(),
            waited: now.duration_since(back.landing_from).unwrap_or_default(),
            refused: back.refused.times() > 0,
        })
        .collect();
    hold_left(&waiting, more)
}

/// A task waiting to land: how long it ran, how long it has waited since, and whether a train
/// of it was refused already.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    ran: Duration,
    waited: Duration,
    refused: bool,
}

/// [`holds`]' rule.
fn hold_left(waiting: &[Waiting], more: bool) -> Option<Duration> {
    if !more || waiting.len() >= TRAIN_CARS || waiting.iter().any(|w| w.refused) {
        return None;
    }
    waiting
        .iter()
        .map(|w| {
            (w.ran + w.ran / 2)
                .min(HOLD_AT_MOST)
                .saturating_sub(w.waited)
        })
        .min()
        .filter(|left| !left.is_zero())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{HOLD_AT_MOST, TRAIN_CARS, Waiting, hold_left};

    fn back(ran_ms: u64, waited_ms: u64) -> Waiting {
        Waiting {
            ran: Duration::from_millis(ran_ms),
            waited: Duration::from_millis(waited_ms),
            refused: false,
        }
    }

    #[test]
    fn a_train_waits_half_as_long_again_as_its_first_task_ran_at_most_the_cap() {
        // Ran 1 s, waited 0.2 s: 1.3 s more (1.5 s in all).
        assert_eq!(
            hold_left(&[back(1000, 200)], true),
            Some(Duration::from_millis(1300))
        );
        // The task that waited longest decides.
        assert_eq!(
            hold_left(&[back(1000, 200), back(1000, 1400)], true),
            Some(Duration::from_millis(100))
        );
        // A long task waits at most the cap.
        assert_eq!(hold_left(&[back(600_000, 0)], true), Some(HOLD_AT_MOST));
        // Waited enough: it leaves.
        assert_eq!(hold_left(&[back(1000, 1500)], true), None);
    }

    #[test]
    fn a_train_leaves_at_once_when_full_refused_before_or_nothing_more_comes() {
        let full = vec![back(1000, 0); TRAIN_CARS];
        assert_eq!(hold_left(&full, true), None);
        assert!(hold_left(&full[1..], true).is_some());
        let mut refused = back(1000, 0);
        refused.refused = true;
        assert_eq!(hold_left(&[back(1000, 0), refused], true), None);
        assert_eq!(hold_left(&[back(1000, 0)], false), None);
    }
}
