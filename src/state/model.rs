//! The shared state of a Baton workspace (`sync/state.json`, `docs/state.md`) and its pure
//! transitions.
//!
//! Every function here is pure: time, lease length and the lease owner come in as arguments, so
//! the transitions can be unit-tested and property-tested without a clock or a file system.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::state::actor::Actor;

/// The longest note text `baton note`, `approve --note` and `reject --note` take (bytes): a
/// note is committed with the state and goes into the agent's environment, where one variable
/// holds at most 128 KiB.
pub const NOTE_MAX_BYTES: usize = 16 * 1024;

/// A note from a person (`baton note`), delivered with the next turn of `to` (either actor
/// when absent): appended to the agent's prompt and given in `BATON_NOTE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The actor it is for; absent = the next turn of either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Actor>,
    /// The message.
    pub text: String,
    /// Who left it (`user@host`).
    pub from: String,
    /// When (UTC).
    pub at: String,
}

/// Where the workflow stands (`status` in the state file): `idle`, `running-<actor>`,
/// `waiting-<actor>`, `complete`, `failed`, `limited`, `awaiting-approval` on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Nothing has run yet.
    Idle,
    /// That actor's turn is running.
    Running(Actor),
    /// That actor's turn is next (the turn before it in the iteration finished).
    Waiting(Actor),
    /// The last turn finished and the iteration (or solo turn) is complete.
    Complete,
    /// The last turn failed; `last_error` says why. Not sticky: the next start retries it.
    Failed,
    /// The last turn's agent hit a usage or rate limit: the same turn runs again once
    /// `limit_until` has passed (`limit_reason` says what the agent said).
    Limited,
    /// The next turn (`approval.actor`'s) waits for a person: `baton approve` or `baton reject`.
    AwaitingApproval,
}

impl Status {
    /// The `running-<actor>` status for `actor`.
    #[must_use]
    pub fn running(actor: Actor) -> Status {
        Status::Running(actor)
    }

