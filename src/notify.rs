//! Notifications (`notify.command`): an argv Baton runs when something a person may want to
//! know happens — a turn `failed` or `stalled`, an agent hit a usage limit (`limited`), a
//! `budget` stopped the run, the work is `complete`, the loop is `stuck`, or role mode raised an
//! `alarm` over a commit that was not Baton's — with
//! `BATON_EVENT`, `BATON_MESSAGE`, `BATON_ACTOR` and `BATON_ITERATION` in its environment.
//! Users wire ntfy, Slack or mail to it.
//!
//! The command runs in the background in its own process group, with its output discarded;
//! what it leaves in its group is ended when it exits, and the whole group at `notify.timeout`
//! (SIGTERM, then SIGKILL after the kill grace; see [`crate::process::Group`]). The agent sweep
//! spares it, and a run waits for its notifications before it exits (each at most
//! `notify.timeout` and the grace), so none outlives Baton. A command that cannot start or
//! fails is a warning: a notification is never worth a failed turn.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use crate::config::Config;
use crate::process::{self, Bounds, Ending};
use crate::state::Actor;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A turn failed (including a timeout).
    Failed,
    /// A turn was ended for neither writing output nor changing files.
    Stalled,
    /// An agent hit a usage or rate limit; Baton waits for it.
    Limited,
    /// A budget stopped the run.
    Budget,
    /// The supervisor declared the work done and the verify commands passed.
    Complete,
    /// The loop made no progress for `stuck.iterations` iterations.
    Stuck,
    /// A turn waits for a person's approval (`approval.before`).
    Approval,
    /// A role-mode daemon found a commit that changed the state without being Baton's, and
    /// stopped both daemons.
    Alarm,
}

impl Event {
    /// The `BATON_EVENT` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Event::Failed => "failed",
            Event::Stalled => "stalled",
            Event::Limited => "limited",
            Event::Budget => "budget",
            Event::Complete => "complete",
            Event::Stuck => "stuck",
            Event::Approval => "approval",
            Event::Alarm => "alarm",
        }
    }
}

/// The notification for a run event, if it is one a person wants to hear about: failed,
/// timed-out, stalled and limited turns (an interrupted one was a person's doing), a verified
/// completion, a budget or stuck stop, and a turn that waits for approval.
fn of_event(event: &crate::events::Event<'_>) -> Option<(Event, String, Option<Actor>, u64)> {
    use crate::events::Event as E;
    use crate::journal::Outcome;
    match *event {
        E::Stamped {
            actor,
            iteration,
            prompt,
            outcome,
            error,
            retry_at,
            ..
        } => {
            let kind = match outcome {
                Outcome::Failed | Outcome::Timeout => Event::Failed,
                Outcome::Stalled => Event::Stalled,
                Outcome::Limited => Event::Limited,
                Outcome::Ok | Outcome::Interrupted => return None,
            };
            let error = error.unwrap_or("unknown error");
            let error = match (kind, retry_at) {
                (Event::Limited, Some(at)) => format!("usage limit until {at}: {error}"),
                _ => error.to_owned(),
            };
            let message = format!("{actor}'s turn {prompt}: {error}");
            Some((kind, message, Some(actor), iteration))
        }
        E::Completed {
            actor,
            iteration,
            reason,
        } => Some((Event::Complete, reason.to_owned(), Some(actor), iteration)),
        E::BudgetReached { iteration, reason } => {
            Some((Event::Budget, reason.to_owned(), None, iteration))
        }
        E::StuckDetected { iteration, reason } => {
            Some((Event::Stuck, reason.to_owned(), None, iteration))
        }
        E::ApprovalRequested {
            actor,
            iteration,
            prompt,
        } => {
            let message =
                format!("{actor}'s turn ({prompt}, iteration {iteration}) awaits approval");
            Some((Event::Approval, message, Some(actor), iteration))
        }
        E::Alarm {
            actor,
            iteration,
            reason,
            ..
        } => Some((Event::Alarm, reason.to_owned(), Some(actor), iteration)),
        _ => None,
    }
}

/// The notification subscriber of a run's event stream: runs `notify.command` for the events
/// [`of_event`] names, each in the background, and keeps them until [`Notifier::settle`].
pub(crate) struct Notifier {
    config: Arc<Config>,
    running: Mutex<Vec<JoinHandle<()>>>,
}

impl Notifier {
    /// The notifier of a run under `config`.
    pub(crate) fn new(config: &Config) -> Notifier {
        Notifier {
            config: Arc::new(config.clone()),
            running: Mutex::new(Vec::new()),
        }
    }

    /// Runs `notify.command` for `event` when it is one of the notified kinds.
    pub(crate) fn on_event(&self, event: &crate::events::Event<'_>) {
        if let Some((kind, message, actor, iteration)) = of_event(event)
            && let Some(handle) = send(&self.config, kind, &message, actor, iteration)
        {
            self.running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(handle);
        }
    }

    /// Waits for the notifications still running (each ends by `notify.timeout`).
    pub(crate) fn settle(&self) {
        let handles =
            std::mem::take(&mut *self.running.lock().unwrap_or_else(PoisonError::into_inner));
        for handle in handles {
            let _ = handle.join();
        }
    }
}

impl Drop for Notifier {
    /// No notification outlives the run.
    fn drop(&mut self) {
        self.settle();
    }
}

/// Runs `notify.command` for `event` in the background (nothing when none is configured).
fn send(
    config: &Config,
    event: Event,
    message: &str,
    actor: Option<Actor>,
    iteration: u64,
) -> Option<JoinHandle<()>> {
    let (program, args) = config.notify.command.split_first()?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(&config.root)
        .env("BATON_EVENT", event.as_str())
        .env("BATON_MESSAGE", message)
        .env("BATON_ACTOR", actor.as_ref().map_or("", Actor::as_str))
        .env("BATON_ITERATION", iteration.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let program = program.clone();
    let limit = config.notify.timeout;
    let handle = std::thread::spawn(move || {
        let bounds = Bounds {
            deadline: Some(limit),
            grace: crate::executor::kill_grace(),
            spared: true,
            ..Bounds::default()
        };
        match process::run_bounded(&mut cmd, &bounds) {
            Ok(done) if done.ending == Ending::TimedOut => {
                tracing::warn!("notify.command ran past notify.timeout: ended");
            }
            Ok(done) if !done.status.is_some_and(|s| s.success()) => {
                tracing::warn!(status = ?done.status, "notify.command failed");
            }
            Ok(_) => {}
            Err(e) => {
                note!("[baton] warning: notify.command `{program}` did not start: {e}");
            }
        }
    });
    Some(handle)
}
