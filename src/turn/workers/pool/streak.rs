//! Failures in a row, and since when: what a pool worker gives up on only when they went on
//! both often enough and long enough — a burst of failures alone (a remote restarting, a
//! moment when every other worker lands at once) never ends anything.

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

#[cfg(test)]
mod tests {
    use super::Streak;
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
}
