//! Pure state transitions of one turn (SPEC §3 table).

use std::time::SystemTime;

use crate::state::{Actor, Claim, Handoff, State};

/// Formats `t` as UTC `YYYY-MM-DDTHH:MM:SSZ`.
#[must_use]
pub fn format_utc(t: SystemTime) -> String {
    let _ = t;
    todo!("state helper")
}

impl State {
    /// Marks `actor`'s turn as running: `running-<actor>`, lease owner and expiry set,
    /// `expected_actor = actor`, `last_error` cleared, `last_update = now`.
    pub fn start_turn(&mut self, actor: Actor, claim: &Claim) {
        let _ = (actor, claim);
        todo!("state helper")
    }

    /// Stamps a successful turn of `actor` that ran `prompt`, leaving HEAD at `commit`.
    ///
    /// `ToPeer`: galph → expected ralph, `waiting-ralph`; ralph → expected galph, `complete`,
    /// iteration + 1. `Stay`: iteration + 1, expected stays `actor`, `complete`. Both set
    /// `<actor>_commit`, `last_prompt`, `last_prompt_actor`, clear lease and `last_error`.
    pub fn finish_ok(
        &mut self,
        actor: Actor,
        prompt: &str,
        commit: Option<String>,
        handoff: Handoff,
        now: SystemTime,
    ) {
        let _ = (actor, prompt, commit, handoff, now);
        todo!("state helper")
    }

    /// Stamps a failed turn: `failed`, expected stays `actor`, `last_error = error`, lease
    /// cleared. `last_prompt` is left alone so that the retried turn routes the same way.
    pub fn finish_failed(
        &mut self,
        actor: Actor,
        error: &str,
        commit: Option<String>,
        now: SystemTime,
    ) {
        let _ = (actor, error, commit, now);
        todo!("state helper")
    }

    /// `Some(reason)` when the `exit` stop flag is truthy (true, non-zero number, non-empty
    /// string other than "0"/"false", non-empty array or object); the reason is `exit_reason`
    /// or `"exit flag set in the state"`.
    #[must_use]
    pub fn stop_requested(&self) -> Option<String> {
        todo!("state helper")
    }
}
