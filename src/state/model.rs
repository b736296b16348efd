//! The shared state of a Baton workspace (`sync/state.json`, `docs/state.md`) and its pure
//! transitions.
//!
//! Every function here is pure: time, lease length and the lease owner come in as arguments, so
//! the transitions can be unit-tested and property-tested without a clock or a file system.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One of the two actors that take turns: the supervisor (`galph`) or the engineer (`ralph`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    /// The supervisor: plans, reviews, writes the next instruction.
    Galph,
    /// The engineer ("main", "loop"): does the work.
    Ralph,
}

impl Actor {
    /// Both actors, in turn order.
    pub const ALL: [Actor; 2] = [Actor::Galph, Actor::Ralph];

    /// The other actor.
    #[must_use]
    pub fn peer(self) -> Actor {
        match self {
            Actor::Galph => Actor::Ralph,
            Actor::Ralph => Actor::Galph,
        }
    }

    /// The canonical lower-case name (`galph` or `ralph`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Galph => "galph",
            Actor::Ralph => "ralph",
        }
    }

    /// Parses a name or alias: `galph`/`supervisor`, `ralph`/`loop`/`main` (case-insensitive).
    #[must_use]
    pub fn parse_alias(name: &str) -> Option<Actor> {
        match name.trim().to_ascii_lowercase().as_str() {
            "galph" | "supervisor" => Some(Actor::Galph),
            "ralph" | "loop" | "main" => Some(Actor::Ralph),
            _ => None,
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// Where the workflow stands (`status` in the state file, kebab-case on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Nothing has run yet.
    Idle,
    /// galph's turn is running.
    RunningGalph,
    /// galph finished; ralph's turn is next.
    WaitingRalph,
    /// ralph's turn is running.
    RunningRalph,
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
        match actor {
            Actor::Galph => Status::RunningGalph,
            Actor::Ralph => Status::RunningRalph,
        }
    }

    /// The wire name, e.g. `waiting-ralph`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::RunningGalph => "running-galph",
            Status::WaitingRalph => "waiting-ralph",
            Status::RunningRalph => "running-ralph",
            Status::Complete => "complete",
            Status::Failed => "failed",
            Status::Limited => "limited",
            Status::AwaitingApproval => "awaiting-approval",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    /// Keys this version does not know; preserved across writes.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for State {
    fn default() -> Self {
        State {
            iteration: 1,
            expected_actor: Actor::Galph,
            status: Status::Idle,
            last_update: None,
            lease_expires_at: None,
            galph_commit: None,
            ralph_commit: None,
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
            extra: Map::new(),
        }
    }
}
