//! Requests a person makes to a running Baton — `baton stop`, `baton note`, `baton approve` /
//! `reject` in the workspace of a run that holds the runner lock — and where the run keeps them.
//!
//! The runner owns the state file while it runs, so these commands do not write the state under
//! it: they send the request to the run over its channel ([`channel`]), and the run writes it
//! into the state at the next turn boundary (a stop also into the stamp of the turn in
//! progress). What the run accepted is kept in its memory — where an agent's edits cannot reach
//! it: deleting a file no longer cancels a person's `baton stop` — and in `inbox.json` in the
//! run directory, for a start after a crash. Without a running Baton, the commands write the
//! state directly.
//!
//! Who may ask what: any process of the user may stop the run (an agent may too, as it may set
//! the state's stop flag). A note and an approval decision are a person's: from a process of
//! the run's own agent runs they are refused ([`crate::process::in_agent_run`]), so an agent
//! cannot forge one. What this cannot prevent: an agent that has a service outside its process
//! tree run the command for it (`systemd-run --user`, `at`, `ssh` to this host, a terminal
//! multiplexer's server started before the run), or one that writes `inbox.json` and then kills
//! Baton (the next start takes the file as the dead run left it).

mod accept;
mod channel;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::{LockError, write_atomic_in_tree};
use crate::state::{Decision, Note};
use crate::turn::RecordError;
use channel::Reply;

/// File name of the accepted requests inside the run directory.
const INBOX_FILE: &str = "inbox.json";

/// One request to a running Baton.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "lowercase")]
pub(crate) enum Request {
    /// `baton stop`: becomes the state's `exit_reason`.
    Stop {
        /// Why the run stops.
        reason: String,
    },
    /// `baton note`: queued for the next turn.
    Note {
        /// The note.
        note: Note,
    },
    /// `baton approve` / `baton reject`: applied to the waiting turn at once.
    Decision {
        /// The answer.
        decision: Decision,
    },
}

/// What a run accepted and has not yet written into the state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    /// A stop's reason (a later stop replaces an earlier one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stop: Option<String>,
    /// Notes, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notes: Vec<Note>,
    /// An approval decision (a later one replaces an earlier one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decision: Option<Decision>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.stop.is_none() && self.notes.is_empty() && self.decision.is_none()
    }
}

/// The accepted requests, shared with the listening thread.
#[derive(Debug)]
struct Shared {
    path: PathBuf,
    pending: Mutex<Pending>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `pending` to the file (removed when empty).
    fn save(&self, pending: &Pending) -> io::Result<()> {
        if pending.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let bytes = serde_json::to_vec(pending)
            .expect("invariant: pending requests (plain fields) serialize");
        let run_dir = crate::fsutil::parent_dir(&self.path);
        write_atomic_in_tree(run_dir, &self.path, &bytes).map(drop)
    }

