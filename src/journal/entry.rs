//! A journal line's format: one [`JournalEntry`] per finished turn (its actor, outcome,
//! usage, completion check, and the workers' [`TaskRun`]s with their [`Landing`]s), written as
//! one JSON object by [`super::line_of`] and read back by [`super::parse_segment`].

use serde::{Deserialize, Serialize};

use crate::state::Actor;

/// How a turn ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Outcome {
    /// The agent exited 0 (and the guards passed).
    Ok,
    /// The agent exited non-zero, was killed, or a guard or router check failed.
    Failed,
    /// `agent.timeout` ended it.
    Timeout,
    /// SIGINT or SIGTERM to baton ended it.
    Interrupted,
    /// The agent hit a usage or rate limit; the same turn runs again after `retry_at`.
    Limited,
    /// The agent neither wrote output nor changed files for `agent.idle_timeout`.
    Stalled,
}

impl Outcome {
    /// The journal spelling (`ok`, `failed`, `timeout`, `interrupted`, `limited`, `stalled`).
    #[must_use]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Timeout => "timeout",
            Outcome::Interrupted => "interrupted",
            Outcome::Limited => "limited",
            Outcome::Stalled => "stalled",
        }
    }
}

/// What the agent reported about its own use of the model: each field as the agent's
/// structured output gave it, `null` where it reported nothing (never estimated). Text-mode
/// agents report nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Usage {
    /// Input (prompt) tokens, cached ones included.
    pub(crate) input_tokens: Option<u64>,
    /// Output (completion) tokens.
    pub(crate) output_tokens: Option<u64>,
    /// Input tokens served from the provider's prompt cache.
    pub(crate) cached_input_tokens: Option<u64>,
    /// Cost in US dollars, as the agent computed it.
    pub(crate) cost_usd: Option<f64>,
    /// The model that answered.
    pub(crate) model: Option<String>,
    /// The agent's session id (to resume or look it up).
    pub(crate) session_id: Option<String>,
    /// Tool calls the agent made.
    pub(crate) tool_calls: Option<u64>,
}

/// A turn's completion claim (its final message ended with `completion.promise`) and what
/// `completion.verify` said of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Completion {
    /// Every verify command exited 0 (vacuously, with none configured).
    pub(crate) verified: bool,
    /// The first verify command that failed (its argv joined by spaces), if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) failed: Option<String>,
    /// Its exit code (`None` when it could not start, was killed or timed out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) exit_code: Option<i32>,
    /// The verify log, relative to the workspace root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) log: Option<String>,
}

fn one() -> u32 {
    1
}

/// One finished turn. Times are UTC `YYYY-MM-DDTHH:MM:SSZ`; `duration_ms` is milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct JournalEntry {
    /// The iteration the turn ran in.
    pub iteration: u64,
    /// Who ran.
    pub actor: Actor,
    /// The prompt file that ran (e.g. `main.md`).
    pub prompt: String,
    /// `deterministic` or `router`.
    pub source: String,
    /// The router's reason.
    pub reason: String,
    /// The agent name.
    pub agent: String,
    /// Start of the turn.
    pub started_at: String,
    /// End of the turn.
    pub ended_at: String,
    /// Wall-clock length in milliseconds.
    pub duration_ms: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// The agent's exit code (`None` when killed by a signal or never started).
    pub exit_code: Option<i32>,
    /// HEAD before the turn: a full SHA (journals of earlier versions hold 7-digit ones).
    pub head_before: Option<String>,
    /// HEAD after the turn (after auto-commit), a full SHA.
    pub head_after: Option<String>,
    /// Files changed between the two heads.
    pub files_changed: u64,
    /// Lines inserted between the two heads.
    pub insertions: u64,
    /// Lines deleted between the two heads.
    pub deletions: u64,
    /// The turn log, relative to the workspace root.
    pub log: String,
    /// Host name of the machine that ran the turn.
    pub host: String,
    /// State generation after the stamp.
    pub generation: u64,
    /// Paths still dirty after auto-commit (omitted when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirty_left: Vec<String>,
    /// Changes an agent made to the state file during the turn that Baton ignored (Baton owns
    /// the state; agents may set only `exit`/`exit_reason`): the names of the fields changed,
    /// or `invalid JSON` / `deleted` for the whole file. Omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_ignored: Vec<String>,
    /// What the agent reported about its use of the model (journals of earlier versions:
    /// all `null`).
    #[serde(default)]
    pub usage: Usage,
    /// How many times the agent ran for this turn (transient errors are retried); 1 in
    /// journals of earlier versions.
    #[serde(default = "one")]
    pub attempts: u32,
    /// For a `limited` turn, when it runs again (UTC `YYYY-MM-DDTHH:MM:SSZ`); omitted
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<String>,
    /// A completion claim and its verdict; omitted when the turn claimed nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) completion: Option<Completion>,
    /// People's notes (`baton note`) delivered with this turn's prompt; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) notes_delivered: u32,
    /// What of the journal Baton put back at this stamp because it changed during the turn
    /// (Baton owns the journal; budgets count from it): `journal.jsonl shortened`,
    /// `journal/000002.jsonl deleted`, … (relative to the journal's directory; ` (no copy)`
    /// when there was nothing to put back). Omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) journal_restored: Vec<String>,
    /// The tasks the turn's workers ran (`workflow.workers`), in the order they ended; its
    /// `usage` is their sum. Omitted for a turn without workers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) tasks: Vec<TaskRun>,
    /// What was wrong with task files (a cycle, an unknown dependency, a bad name): those tasks
    /// were not run, and the supervisor is told. Omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) task_problems: Vec<String>,
}

