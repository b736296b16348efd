//! The one author, and the one reader, of the commit messages Baton writes: the `[SYNC …]`
//! subjects (README, "Two machines"; docs/state.md, "Stamp commits") and the `Baton-*` trailers
//! that tie a stamp to the claim it ends and mark approvals made by `baton approve`.
//!
//! Trailers follow git's trailer convention (the last paragraph, `Key: value` lines), so `git
//! log --format=%(trailers)` shows them:
//!
//! - `Baton-Claim: <id>` on a claim (the running marker);
//! - `Baton-Stamp: <id>` on the stamp that ends that claim (and on `baton stamp` over it);
//! - `Baton-Alarm: <id>` (or `none`) on the stop commit of an alarm, which puts that claim's
//!   running marker back;
//! - `Baton-Decision: approve|reject <actor> <iteration>` on `baton approve` / `baton reject`;
//! - `Baton-Task: <id>` on a worker's landing, the merge commit of its branch;
//! - `Baton-Task-Claim: <id>` after it on a pool worker's landing: the claim it landed under;
//! - `Baton-Rewind: <stamp>` on `baton rewind`'s commit, naming the stamp it went back to.
//!
//! A claim id is 16 hex digits, new for every claim.
//!
//! The pool's claim commits (`[CLAIM] <task> by <worker>@<host>`, on `refs/baton/claims/<task>`,
//! never on a branch) and the `Baton-Task-Claim` trailer are written and read by
//! `crate::pool::claim`, below the turn; [`pool_land_message`] calls it (docs/pool.md).

use std::hash::{BuildHasher, Hasher};

use crate::journal::JournalEntry;
use crate::state::{Actor, Decision, Note, State, Status};
use crate::text::short_sha;

/// Emits the `stamped` event of a turn: the journal line's outcome and receipt, and the state
/// after it (the console prints the one-line summary).
pub(crate) fn announce(events: &crate::events::Events, entry: &JournalEntry, state: &State) {
    let error = match entry.outcome {
        crate::journal::Outcome::Limited => state.limit_reason.as_deref(),
        _ => state.last_error.as_deref(),
    };
    events.emit(&crate::events::Event::Stamped {
        actor: entry.actor,
        iteration: entry.iteration,
        prompt: &entry.prompt,
        outcome: entry.outcome,
        duration_ms: entry.duration_ms,
        attempts: entry.attempts,
        usage: &entry.usage,
        head_after: entry.head_after.as_deref(),
        retry_at: entry.retry_at.as_deref(),
        error,
        status: state.status,
        next_actor: state.expected_actor,
        next_iteration: state.iteration,
    });
}

/// A new claim id: 16 hex digits from the process's random hash keys, the clock and the pid
/// (unique, not secret: anything that can read the repository can read it).
#[must_use]
pub(crate) fn new_claim_id() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// The stamp commit subject for the state after a stamp (README, "Two machines"):
/// `[SYNC i=<it>] actor=<a> → next=<b> status=ok <a>_commit=<sha>`,
/// `[SYNC i=<it>] actor=<a> status=fail <a>_commit=<sha>` or
/// `[SYNC i=<it>] actor=<a> status=limited until=<time>`.
#[must_use]
pub(crate) fn stamp_subject(state: &State, actor: Actor) -> String {
    let commit = match actor {
        Actor::GALPH => state.galph_commit.as_deref(),
        Actor::RALPH => state.ralph_commit.as_deref(),
        other => state.commits.get(&other).map(String::as_str),
    }
    .map_or("none", short_sha);
    let it = state.iteration;
    if state.status == Status::Limited {
        let until = state.limit_until.as_deref().unwrap_or("-");
        return format!("[SYNC i={it}] actor={actor} status=limited until={until}");
    }
    if state.status == Status::Failed {
        format!("[SYNC i={it}] actor={actor} status=fail {actor}_commit={commit}")
    } else {
        let next = state.expected_actor;
        format!("[SYNC i={it}] actor={actor} → next={next} status=ok {actor}_commit={commit}")
    }
}

/// The stamp commit's message: [`stamp_subject`], and `Baton-Stamp: <claim>` when the turn was
/// claimed on a remote (role mode, or `baton stamp` over a claimed turn).
#[must_use]
pub(crate) fn stamp_message(state: &State, actor: Actor, claim: Option<&str>) -> String {
    with_trailer(stamp_subject(state, actor), STAMP, claim)
}

/// The claim commit's message: `[SYNC i=<it>] actor=<a> status=running` and `Baton-Claim`.
#[must_use]
pub(crate) fn claim_message(state: &State, claim: &str) -> String {
    let subject = format!(
        "[SYNC i={}] actor={} status=running",
        state.iteration, state.expected_actor
    );
    with_trailer(subject, CLAIM, Some(claim))
}

