//! The waits a run sits out in its own process, between turns: a usage limit's countdown and an
//! approval checkpoint. Both check for signals every [`TICK`] and emit a `heartbeat` event
//! (`waiting_on` `limit` or `approval`) every `agent.heartbeat` (every minute when that is off),
//! the first at once, so the console, `baton watch` and the dashboard say why nothing runs.

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::events::{Event, Events, WaitingOn};
use crate::modes::check_signal;
use crate::state::Actor;
use crate::turn::Session;

/// How often a wait looks for an answer, a stop request or a signal.
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// Heartbeat of a wait when `agent.heartbeat` is off.
const DEFAULT_BEAT: Duration = Duration::from_secs(60);

/// One wait of `actor`'s turn on `on`; the caller loops on [`LocalWait::tick`] until its
/// condition holds.
pub(crate) struct LocalWait {
    actor: Actor,
    on: WaitingOn,
    beat: Duration,
    started: Instant,
    next_beat: Instant,
    events: Events,
}

impl LocalWait {
    /// Starts a wait of `actor`'s turn on `on`, beating as `runner`'s configuration says.
    pub(crate) fn new(runner: &Session, actor: Actor, on: WaitingOn) -> Self {
        let now = Instant::now();
        Self {
            actor,
            on,
            beat: runner.config.agent.heartbeat.unwrap_or(DEFAULT_BEAT),
            started: now,
            next_beat: now,
            events: runner.events.clone(),
        }
    }

    /// One step of the wait: ends the run on a signal, emits a heartbeat with `detail`'s line
    /// when one is due, then sleeps up to `nap` (at most [`TICK`]).
    ///
    /// # Errors
    /// Interrupted (exit 128 + N).
    pub(crate) fn tick(&mut self, nap: Duration, detail: impl FnOnce() -> String) -> Result<()> {
        check_signal()?;
        let now = Instant::now();
        if now >= self.next_beat {
            self.events.emit(&Event::Heartbeat {
                actor: self.actor,
                waiting_on: self.on,
                peer: None,
                waited_secs: now.duration_since(self.started).as_secs(),
                detail: &detail(),
            });
            self.next_beat = now + self.beat;
        }
        std::thread::sleep(nap.min(TICK));
        Ok(())
    }
}