/// How one worker's task ended (`docs/workflows.md`, "Landing").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Landing {
    /// Merged into the shared branch; the task file moved to `done/`.
    Landed,
    /// Git's 3-way merge with the shared head conflicts; nothing was merged.
    Conflict,
    /// `completion.verify` failed on the branch merged with the shared head; nothing landed.
    Red,
    /// The worker's turn failed (exit, timeout, stall, guard); the task is open again.
    Failed,
    /// The worker's agent hit a usage limit; the task is open again.
    Limited,
    /// Baton was interrupted; the task is open again.
    Interrupted,
}

impl std::fmt::Display for Landing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Landing::Landed => "landed",
            Landing::Conflict => "conflict",
            Landing::Red => "red",
            Landing::Failed => "failed",
            Landing::Limited => "limited",
            Landing::Interrupted => "interrupted",
        })
    }
}

/// One worker's task in a turn's journal line: who ran it, on which branch, how it ended and
/// what the agent reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct TaskRun {
    /// The worker (`ralph-2`).
    pub(crate) worker: String,
    /// The task id (its file name without `.md`).
    pub(crate) task: String,
    /// How it ended.
    pub(crate) landing: Landing,
    /// The worker's branch (`baton/ralph-2/<task>`), kept unless it landed.
    pub(crate) branch: String,
    /// The merge commit on the shared branch (full SHA), when it landed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) merge: Option<String>,
    /// The agent that ran it.
    pub(crate) agent: String,
    /// Its turn log, relative to the workspace root.
    pub(crate) log: String,
    /// Wall-clock length in milliseconds, from its start to its landing.
    pub(crate) duration_ms: u64,
    /// Milliseconds the landing itself took: the merge with the shared head and moving the
    /// shared branch (the verify excluded); 0 when it never got there.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub(crate) land_ms: u64,
    /// Milliseconds the claim took, for a task of the pool (`baton work`): the compare-and-swap
    /// push of its claim ref; 0 otherwise.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub(crate) claim_ms: u64,
    /// What the agent reported.
    #[serde(default)]
    pub(crate) usage: Usage,
    /// Agent runs made for it.
    pub(crate) attempts: u32,
    /// Paths that conflict (a `conflict`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) conflicts: Vec<String>,
    /// Why it did not land (a failure, the red verify command), one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The verify log of a `red` landing, relative to the workspace root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) verify_log: Option<String>,
}

impl TaskRun {
    /// A task `worker` runs on `branch`, before anything is known of how it went: `failed`
    /// until its landing says otherwise, nothing reported, one agent run.
    #[must_use]
    pub(crate) fn new(worker: &str, task: &str, branch: &str) -> TaskRun {
        TaskRun {
            worker: worker.to_owned(),
            task: task.to_owned(),
            landing: Landing::Failed,
            branch: branch.to_owned(),
            merge: None,
            agent: String::new(),
            log: String::new(),
            duration_ms: 0,
            land_ms: 0,
            claim_ms: 0,
            usage: Usage::default(),
            attempts: 1,
            conflicts: Vec::new(),
            error: None,
            verify_log: None,
        }
    }
}

impl Usage {
    /// `self` with `other` added: each count summed where either reported one; the model and
    /// session of the last that reported them.
    #[must_use]
    pub(crate) fn plus(mut self, other: &Usage) -> Usage {
        fn add<T: Copy + std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            }
        }
        self.input_tokens = add(self.input_tokens, other.input_tokens);
        self.output_tokens = add(self.output_tokens, other.output_tokens);
        self.cached_input_tokens = add(self.cached_input_tokens, other.cached_input_tokens);
        self.cost_usd = add(self.cost_usd, other.cost_usd);
        self.tool_calls = add(self.tool_calls, other.tool_calls);
        if other.model.is_some() {
            self.model.clone_from(&other.model);
        }
        if other.session_id.is_some() {
            self.session_id.clone_from(&other.session_id);
        }
        self
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}
