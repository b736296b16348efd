//! The tasks a pool worker runs, and when a look follows a task that came back: not at once,
//! but once the tasks that started with it are back too (at most a quarter of its run time
//! later, and never more than [`GATHER_AT_MOST`]). One look (a fetch, one train, one push of
//! claims) then serves all of them: a look costs about a dozen git processes, on both sides of
//! the remote, whether it lands one task or four.

use std::collections::BTreeMap;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use super::Back;

/// What comes back from a slot: the slot it frees.
pub(super) trait Slotted {
    /// The slot it ran in.
    fn slot(&self) -> u32;
}

impl Slotted for Back {
    fn slot(&self) -> u32 {
        self.slot
    }
}

/// The longest a task that came back waits for the others to land with it.
pub(super) const GATHER_AT_MOST: Duration = Duration::from_secs(2);

/// The slots whose tasks run, each with when its task started.
#[derive(Debug, Default)]
pub(super) struct Running {
    since: BTreeMap<u32, Instant>,
    /// How long the last task back ran.
    last_run: Option<Duration>,
}

impl Running {
    /// A task started in `slot` now.
    pub(super) fn started(&mut self, slot: u32) {
        self.since.insert(slot, Instant::now());
    }

    /// Whether no task runs.
    pub(super) fn is_empty(&self) -> bool {
        self.since.is_empty()
    }

    /// Whether the first running task is expected back within `within` from now (and not
    /// overdue already: a task running late says nothing of when it comes back).
    pub(super) fn look_within(&self, within: Duration) -> bool {
        let now = Instant::now();
        self.expected_back()
            .is_some_and(|at| at > now && at.duration_since(now) <= within)
    }

    /// When the first running task is expected back: its start plus how long the last task
    /// back ran. `None` when none runs, or none came back yet.
    pub(super) fn expected_back(&self) -> Option<Instant> {
        let first = self.since.values().min()?;
        first.checked_add(self.last_run?)
    }

    /// Takes in a task that came back: its slot joins `free`, the task `finished`. When it
    /// started (`None` for a slot not known to run).
    fn came_back<T: Slotted>(
        &mut self,
        back: T,
        free: &mut Vec<u32>,
        finished: &mut Vec<T>,
    ) -> Option<Instant> {
        let started = self.since.remove(&back.slot());
        if let Some(at) = started {
            self.last_run = Some(at.elapsed());
        }
        free.push(back.slot());
        finished.push(back);
        started
    }

    /// Takes in `first`, a task that came back, then waits for the running tasks that started
    /// no later than the gathering window after it — those likely to be back soon when tasks
    /// take about as long — for at most that window: a quarter of how long `first` ran, at most
    /// [`GATHER_AT_MOST`]. Every task back already or meanwhile joins `finished` (its slot
    /// `free`), whether it was waited for or not. Returns early once `stop` says so (checked
    /// every 50 ms).
    pub(super) fn gather<T: Slotted>(
        &mut self,
        rx: &Receiver<T>,
        first: T,
        free: &mut Vec<u32>,
        finished: &mut Vec<T>,
        stop: impl Fn() -> bool,
    ) {
        let now = Instant::now();
        let Some(started) = self.came_back(first, free, finished) else {
            return;
        };
        let window = window(now.duration_since(started));
        let deadline = now + window;
        let last_start = started + window;
        loop {
            while let Ok(back) = rx.try_recv() {
                self.came_back(back, free, finished);
            }
            if !self.since.values().any(|&at| at <= last_start) || stop() {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match rx.recv_timeout(left.min(Duration::from_millis(50))) {
                Ok(back) => {
                    self.came_back(back, free, finished);
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
    }
}

/// How long a task that ran `ran` waits for the others: a quarter of `ran`, at most
/// [`GATHER_AT_MOST`].
fn window(ran: Duration) -> Duration {
    (ran / 4).min(GATHER_AT_MOST)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Slotted for u32 {
        fn slot(&self) -> u32 {
            *self
        }
    }

    /// Slots 1–3 started together, 4 a second later; each "task" is its slot number, sent back
    /// after `after` from the test's start.
    fn race(after: [(u32, u64); 3]) -> (Vec<u32>, Duration) {
        let mut running = Running::default();
        for slot in 1..=4 {
            running.started(slot);
        }
        // Slot 4 started late: not waited for.
        running
            .since
            .insert(4, Instant::now() + Duration::from_secs(1));
        std::thread::sleep(Duration::from_millis(800));
        let (tx, rx) = std::sync::mpsc::channel();
        let senders: Vec<_> = after
            .into_iter()
            .map(|(slot, ms)| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(ms));
                    tx.send(slot).expect("send");
                })
            })
            .collect();
        let (mut free, mut finished) = (Vec::new(), Vec::new());
        let gathering = Instant::now();
        running.gather(&rx, 1, &mut free, &mut finished, || false);
        let took = gathering.elapsed();
        for sender in senders {
            sender.join().expect("sender");
        }
        assert_eq!(free, finished);
        (finished, took)
    }

