//! Pure state transitions of one turn (the table in `docs/state.md`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::state::{Actor, Claim, Next, State, Status};

/// The last second `humantime` can format (9999-12-31T23:59:59Z).
const MAX_FORMATTABLE_SECS: u64 = 253_402_300_799;

/// Formats `t` as UTC `YYYY-MM-DDTHH:MM:SSZ`.
///
/// Times before 1970 or after 9999 are clamped to that range (the formatter cannot show them).
#[must_use]
pub fn format_utc(t: SystemTime) -> String {
    let max = UNIX_EPOCH + Duration::from_secs(MAX_FORMATTABLE_SECS);
    let clamped = t.clamp(UNIX_EPOCH, max);
    humantime::format_rfc3339_seconds(clamped).to_string()
}

impl State {
    /// Marks `actor`'s turn as running: `running-<actor>`, lease owner and expiry set,
    /// `expected_actor = actor`, `last_error` cleared, `last_update = now`.
    ///
    /// The expiry is `claim.now + claim.lease`. `generation` is left to [`StateStore::save`].
    ///
    /// [`StateStore::save`]: crate::state::StateStore::save
    pub fn start_turn(&mut self, actor: Actor, claim: &Claim) {
        let expires = claim.now.checked_add(claim.lease).unwrap_or(claim.now);
        let mut progress = self.progress();
        progress.begin(actor);
        self.status = Status::running(actor);
        self.expected_actor = actor;
        self.lease_owner = Some(claim.owner.clone());
        self.lease_owner_start.clone_from(&claim.owner_start);
        self.lease_expires_at = Some(format_utc(expires));
        self.last_error = None;
        self.limit_until = None;
        self.limit_reason = None;
        self.last_update = Some(format_utc(claim.now));
        self.set_progress(progress);
    }

    /// Stamps a turn whose agent hit a usage or rate limit: `limited`, expected stays `actor`
    /// (the same turn runs again; the iteration is not consumed), `limit_until` and
    /// `limit_reason` set, lease cleared. `last_prompt` is left alone so the rerun routes the
    /// same way.
    pub fn finish_limited(
        &mut self,
        actor: Actor,
        until: SystemTime,
        reason: &str,
        commit: Option<String>,
        now: SystemTime,
    ) {
        let mut progress = self.progress();
        progress.again(actor);
        self.expected_actor = actor;
        self.status = Status::Limited;
        self.last_error = None;
        self.end_turn(actor, commit, now);
        self.limit_until = Some(format_utc(until));
        self.limit_reason = Some(reason.to_owned());
        self.set_progress(progress);
    }

    /// Stamps a successful turn of `actor` that ran `prompt`, leaving HEAD at `commit`.
    ///
    /// [`Next::Actor`]: expected that actor, `waiting-<actor>`. [`Next::End`]: iteration + 1,
    /// expected the start actor, `complete`. Both set `<actor>_commit`, `last_prompt`,
    /// `last_prompt_actor`, clear lease and `last_error`, and the `workflow` progress (a walker
    /// sets it after: [`State::set_progress`]). A `None` commit (HEAD unknown) leaves the
    /// previous `<actor>_commit` in place.
    pub fn finish_ok(
        &mut self,
        actor: Actor,
        prompt: &str,
        commit: Option<String>,
        next: Next,
        now: SystemTime,
    ) {
        let (expected, status, advance) = match next {
            Next::Actor(next) => (next, Status::Waiting(next), false),
            Next::End { start } => (start, Status::Complete, true),
        };
        // What the iteration says beyond `expected_actor` is the walker's to set after this.
        self.workflow = None;
        if advance {
            self.iteration = self.iteration.saturating_add(1);
        }
        self.expected_actor = expected;
        self.status = status;
        self.last_prompt = Some(prompt.to_owned());
        self.last_prompt_actor = Some(actor);
        self.last_error = None;
        self.approval = None;
        self.end_turn(actor, commit, now);
    }

    /// Stamps a failed turn: `failed`, expected stays `actor`, `last_error = error`, lease
    /// cleared. `last_prompt` is left alone so that the retried turn routes the same way.
    /// A `Some` commit (HEAD after the turn, e.g. after auto-commit) sets `<actor>_commit`.
    pub fn finish_failed(
        &mut self,
        actor: Actor,
        error: &str,
        commit: Option<String>,
        now: SystemTime,
    ) {
        let mut progress = self.progress();
        progress.again(actor);
        self.expected_actor = actor;
        self.status = Status::Failed;
        self.last_error = Some(error.to_owned());
        self.approval = None;
        self.end_turn(actor, commit, now);
        self.set_progress(progress);
    }