/// galph's first role-mode start without a state file.
pub(crate) const INIT_SUBJECT: &str = "[SYNC init] actor=galph status=idle";

/// `[SYNC i=<it>] stop: <reason>`.
#[must_use]
pub(crate) fn stop_message(iteration: u64, reason: &str) -> String {
    format!("[SYNC i={iteration}] stop: {reason}")
}

/// An alarm's stop commit: `[SYNC i=<it>] stop: <reason>` and `Baton-Alarm: <claim|none>`,
/// the claim whose running marker it puts back.
#[must_use]
pub(crate) fn alarm_message(iteration: u64, reason: &str, claim: Option<&str>) -> String {
    let subject = stop_message(iteration, reason);
    format!("{subject}\n\n{ALARM}: {}\n", claim.unwrap_or("none"))
}

/// `[SYNC i=<it>] resume`.
#[must_use]
pub(crate) fn resume_message(iteration: u64) -> String {
    format!("[SYNC i={iteration}] resume")
}

/// `[SYNC i=<it>] note for <actor|next turn>: <first 60 characters>`.
#[must_use]
pub(crate) fn note_message(iteration: u64, note: &Note) -> String {
    let to = note.to.as_ref().map_or("next turn", Actor::as_str);
    let text: String = note.text.chars().take(60).collect();
    format!("[SYNC i={iteration}] note for {to}: {text}")
}

/// `[SYNC i=<it>] <actor>'s turn (<prompt>) awaits approval`.
#[must_use]
pub(crate) fn approval_request_message(iteration: u64, actor: Actor, prompt: &str) -> String {
    format!("[SYNC i={iteration}] {actor}'s turn ({prompt}) awaits approval")
}

/// `[SYNC i=<it>] approved|rejected by <who>` and
/// `Baton-Decision: approve|reject <actor> <iteration>`.
#[must_use]
pub(crate) fn decision_message(iteration: u64, decision: &Decision, actor: Actor) -> String {
    let (verb, word) = if decision.approve {
        ("approved", "approve")
    } else {
        ("rejected", "reject")
    };
    format!(
        "[SYNC i={iteration}] {verb} by {}\n\n{DECISION}: {word} {actor} {iteration}\n",
        decision.by
    )
}

/// A landing, the merge commit of a worktree's branch into the shared branch: a worker's
/// `[LAND i=<it>] <worker>: task <id> (<branch>)` with `Baton-Task: <id>`, or a fan-out turn's
/// `[LAND i=<it>] <actor>: its turn (<branch>)`.
#[must_use]
pub(crate) fn land_message(
    iteration: u64,
    worker: &str,
    task: Option<&str>,
    branch: &str,
) -> String {
    match task {
        Some(task) => {
            let subject = format!("[LAND i={iteration}] {worker}: task {task} ({branch})");
            format!("{subject}\n\n{TASK}: {task}\n")
        }
        None => format!("[LAND i={iteration}] {worker}: its turn ({branch})"),
    }
}

/// A pool worker's landing (docs/pool.md): [`land_message`] of its task, then the
/// `Baton-Task-Claim: <claim id>` trailer, so that a worker whose landing was applied while its
/// answer was lost finds it on the shared branch.
#[must_use]
pub(crate) fn pool_land_message(
    iteration: u64,
    worker: &str,
    task: &str,
    branch: &str,
    claim: &str,
) -> String {
    let message = land_message(iteration, worker, Some(task), branch);
    format!("{message}{}", crate::pool::claim::landing_trailer(claim))
}

/// The merge of the shared head into a worker's branch, in its worktree, before its verify:
/// `[LAND] <worker>: the shared head merged in for verify (task <id>)`.
#[must_use]
pub(crate) fn land_sync_message(worker: &str, task: &str) -> String {
    format!("[LAND] {worker}: the shared head merged in for verify (task {task})")
}

/// A rewind (`baton rewind`): a commit that takes the tree of an earlier stamp back on top of
/// the branch, `[SYNC i=<it>] rewind to i=<to> (<stamp>)` (`<it>`: the state's iteration
/// after it, as in every `[SYNC …]` subject; `<to>`: the iteration of the turn that stamp
/// ended), then `body`, and `Baton-Rewind: <stamp>` (its full SHA).
#[must_use]
pub(crate) fn rewind_message(iteration: u64, to: u64, stamp: &str, body: &str) -> String {
    let subject = format!(
        "[SYNC i={iteration}] rewind to i={to} ({})",
        short_sha(stamp)
    );
    format!("{subject}\n\n{}\n\n{REWIND}: {stamp}\n", body.trim_end())
}

