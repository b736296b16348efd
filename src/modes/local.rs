//! Local mode: every turn of the run in this process, on this clone (combined runs, and
//! `baton loop` / `baton supervisor` without a remote). Nothing is pushed and nothing is
//! waited for but people: their requests reach the run through its inbox.

use crate::error::Result;
use crate::modes::approval;
use crate::modes::run::{Mode, Plan};
use crate::modes::{FlagChange, check_signal};
use crate::state::{Actor, State};
use crate::turn::{Claimed, Session, TurnHooks};

/// A run in this process alone.
#[derive(Debug, Default)]
pub(crate) struct Local;

impl Mode for Local {
    fn start(&mut self, _: &Session, _: &Plan) -> Result<()> {
        Ok(())
    }

    /// Checks for a signal (exit 128 + N), then writes people's requests into the state: a
    /// pending `baton stop` (committed as `[SYNC i=N] stop: …`), notes, an approval answer.
    fn boundary(&mut self, session: &Session, _: &Plan) -> Result<State> {
        check_signal()?;
        let mut state = match session.take_stop_request()? {
            Some(state) => state,
            None => session.load_state()?,
        };
        let notes = session.inbox.notes();
        for note in &notes {
            FlagChange::Note(note.clone()).write(session, &mut state)?;
        }
        session.inbox.clear_notes(&notes)?;
        approval::take_decision(session, &mut |change| change.write(session, &mut state))?;
        Ok(state)
    }

    fn write(&mut self, session: &Session, change: FlagChange) -> Result<()> {
        change.write(session, &mut session.load_state()?)
    }

    fn await_answer(&mut self, session: &Session, state: &State) -> Result<()> {
        approval::wait_local(session, state)
    }

    fn runs_beside(&self) -> bool {
        true
    }

    fn hooks(&mut self, _: &Session, _: Actor) -> Result<Box<dyn TurnHooks + '_>> {
        Ok(Box::new(LocalHooks))
    }
}

/// Nothing around a local turn: the runner makes the local stamp commit itself, and there is
/// no remote to claim on or push to.
#[derive(Debug, Default)]
struct LocalHooks;

impl TurnHooks for LocalHooks {
    fn claimed(&mut self, _: &Session, _: &State) -> Result<Claimed> {
        Ok(Claimed::Won)
    }

    fn stamped(&mut self, _: &Session, _: &State, _: &crate::journal::JournalEntry) -> Result<()> {
        Ok(())
    }
}
