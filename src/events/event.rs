//! The events' format: each [`Event`] is one phase of a run, serialised as one line of the
//! event log (`{"kind": "<kind>", …fields}` after the envelope `v`, `seq`, `ts` and `pid` the
//! log adds; schema in `docs/state.md`) and printed by the console subscriber.

use std::path::Path;

use serde::Serialize;

use crate::journal::{Outcome, Usage};
use crate::state::{Actor, Status};

/// How serious a [`Event::Notice`] is: `info` goes to stdout, `warning` to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Level {
    /// Progress a person may want to see.
    Info,
    /// Something went wrong or needs attention, and the run goes on.
    Warning,
}

/// What a [`Event::Heartbeat`] is waiting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WaitingOn {
    /// The peer's turn (a role-mode daemon waiting for its own).
    Peer,
    /// A usage limit's reset time (`limit_until` in the state).
    Limit,
    /// A person's answer at an approval checkpoint.
    Approval,
}

/// Which commit a [`Event::Committed`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CommitKind {
    /// A role-mode running marker (the claim).
    Claim,
    /// Part of a turn's work, taken by auto-commit.
    Autocommit,
    /// A turn's stamp (state and journal).
    Stamp,
    /// A state-only change between turns (stop flag, note, approval).
    State,
    /// A worker's landing: the merge commit of its branch into the shared branch.
    Land,
}

/// One phase of a run.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Event<'a> {
    /// A run started: `mode` is `combined`, `supervisor`, `loop` or `role`.
    RunStarted {
        mode: &'a str,
        actor: Option<Actor>,
        host: &'a str,
    },
    /// A role-mode daemon waits for its turn (`peer`'s, or until a person answers): the lease
    /// advertised in the state as it last pulled it, when a turn is running.
    Waiting {
        actor: Actor,
        peer: Actor,
        lease_owner: Option<&'a str>,
        lease_expires_at: Option<&'a str>,
    },
    /// Still waiting (every `agent.heartbeat`): `actor` is the actor whose turn waits,
    /// `waiting_on` what for, `detail` one line for people (the peer's lease, the limit's
    /// countdown, the waiting turn; may be empty).
    Heartbeat {
        actor: Actor,
        waiting_on: WaitingOn,
        /// Whose turn it is, when `waiting_on` is `peer` and the state says.
        peer: Option<Actor>,
        waited_secs: u64,
        detail: &'a str,
    },
    /// A turn was claimed (the running marker written).
    TurnClaimed { actor: Actor, iteration: u64 },
    /// A worker took a task (`workflow.workers`): `worker` is `<actor>-<n>`, `branch` its
    /// branch, in a worktree of its own.
    WorkerStarted {
        actor: Actor,
        iteration: u64,
        worker: &'a str,
        task: &'a str,
        branch: &'a str,
    },
    /// A worker's task ended: `landing` says how (`landed`, `conflict`, `red`, `failed`,
    /// `limited`, `interrupted`), `merge` is the merge commit of a landed task, `conflicts`
    /// the paths of a conflict, `error` why it did not land.
    WorkerEnded {
        actor: Actor,
        iteration: u64,
        worker: &'a str,
        task: &'a str,
        landing: crate::journal::Landing,
        merge: Option<&'a str>,
        conflicts: &'a [String],
        error: Option<&'a str>,
    },
    /// The turn's prompt was chosen.
    Routed {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
        source: &'a str,
        reason: &'a str,
    },
    /// An agent run started; `rule` is the configuration that chose the agent, `log` the turn
    /// log that holds its rendered transcript.
    AgentStarted {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
        agent: &'a str,
        rule: &'a str,
        log: &'a Path,
    },
    /// A piece of the running agent's transcript (whole lines; capped per turn, see
    /// [`TRANSCRIPT_CAP`](super::TRANSCRIPT_CAP); `truncated` once the cap is reached).
    Transcript { text: &'a str, truncated: bool },
    /// A tool call of the running agent, read from its structured output (claude, codex,
    /// gemini, opencode): the tool's name and its main argument; counted in the same cap.
    ToolCall { name: &'a str, arg: Option<&'a str> },
    /// A transient failure or a stall: the same agent runs again after `wait_ms` (`wait_secs`
    /// in whole seconds, as the first readers of the log know it), as run number `attempt` of
    /// at most `of`.
    Retry {
        actor: Actor,
        reason: &'a str,
        attempt: u32,
        of: u32,
        wait_ms: u64,
        wait_secs: u64,
    },
    /// An agent hit a usage limit and a fallback agent runs instead.
    Fallback {
        actor: Actor,
        from: &'a str,
        to: &'a str,
        reason: &'a str,
    },
    /// A commit Baton made.
    Committed {
        what: CommitKind,
        sha: &'a str,
        subject: &'a str,
    },
    /// Baton pushed the branch (role mode).
    Pushed { remote: &'a str, branch: &'a str },
    /// A role-mode clone moved forward to the remote's commits (`sha`): the peer's claim,
    /// stamp, or a flag pushed from another clone arrived.
    Fetched {
        remote: &'a str,
        branch: &'a str,
        sha: &'a str,
    },
    /// The turn was stamped: the journal line's outcome and receipt, and the state after it.
    Stamped {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
        outcome: Outcome,
        duration_ms: u64,
        attempts: u32,
        usage: &'a Usage,
        head_after: Option<&'a str>,
        retry_at: Option<&'a str>,
        error: Option<&'a str>,
        status: Status,
        next_actor: Actor,
        next_iteration: u64,
    },
    /// The supervisor's completion claim passed its checks; the run stops.
    Completed {
        actor: Actor,
        iteration: u64,
        reason: &'a str,
    },
    /// A budget was reached: the stop flag is set.
    BudgetReached { iteration: u64, reason: &'a str },
    /// The loop made no progress: the stop flag is set.
    StuckDetected { iteration: u64, reason: &'a str },
    /// A turn waits for a person's approval (`approval.before`).
    ApprovalRequested {
        actor: Actor,
        iteration: u64,
        prompt: &'a str,
    },
    /// A person approved (`approved: true`) or rejected the waiting turn.
    ApprovalDecided {
        actor: Actor,
        iteration: u64,
        approved: bool,
        by: &'a str,
        note: Option<&'a str>,
    },
    /// A role-mode daemon found a commit that changed the state without being Baton's (a stamp
    /// that does not end the running claim, an approval not made by `baton approve`): `actor`
    /// is the daemon's, `iteration` the state's, `commit` the full SHA; both daemons are
    /// stopped.
    Alarm {
        actor: Actor,
        iteration: u64,
        commit: &'a str,
        reason: &'a str,
    },
    /// The run stops at a turn boundary: `why` is `flag`, `budget`, `stuck` or `complete`.
    Stopped { why: &'a str, reason: &'a str },
    /// The run ended with this exit code.
    RunEnded { code: u8 },
    /// Anything else worth a line: recoveries, warnings, what a dry run would commit.
    Notice { level: Level, text: &'a str },
}