    /// Applies `change` to the pending requests and saves them.
    fn change(&self, change: impl FnOnce(&mut Pending)) -> std::result::Result<(), RecordError> {
        let mut pending = self.lock();
        change(&mut pending);
        self.save(&pending).map_err(|source| RecordError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// The requests of one run directory: what the run accepted (memory, and the file for a
/// start after a crash) and, while it listens, its channel.
#[derive(Debug)]
pub(crate) struct Inbox {
    shared: Arc<Shared>,
    listener: Mutex<Option<channel::Listener>>,
}

impl Drop for Inbox {
    /// Stops listening, and leaves in the file exactly what the run holds in memory: a file an
    /// agent wrote meanwhile is never taken by the next start.
    fn drop(&mut self) {
        drop(
            self.listener
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let pending = self.shared.lock().clone();
        if let Err(e) = self.shared.save(&pending) {
            tracing::warn!(error = %e, "cannot save the inbox");
        }
    }
}

impl Inbox {
    /// The inbox of `run_dir`, with what a dead run had accepted (its file); nothing listens
    /// yet.
    pub(crate) fn new(run_dir: &Path) -> Inbox {
        let path = run_dir.join(INBOX_FILE);
        let pending = match crate::fsutil::read_regular(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "unreadable inbox: dropped");
                Pending::default()
            }),
            Err(_) => Pending::default(),
        };
        Inbox {
            shared: Arc::new(Shared {
                path,
                pending: Mutex::new(pending),
            }),
            listener: Mutex::new(None),
        }
    }

    /// Starts taking requests on the run directory's channel, until the inbox is dropped (for
    /// runs: the workspace is held). A channel that cannot be opened is a warning: the run goes
    /// on, and `baton stop` from its workspace says it cannot reach it.
    pub(crate) fn listen(&self, run_dir: &Path, events: &crate::events::Events) {
        let shared = Arc::clone(&self.shared);
        match channel::listen(run_dir, move |request, peer| shared.accept(request, peer)) {
            Ok(listener) => {
                *self.listener.lock().unwrap_or_else(PoisonError::into_inner) = Some(listener);
            }
            Err(e) => warn_line!(
                events,
                "[baton] warning: `baton stop`, `note` and `approve` cannot reach this run: its \
                 request channel did not open ({e})"
            ),
        }
    }

    /// The pending stop's reason, if any.
    pub(crate) fn pending_stop(&self) -> Option<String> {
        self.shared.lock().stop.clone()
    }

    /// Queues a stop the run itself found (a stop flag in a state file it restores).
    ///
    /// # Errors
    /// [`RecordError::Io`] when the file cannot be written.
    pub(crate) fn request_stop(&self, reason: &str) -> std::result::Result<(), RecordError> {
        self.shared
            .change(|pending| pending.stop = Some(reason.to_owned()))
    }

    /// Forgets the pending stop once the state carries it.
    ///
    /// # Errors
    /// [`RecordError::Io`] when the file cannot be written.
    pub(crate) fn clear_stop(&self) -> std::result::Result<(), RecordError> {
        self.shared.change(|pending| pending.stop = None)
    }

    /// The pending notes, oldest first. Remove them with [`Inbox::clear_notes`] once the state
    /// carries them (a crash in between writes them again, and writing a note the state
    /// already has changes nothing).
    pub(crate) fn notes(&self) -> Vec<Note> {
        self.shared.lock().notes.clone()
    }

    /// Forgets the notes `taken` (those [`Inbox::notes`] gave; any that came since stay). The
    /// file is rewritten from memory, so whatever else was written there meanwhile is gone.
    ///
    /// # Errors
    /// [`RecordError::Io`] when the file cannot be written.
    pub(crate) fn clear_notes(&self, taken: &[Note]) -> std::result::Result<(), RecordError> {
        self.shared
            .change(|pending| pending.notes.retain(|n| !taken.contains(n)))
    }

    /// The pending approval decision, if any. Remove it with [`Inbox::clear_decision`] once the
    /// state carries it.
    pub(crate) fn decision(&self) -> Option<Decision> {
        self.shared.lock().decision.clone()
    }

    /// Forgets the decision `taken` (a newer one that came since stays).
    ///
    /// # Errors
    /// [`RecordError::Io`] when the file cannot be written.
    pub(crate) fn clear_decision(&self, taken: &Decision) -> std::result::Result<(), RecordError> {
        self.shared.change(|pending| {
            if pending.decision.as_ref() == Some(taken) {
                pending.decision = None;
            }
        })
    }

    /// Whether anything waits to be taken.
    pub(crate) fn is_empty(&self) -> bool {
        self.shared.lock().is_empty()
    }
}

/// Sends `request` to the Baton holding the workspace of `run_dir` (`busy` names it) and waits
/// for its answer.
///
/// # Errors
/// A failure (exit 1) when the run refused the request (saying why) or could not be reached.
pub(crate) fn send_request(run_dir: &Path, request: &Request, busy: &LockError) -> Result<()> {
    let holder = busy.holder_pid();
    match channel::send(run_dir, request, holder) {
        Ok(Reply { ok: true, .. }) => Ok(()),
        Ok(Reply { error, .. }) => Err(Error::failed(format!(
            "the running Baton refused the request: {}",
            error.as_deref().unwrap_or("no reason given")
        ))),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => Err(Error::failed(format!(
            "{busy}, and it takes no requests (it opened no request channel: an earlier \
             version of Baton, or its channel failed to open)"
        ))
        .with_hint("stop that run (Ctrl-C, or SIGTERM to its pid), then run this command again")),
        Err(e) => Err(Error::failed(format!(
            "the request did not reach the Baton holding the workspace: {e}"
        ))
        .with_hint("`baton status` shows the run; try again")),
    }
}

#[cfg(test)]
mod tests;