    /// After [`State::finish_failed`], a workflow step for `outcome: failed` takes the run on to
    /// `next`: that turn is next (`waiting-<actor>`), or the iteration ends (`complete`,
    /// iteration + 1); `last_error` stays to say what failed.
    pub fn take_failure_step(&mut self, next: Next) {
        match next {
            Next::Actor(actor) => {
                self.expected_actor = actor;
                self.status = Status::Waiting(actor);
            }
            Next::End { start } => {
                self.expected_actor = start;
                self.status = Status::Complete;
                self.iteration = self.iteration.saturating_add(1);
            }
        }
    }

    /// What both ends of a turn share: commit stamp, lease cleared, `last_update = now`.
    fn end_turn(&mut self, actor: Actor, commit: Option<String>, now: SystemTime) {
        if let Some(commit) = commit {
            match actor {
                Actor::GALPH => self.galph_commit = Some(commit),
                Actor::RALPH => self.ralph_commit = Some(commit),
                other => {
                    self.commits.insert(other, commit);
                }
            }
        }
        self.lease_owner = None;
        self.lease_owner_start = None;
        self.lease_expires_at = None;
        self.limit_until = None;
        self.limit_reason = None;
        self.last_update = Some(format_utc(now));
    }

    /// Where the iteration stands: the `workflow` field when the state has one, else what
    /// `expected_actor` and `status` say (that actor running, or ready).
    #[must_use]
    pub fn progress(&self) -> crate::workflow::Progress {
        self.workflow
            .clone()
            .unwrap_or_else(|| self.plain_progress())
    }

    /// The progress `expected_actor` and `status` alone say.
    fn plain_progress(&self) -> crate::workflow::Progress {
        let mut progress = crate::workflow::Progress::default();
        match self.status {
            Status::Running(actor) => progress.running.push(actor),
            _ => progress.ready.push(self.expected_actor),
        }
        progress
    }

    /// Keeps `progress`: in the `workflow` field only when it says more than `expected_actor`
    /// and `status` do (so the default pair's files look as they always did).
    pub fn set_progress(&mut self, progress: crate::workflow::Progress) {
        self.workflow = (progress != self.plain_progress()).then_some(progress);
    }

    /// Sets the stop flag: `exit: true` with `reason` as `exit_reason`.
    pub fn request_stop(&mut self, reason: &str) {
        self.exit = Some(Value::Bool(true));
        self.exit_reason = Some(reason.to_owned());
    }

    /// The notes for `actor`'s turn (addressed to it or to nobody); they stay in the state
    /// until [`State::drop_notes`] removes them with the turn's `ok` stamp, so that a turn that
    /// fails, hits a limit or whose Baton dies gets them again when it runs again.
    #[must_use]
    pub fn notes_for(&self, actor: Actor) -> Vec<crate::state::Note> {
        self.notes
            .iter()
            .filter(|n| n.to.is_none_or(|to| to == actor))
            .cloned()
            .collect()
    }

    /// Removes `delivered` notes (those of [`State::notes_for`] that went with a successful
    /// turn); notes added since stay.
    pub fn drop_notes(&mut self, delivered: &[crate::state::Note]) {
        self.notes.retain(|n| !delivered.contains(n));
    }

    /// Clears the stop flag (`exit` and `exit_reason` removed).
    pub fn clear_stop(&mut self) {
        self.exit = None;
        self.exit_reason = None;
    }

    /// `Some(reason)` when the `exit` stop flag is truthy (true, non-zero number, non-empty
    /// string other than "0"/"false", non-empty array or object); the reason is `exit_reason`
    /// or `"exit flag set in the state"`.
    ///
    /// Strings are compared trimmed and case-insensitively (`" False "` is falsy).
    #[must_use]
    pub fn stop_requested(&self) -> Option<String> {
        if !self.exit.as_ref().is_some_and(is_truthy) {
            return None;
        }
        let reason = self
            .exit_reason
            .as_deref()
            .map(str::trim)
            .filter(|reason| !reason.is_empty())
            .unwrap_or("exit flag set in the state");
        Some(reason.to_owned())
    }
}

/// JSON truthiness of the stop flag (see [`State::stop_requested`]).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => {
            let text = text.trim();
            !(text.is_empty() || text == "0" || text.eq_ignore_ascii_case("false"))
        }
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}
