//! Writing what a turn decided: the stamp (state, journal line, stamp commit — each step
//! idempotent, so a start after a crash can finish it), stop-flag commits, and the recovery of
//! a turn record a dead run left.

use crate::error::{Context as _, Result};
use crate::events::{CommitKind, Level};
use crate::fault;
use crate::state::State;
use crate::turn::Workspace;
use crate::turn::owned::{owned_state, restore_sealed_journal};
use crate::turn::record::{PendingStamp, TurnRecord};
use crate::turn::subject::{announce, stamp_subject, stop_message, subject_of};

impl Workspace {
    /// Writes a decided stamp; every step is idempotent, so a start that finds the stamp in
    /// the turn record can apply it again: the state as recorded, the journal line unless it
    /// is already the last one, the stamp commit when the state or journal differ from HEAD.
    ///
    /// # Errors
    /// State, journal and git errors.
    pub(super) fn apply_stamp(&self, stamp: &PendingStamp) -> Result<()> {
        self.store.write(&stamp.state).context("save the stamp")?;
        fault::point("stamp-state");
        if self.journal.tail(1)?.last() != Some(&stamp.entry) {
            for replaced in self.journal.append(&stamp.entry)? {
                warn_line!(self.events, "[stamp] warning: {replaced}");
            }
        }
        fault::point("stamp-journal");
        announce(&self.events, &stamp.entry, &stamp.state);
        match (&self.repo, &stamp.commit) {
            (Some(repo), Some(subject)) => {
                let paths = self.stamp_paths(repo)?;
                if repo.differs_from_head(&paths)? {
                    let sha = repo.commit_paths(&paths, subject)?;
                    self.events
                        .committed(CommitKind::Stamp, &sha, subject_of(subject));
                    fault::point("stamp-committed");
                }
            }
            (Some(repo), None) if self.commit_dry_run => {
                let subject = stamp_subject(&stamp.state, stamp.entry.actor);
                let mut text = format!("[stamp] would commit: {subject}");
                for path in self.stamp_paths(repo)? {
                    text.push_str(&format!("\n - {path}"));
                }
                self.events.notice(Level::Info, &text);
            }
            _ => {}
        }
        Ok(())
    }

    /// Writes a stamp made outside a turn (`baton stamp`) through the turn record, as a turn's
    /// stamp is written: recorded, applied, record cleared.
    ///
    /// # Errors
    /// Record, state, journal and git errors.
    pub(crate) fn apply_hand_stamp(&self, claimed: &State, stamp: PendingStamp) -> Result<()> {
        self.record.save(&TurnRecord {
            actor: stamp.entry.actor,
            claimed: claimed.clone(),
            stamp: Some(stamp.clone()),
            journal: None,
        })?;
        self.apply_stamp(&stamp)?;
        self.record.clear()?;
        Ok(())
    }

    /// Takes a pending `baton stop` request at a turn boundary (no turn running): writes it
    /// into the state's stop flag and, with git, commits the state as
    /// `[SYNC i=<it>] stop: <reason>`. Returns the stopped state, or `None` without a request.
    ///
    /// # Errors
    /// State and git errors.
    pub(crate) fn take_stop_request(&self) -> Result<Option<State>> {
        let Some(reason) = self.inbox.pending_stop() else {
            return Ok(None);
        };
        let mut state = self.load_state()?;
        state.request_stop(&reason);
        self.store.save(&mut state).context("save the stop flag")?;
        self.commit_stop(&state)?;
        self.inbox.clear_stop()?;
        Ok(Some(state))
    }

    /// Commits the state file alone as `[SYNC i=<it>] stop: <reason>` (when git is in use and
    /// the file changed).
    ///
    /// # Errors
    /// Git errors.
    pub(crate) fn commit_stop(&self, state: &State) -> Result<()> {
        let reason = state.stop_requested().unwrap_or_default();
        self.commit_state(&stop_message(state.iteration, &reason))
    }

    /// Commits the state file alone with `message` (made by [`crate::turn::subject`]; when git
    /// is in use and the file changed).
    ///
    /// # Errors
    /// Git errors.
    pub(crate) fn commit_state(&self, message: &str) -> Result<()> {
        let Some(repo) = self.repo.as_ref().filter(|_| !self.commit_dry_run) else {
            return Ok(());
        };
        let Some(rel) = repo.relative(&self.config.state_file) else {
            return Ok(());
        };
        let paths = [rel];
        if repo.differs_from_head(&paths)? {
            let sha = repo.commit_paths(&paths, message)?;
            self.events
                .committed(CommitKind::State, &sha, subject_of(message));
        }
        Ok(())
    }

    /// Finishes what a run that died left in the turn record (see [`super::record`]): applies a
    /// decided stamp, or, for a turn that never got one, restores the running marker when the
    /// state file is unreadable or gone, so that the turn runs again. Says what it did. Call it
    /// once at start, holding the runner lock and before the state is read.
    ///
    /// # Errors
    /// Record, state, journal and git errors.
    pub(crate) fn recover(&self) -> Result<()> {
        let Some(record) = self.record.load()? else {
            return Ok(());
        };
        let actor = record.actor;
        let iteration = record.claimed.iteration;
        match &record.stamp {
            Some(stamp) => {
                warn_line!(
                    self.events,
                    "[baton] a previous run stopped while stamping {actor}'s turn (iteration \
                     {iteration}); finishing its stamp"
                );
                self.apply_stamp(stamp)?;
            }
            None => {
                if let Some(sealed) = &record.journal {
                    restore_sealed_journal(self, sealed)?;
                }
                let (state, ignored) = owned_state(self, &record.claimed);
                let replaced = !ignored.is_empty();
                if replaced {
                    self.store
                        .write(&state)
                        .context("restore the running marker")?;
                }
                warn_line!(
                    self.events,
                    "[baton] a previous run stopped during {actor}'s turn (iteration \
                     {iteration}) before its stamp; the turn runs again{}",
                    if replaced {
                        "; the state file it left unreadable was restored"
                    } else {
                        ""
                    }
                );
            }
        }
        self.record.clear()?;
        Ok(())
    }
}