/// The stamp a rewind's commit went back to (its `Baton-Rewind` trailer), if `message` is one.
#[must_use]
pub(crate) fn rewound_to(message: &str) -> Option<String> {
    trailers(message).find_map(|(key, value)| (key == REWIND).then(|| value.to_owned()))
}

/// Whether `message` has the subject of a turn's stamp (see [`stamp_subject`]):
/// `[SYNC i=<it>] actor=<a> …`, not a claim's `… status=running`. (`baton stamp` writes the
/// same subject; a claim, stop, note, decision or rewind has another.)
#[must_use]
pub(crate) fn is_stamp_subject(message: &str) -> bool {
    let subject = subject_of(message);
    let Some((it, rest)) = subject
        .strip_prefix("[SYNC i=")
        .and_then(|s| s.split_once("] actor="))
    else {
        return false;
    };
    !it.is_empty() && it.bytes().all(|b| b.is_ascii_digit()) && !rest.ends_with(" status=running")
}

/// Whether `message` is a pool worker's landing ([`pool_land_message`]: a `[LAND i=<it>] …`
/// subject and the `Baton-Task-Claim` trailer), whose merge appends its task's journal line —
/// the commit that records that task, as a stamp records a turn.
#[must_use]
pub(crate) fn is_pool_landing(message: &str) -> bool {
    subject_of(message).starts_with("[LAND i=")
        && crate::pool::claim::landed_claim(message).is_some()
}

/// The first line of a commit message (what events and consoles show).
#[must_use]
pub(crate) fn subject_of(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

const CLAIM: &str = "Baton-Claim";
const TASK: &str = "Baton-Task";
const STAMP: &str = "Baton-Stamp";
const ALARM: &str = "Baton-Alarm";
const DECISION: &str = "Baton-Decision";
const REWIND: &str = "Baton-Rewind";

fn with_trailer(subject: String, key: &str, value: Option<&str>) -> String {
    match value {
        Some(value) => format!("{subject}\n\n{key}: {value}\n"),
        None => subject,
    }
}

/// What the `Baton-*` trailers of a commit message say (see the module docs); all `None` for a
/// commit Baton did not write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Marks {
    /// `Baton-Claim`: the commit claims a turn under this id.
    pub(crate) claim: Option<String>,
    /// `Baton-Stamp`: the commit stamps the turn claimed under this id.
    pub(crate) stamp: Option<String>,
    /// `Baton-Alarm`: an alarm's stop commit, putting back this claim's marker (`none`: no
    /// claim was open).
    pub(crate) alarm: Option<String>,
    /// `Baton-Decision: approve <actor> <iteration>`: `baton approve` approved that turn.
    pub(crate) approved: Option<(Actor, u64)>,
}

/// The `Key: value` trailer lines of `message` (its last paragraph, as for git).
fn trailers(message: &str) -> impl Iterator<Item = (&str, &str)> {
    let last = message.trim_end().rsplit_once("\n\n").map(|(_, last)| last);
    last.into_iter()
        .flat_map(str::lines)
        .filter_map(|line| line.split_once(": "))
        .map(|(key, value)| (key, value.trim()))
}

/// A person's answer as its commit's `Baton-Decision` trailer says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DecisionMark {
    /// Approved (`approve`) or rejected (`reject`).
    pub(crate) approve: bool,
    /// The actor whose turn was answered, as written.
    pub(crate) actor: String,
    /// That turn's iteration.
    pub(crate) iteration: u64,
}

/// The `Baton-Decision: approve|reject <actor> <iteration>` trailer of `message`, if any.
#[must_use]
pub(crate) fn decided(message: &str) -> Option<DecisionMark> {
    trailers(message).find_map(|(key, value)| {
        let words: Vec<&str> = value.split_whitespace().collect();
        match (key, &words[..]) {
            (DECISION, [word @ ("approve" | "reject"), actor, iteration]) => Some(DecisionMark {
                approve: *word == "approve",
                actor: (*actor).to_owned(),
                iteration: iteration.parse().ok()?,
            }),
            _ => None,
        }
    })
}

/// Reads the `Baton-*` trailers of `message` (only its last paragraph counts, as for git).
#[must_use]
pub(crate) fn marks(message: &str) -> Marks {
    let mut marks = Marks::default();
    for (key, value) in trailers(message) {
        let value = value.to_owned();
        match key {
            CLAIM => marks.claim = Some(value),
            STAMP => marks.stamp = Some(value),
            ALARM => marks.alarm = Some(value),
            DECISION => {
                let words: Vec<&str> = value.split_whitespace().collect();
                if let ["approve", actor, iteration] = words[..] {
                    marks.approved = Actor::parse_alias(actor).zip(iteration.parse().ok());
                }
            }
            _ => {}
        }
    }
    marks
}

#[cfg(test)]
mod tests;