    #[test]
    fn a_task_back_waits_for_those_started_with_it_and_no_longer() {
        // Slot 1 ran 800 ms: a window of 200 ms. Slots 2 and 3 come back within it; slot 4,
        // started later, is not waited for; the gathering ends with slot 3, not at the window.
        let (back, took) = race([(2, 10), (3, 40), (4, 600)]);
        assert_eq!(back, [1, 2, 3]);
        assert!(took < Duration::from_millis(190), "{took:?}");
        // Slot 3 takes longer than the window: the gathering ends at the window without it.
        let (back, took) = race([(2, 10), (3, 600), (4, 600)]);
        assert_eq!(back, [1, 2]);
        assert!(took >= Duration::from_millis(190), "{took:?}");
        assert!(took < Duration::from_millis(590), "{took:?}");
    }

    #[test]
    fn tasks_already_back_join_even_when_none_is_waited_for() {
        let mut running = Running::default();
        running.started(1);
        running.started(2);
        // Slot 2 started well after slot 1: not waited for, but already back.
        running
            .since
            .insert(2, Instant::now() + Duration::from_secs(1));
        std::thread::sleep(Duration::from_millis(40));
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(2_u32).expect("send");
        let (mut free, mut finished) = (Vec::new(), Vec::new());
        running.gather(&rx, 1, &mut free, &mut finished, || false);
        assert_eq!(finished, [1, 2]);
        assert_eq!(free, [1, 2]);
        assert!(running.is_empty());
    }

    #[test]
    fn the_first_running_task_is_expected_back_as_long_after_its_start_as_the_last_one_ran() {
        let mut running = Running::default();
        running.started(1);
        assert_eq!(running.expected_back(), None, "none came back yet");
        std::thread::sleep(Duration::from_millis(30));
        running.started(2);
        let (mut free, mut finished) = (Vec::new(), Vec::new());
        running.came_back(1_u32, &mut free, &mut finished);
        let ran = running.last_run.expect("ran");
        assert!(ran >= Duration::from_millis(30), "{ran:?}");
        let since = running.since[&2];
        assert_eq!(running.expected_back(), Some(since + ran));
        assert!(running.look_within(ran + Duration::from_millis(10)));
        assert!(!running.look_within(Duration::ZERO), "not that soon");
        running
            .since
            .insert(2, Instant::now() - ran - Duration::from_millis(5));
        assert!(!running.look_within(Duration::from_secs(60)), "overdue");
        running.came_back(2_u32, &mut free, &mut finished);
        assert_eq!(running.expected_back(), None, "nothing runs");
    }

    #[test]
    fn the_window_is_a_quarter_of_the_run_and_at_most_two_seconds() {
        assert_eq!(window(Duration::from_secs(1)), Duration::from_millis(250));
        assert_eq!(window(Duration::ZERO), Duration::ZERO);
        assert_eq!(window(Duration::from_secs(600)), GATHER_AT_MOST);
    }
}