    /// The wire name, e.g. `waiting-ralph`.
    #[must_use]
    pub fn as_str(self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow;
        Cow::Borrowed(match self {
            Status::Idle => "idle",
            Status::Running(actor) => return Cow::Owned(format!("running-{actor}")),
            Status::Waiting(actor) => return Cow::Owned(format!("waiting-{actor}")),
            Status::Complete => "complete",
            Status::Failed => "failed",
            Status::Limited => "limited",
            Status::AwaitingApproval => "awaiting-approval",
        })
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// A message naming what is accepted.
    pub fn parse(text: &str) -> Result<Status, String> {
        let actor = |name: &str| Actor::new(name).map_err(|e| format!("status `{text}`: {e}"));
        match text {
            "idle" => Ok(Status::Idle),
            "complete" => Ok(Status::Complete),
            "failed" => Ok(Status::Failed),
            "limited" => Ok(Status::Limited),
            "awaiting-approval" => Ok(Status::AwaitingApproval),
            other => match (
                other.strip_prefix("running-"),
                other.strip_prefix("waiting-"),
            ) {
                (Some(name), _) => Ok(Status::Running(actor(name)?)),
                (_, Some(name)) => Ok(Status::Waiting(actor(name)?)),
                _ => Err(format!(
                    "unknown variant `{text}`, expected one of `idle`, `running-<actor>`, \
                     `waiting-<actor>`, `complete`, `failed`, `limited`, `awaiting-approval`"
                )),
            },
        }
    }

    /// The actor whose turn runs, when one does.
    #[must_use]
    pub fn running_actor(self) -> Option<Actor> {
        match self {
            Status::Running(actor) => Some(actor),
            _ => None,
        }
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Status::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// What a successful turn hands over to: the peer (combined and role mode) or the same actor
/// again (supervisor-only and loop-only runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handoff {
    /// Alternate galph → ralph → galph; ralph's success advances the iteration.
    ToPeer,
    /// Single-actor run: every successful turn advances the iteration, the actor stays.
    Stay,
}

impl Handoff {
    /// Where `actor`'s successful turn leads with the default pair's graph.
    #[must_use]
    pub fn next(self, actor: Actor) -> Next {
        match self {
            Handoff::ToPeer if actor == Actor::GALPH => Next::Actor(Actor::RALPH),
            Handoff::ToPeer => Next::End {
                start: Actor::GALPH,
            },
            Handoff::Stay => Next::End { start: actor },
        }
    }
}

/// Where a successful turn leads (the workflow decides, see [`crate::workflow`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// That actor's turn is next in this iteration: `waiting-<actor>`.
    Actor(Actor),
    /// The iteration ends: `complete`, iteration + 1, and `start`'s turn is next.
    End {
        /// Where the next iteration starts.
        start: Actor,
    },
}

/// Who claims a turn, and for how long (the lease advertised in the state).
#[derive(Clone, Debug)]
pub struct Claim {
    /// Wall-clock time of the claim.
    pub now: SystemTime,
    /// How long the lease is advertised (`git.lease`, default 10 min).
    pub lease: Duration,
    /// `host:pid` of the claiming process.
    pub owner: String,
    /// `<boot id>/<start ticks>` of the claiming process, when it can be read.
    pub owner_start: Option<String>,
}

/// The contents of `sync/state.json` (`docs/state.md`). Field order is the wire order.
///
/// Missing fields take their defaults; unknown keys are kept in `extra` and written back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// 1-based iteration; advanced by a successful ralph turn (every turn in solo runs).
    pub iteration: u64,
    /// Whose turn it is.
    pub expected_actor: Actor,
    /// Where the workflow stands.
    pub status: Status,
    /// UTC `YYYY-MM-DDTHH:MM:SSZ` of the last write.
    pub last_update: Option<String>,
    /// UTC `YYYY-MM-DDTHH:MM:SSZ` at which the running turn's lease ends.
    pub lease_expires_at: Option<String>,
    /// Short SHA of HEAD after galph's last turn.
    pub galph_commit: Option<String>,
    /// Short SHA of HEAD after ralph's last turn.
    pub ralph_commit: Option<String>,
    /// HEAD after the last turn of each actor besides galph and ralph (whose commits stay in
    /// `galph_commit` / `ralph_commit`, as the Python tool wrote them).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub commits: std::collections::BTreeMap<Actor, String>,
    /// The prompt file that ran last (e.g. `reviewer.md`).
    pub last_prompt: Option<String>,
    /// The actor that ran `last_prompt`.
    pub last_prompt_actor: Option<Actor>,
    /// +1 on every write; used to fence stale stamps.
    pub generation: u64,
    /// `host:pid` of the process running the current turn.
    pub lease_owner: Option<String>,
    /// `<boot id>/<start ticks>` of that process: tells it from a later process that reuses
    /// its pid. Absent when no turn runs (and in files of older versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_owner_start: Option<String>,
    /// Why the last turn failed (`agent exited 7`, `timeout after 90m`, `router: …`).
    pub last_error: Option<String>,
    /// While `limited`: when the turn runs again (UTC `YYYY-MM-DDTHH:MM:SSZ`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_until: Option<String>,
    /// While `limited`: the agent's words about its limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_reason: Option<String>,
    /// Optional stop flag set by a person or an agent; any truthy JSON value stops the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<Value>,
    /// Why the stop flag was set; printed when the run stops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_reason: Option<String>,
    /// Notes from people (`baton note`) waiting for the next turn of their actor
    /// (`pending_notes` on the wire: the Python tool's files may carry their own `notes`).
    #[serde(
        default,
        rename = "pending_notes",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub notes: Vec<Note>,
    /// The approval checkpoint of the next (or running) turn, when `approval.before` names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<crate::state::Approval>,
    /// Where the iteration stands in a workflow, when that says more than `expected_actor` and
    /// `status` do (several actors ready or running, a join half done, a loop counted); see
    /// [`State::progress`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<crate::workflow::Progress>,
    /// Keys this version does not know; preserved across writes.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for State {
    fn default() -> Self {
        State {
            iteration: 1,
            expected_actor: Actor::GALPH,
            status: Status::Idle,
            last_update: None,
            lease_expires_at: None,
            galph_commit: None,
            ralph_commit: None,
            commits: std::collections::BTreeMap::new(),
            last_prompt: None,
            last_prompt_actor: None,
            generation: 0,
            lease_owner: None,
            lease_owner_start: None,
            last_error: None,
            limit_until: None,
            limit_reason: None,
            exit: None,
            exit_reason: None,
            notes: Vec::new(),
            approval: None,
            workflow: None,
            extra: Map::new(),
        }
    }
}
