//! Failures in a row, and since when: what a pool worker gives up on only when they went on
//! both often enough and long enough — a burst of failures alone (a remote restarting, a
//! moment when every other worker lands at once) never ends anything — and how long a refused
//! train waits before it tries again.

use std::time::{Duration, Instant};

/// Failures in a row of one thing (looks at the remote, a task's trains), and when the first
/// of them was.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Streak {
    times: u32,
    since: Option<Instant>,
}

impl Streak {
    /// Notes one more failure: `true` when there have now been at least `times` in a row,
    /// the first at least `span` ago — time to give up.
    pub(super) fn failed(&mut self, times: u32, span: Duration) -> bool {
        let since = *self.since.get_or_insert_with(Instant::now);
        self.times += 1;
        self.times >= times && since.elapsed() >= span
    }

    /// How many failures in a row so far.
    pub(super) fn times(self) -> u32 {
        self.times
    }
}

/// How soon the next train leaves when tasks wait to land, after `refused` trains in a row
/// were refused: at random from 10 ms up to a bound that doubles with each refusal, from 50 ms
/// to 650 ms (after four), so that workers refused by the same landing do not race each other
/// again in step, and a busy branch is not hammered (each try costs a fetch and a push).
pub(super) fn next_train_in(refused: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    let spread = 40_u64 << refused.min(4);
    Duration::from_millis(10 + hasher.finish() % spread)
}

#[cfg(test)]
mod tests {
    use super::{Streak, next_train_in};
    use std::time::Duration;

    #[test]
    fn a_streak_gives_up_only_when_it_is_both_long_and_old() {
        let mut streak = Streak::default();
        for _ in 0..10 {
            assert!(
                !streak.failed(3, Duration::from_secs(3600)),
                "not old enough"
            );
        }
        assert_eq!(streak.times(), 10);
        let mut streak = Streak::default();
        assert!(!streak.failed(2, Duration::ZERO), "one failure is not two");
        assert!(streak.failed(2, Duration::ZERO));
    }

    #[test]
    fn the_next_train_backs_off_with_each_refusal_up_to_650_ms() {
        let bound = |refused| {
            (0..200)
                .map(|_| next_train_in(refused))
                .fold((Duration::MAX, Duration::ZERO), |(lo, hi), d| {
                    (lo.min(d), hi.max(d))
                })
        };
        for (refused, most) in [(0, 49), (1, 89), (2, 169), (4, 649), (30, 649)] {
            let (lo, hi) = bound(refused);
            assert!(lo >= Duration::from_millis(10), "{refused}: {lo:?}");
            assert!(hi <= Duration::from_millis(most), "{refused}: {hi:?}");
        }
        // Spread out, not one value: workers refused together do not come back together.
        let (lo, hi) = bound(4);
        assert!(hi - lo > Duration::from_millis(100), "{lo:?}..{hi:?}");
    }
}
