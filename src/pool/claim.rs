//! The claim commit: the one author and the one reader of its message (docs/pool.md, "Claim
//! commits").
//!
//! A claim commit is a parentless commit with the empty tree on `refs/baton/claims/<task>`; its
//! message is the whole record:
//!
//! ```text
//! [CLAIM] <task> by <worker>@<host>
//!
//! Baton-Task: <task id>
//! Baton-Holder: <host>:<pid>:<start token>
//! Baton-Worker: <worker>
//! Baton-Lease: <UTC YYYY-MM-DDTHH:MM:SSZ, when the lease ends>
//! Baton-Claim: <16 hex digits, one per claim, kept by its renewals>
//! ```
//!
//! A pool landing, the merge that moves the task to done on the shared branch, carries
//! `Baton-Task-Claim: <claim id>` after its `Baton-Task` ([`landing_trailer`]), so a worker
//! whose landing was applied while its answer was lost finds it there ([`landed_claim`]). Not
//! `Baton-Claim`: on the shared branch that trailer marks a role-mode turn's claim.
//!
//! The reader is strict: a message that is not exactly that (each trailer once and well formed,
//! the subject the one its trailers make) is no claim. The planner counts such a claim ref as
//! expired now, so a garbage ref — planted by hand, or left by a broken writer — can never
//! block its task: it is taken over like any expired claim. Trailers it does not know are
//! allowed (a later version may add some), as long as they are `Key: value` lines.

mod holder;
mod lease;
#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) use holder::Holder;
use lease::{LAST_SECOND, format_lease, parse_lease, whole_second};

use crate::tasks::is_task_id;

const TASK: &str = "Baton-Task";
const HOLDER: &str = "Baton-Holder";
const WORKER: &str = "Baton-Worker";
const LEASE: &str = "Baton-Lease";
const CLAIM: &str = "Baton-Claim";
const TASK_CLAIM: &str = "Baton-Task-Claim";

/// What is wrong with a claim record, or with a message that should hold one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ClaimError {
    /// The message is not shaped as a claim commit's: no subject line, no trailer paragraph,
    /// or a line in it that is not a trailer.
    #[error("not a claim commit: {0}")]
    Shape(&'static str),
    /// A trailer every claim carries is not there.
    #[error("the claim has no `{0}` trailer")]
    Missing(&'static str),
    /// A trailer appears twice.
    #[error("the claim has more than one `{0}` trailer")]
    Repeated(&'static str),
    /// A field's value breaks its rule.
    #[error("the claim's {what} `{value}` is invalid: {why}")]
    Invalid {
        /// The field: `task`, `worker`, `host`, `pid`, `start token`, `lease` or `claim id`.
        what: &'static str,
        /// The value as found (its first 80 characters).
        value: String,
        /// The rule it breaks.
        why: &'static str,
    },
    /// The subject is not the one the trailers make.
    #[error("the claim's subject `{found}` is not `{expected}`")]
    Subject {
        /// The subject found (its first 80 characters).
        found: String,
        /// The subject the trailers make.
        expected: String,
    },
}

fn invalid(what: &'static str, value: &str, why: &'static str) -> ClaimError {
    ClaimError::Invalid {
        what,
        value: value.chars().take(80).collect(),
        why,
    }
}

/// One claim on one task: who holds it, until when, under which claim id. Every record this
/// type holds is valid, so its [`ClaimRecord::message`] reads back as the same record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClaimRecord {
    task: String,
    holder: Holder,
    worker: String,
    lease_until: SystemTime,
    claim_id: String,
}

impl ClaimRecord {
    /// A claim on `task` (a task id) by `holder`, for its worker `worker` (the task-id rule:
    /// `ralph-2`), until `lease_until` — cut to the whole second below, as the message writes
    /// it — under `claim_id` (16 lowercase hex digits, new for each claim, as the turn's claim
    /// ids are).
    ///
    /// # Errors
    /// [`ClaimError::Invalid`] naming the field that breaks its rule; a lease must end between
    /// 1970 and the end of 9999 (UTC).
    pub(crate) fn new(
        task: &str,
        holder: Holder,
        worker: &str,
        lease_until: SystemTime,
        claim_id: &str,
    ) -> Result<ClaimRecord, ClaimError> {
        if !is_task_id(task) {
            return Err(invalid("task", task, "not a task id"));
        }
        if !is_task_id(worker) {
            return Err(invalid(
                "worker",
                worker,
                "a letter or digit, then letters, digits, `.`, `-`, `_`, at most 64",
            ));
        }
        if claim_id.len() != 16
            || !claim_id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(invalid("claim id", claim_id, "16 lowercase hex digits"));
        }
        let secs = lease_until
            .duration_since(UNIX_EPOCH)
            .map_err(|_| invalid("lease", "before 1970", "a time from 1970 to 9999"))?
            .as_secs();
        if secs > LAST_SECOND {
            return Err(invalid("lease", "after 9999", "a time from 1970 to 9999"));
        }
        Ok(ClaimRecord {
            task: task.to_owned(),
            holder,
            worker: worker.to_owned(),
            lease_until: UNIX_EPOCH + Duration::from_secs(secs),
            claim_id: claim_id.to_owned(),
        })
    }

    /// The claimed task's id.
    #[must_use]
    pub(crate) fn task(&self) -> &str {
        &self.task
    }

    /// The process that holds the claim.
    #[must_use]
    pub(crate) fn holder(&self) -> &Holder {
        &self.holder
    }

    /// The holder's worker that runs the task (`ralph-2`).
    #[must_use]
    pub(crate) fn worker(&self) -> &str {
        &self.worker
    }

    /// When the lease ends: a whole second.
    #[must_use]
    pub(crate) fn lease_until(&self) -> SystemTime {
        self.lease_until
    }

    /// The claim id: 16 hex digits, new for each claim, kept by its renewals.
    #[must_use]
    pub(crate) fn claim_id(&self) -> &str {
        &self.claim_id
    }

    /// Whether the lease is over at `now` (the reader's clock): from its last second on. The
    /// holder and every taker judge by this same rule, so no clock reads a lease as both live
    /// and over.
    #[must_use]
    pub(crate) fn expired(&self, now: SystemTime) -> bool {
        now >= self.lease_until
    }

    /// The same claim (same holder, worker and claim id) with its lease ending `lease` after
    /// `now`: what a renewal pushes. Cut to the whole second below, and held within 1970–9999.
    #[must_use]
    pub(crate) fn renewed(&self, now: SystemTime, lease: Duration) -> ClaimRecord {
        let last = UNIX_EPOCH + Duration::from_secs(LAST_SECOND);
        ClaimRecord {
            lease_until: whole_second(now.checked_add(lease).unwrap_or(last)),
            ..self.clone()
        }
    }

    /// The subject: `[CLAIM] <task> by <worker>@<host>`.
    #[must_use]
    pub(crate) fn subject(&self) -> String {
        format!(
            "[CLAIM] {} by {}@{}",
            self.task,
            self.worker,
            self.holder.host()
        )
    }

    /// The claim commit's whole message: the subject, a blank line, and the five trailers
    /// (module docs), ending in a newline.
    #[must_use]
    pub(crate) fn message(&self) -> String {
        format!(
            "{}\n\n{TASK}: {}\n{HOLDER}: {}\n{WORKER}: {}\n{LEASE}: {}\n{CLAIM}: {}\n",
            self.subject(),
            self.task,
            self.holder,
            self.worker,
            format_lease(self.lease_until),
            self.claim_id
        )
    }

    /// Reads a claim commit's message, strictly (module docs); trailing newlines are ignored.
    /// Never panics, whatever the input.
    ///
    /// # Errors
    /// [`ClaimError`] saying what is wrong first.
    pub(crate) fn parse(message: &str) -> Result<ClaimRecord, ClaimError> {
        let text = message.trim_end_matches('\n');
        let (subject, trailers) = text
            .split_once("\n\n")
            .ok_or(ClaimError::Shape("no blank line before the trailers"))?;
        if subject.contains('\n') {
            return Err(ClaimError::Shape("more than one line before the trailers"));
        }
        let mut found: [Option<&str>; 5] = [None; 5];
        let keys = [TASK, HOLDER, WORKER, LEASE, CLAIM];
        for line in trailers.split('\n') {
            let (key, value) = line
                .split_once(": ")
                .filter(|(key, _)| is_trailer_key(key))
                .ok_or(ClaimError::Shape(
                    "a line of the trailers is not `Key: value`",
                ))?;
            if let Some(at) = keys.iter().position(|k| *k == key)
                && found[at].replace(value).is_some()
            {
                return Err(ClaimError::Repeated(keys[at]));
            }
        }
        let [task, holder, worker, lease, claim] = found;
        let record = ClaimRecord::new(
            task.ok_or(ClaimError::Missing(TASK))?,
            Holder::parse(holder.ok_or(ClaimError::Missing(HOLDER))?)?,
            worker.ok_or(ClaimError::Missing(WORKER))?,
            parse_lease(lease.ok_or(ClaimError::Missing(LEASE))?)?,
            claim.ok_or(ClaimError::Missing(CLAIM))?,
        )?;
        let expected = record.subject();
        if subject != expected {
            return Err(ClaimError::Subject {
                found: subject.chars().take(80).collect(),
                expected,
            });
        }
        Ok(record)
    }
}

/// A trailer key as git reads one: ASCII letters, digits and `-`.
fn is_trailer_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The trailer line a pool landing's merge message carries after `Baton-Task: <task>`:
/// `Baton-Task-Claim: <claim id>` and a newline (module docs).
#[must_use]
pub(crate) fn landing_trailer(claim_id: &str) -> String {
    format!("{TASK_CLAIM}: {claim_id}\n")
}

/// The claim id in the `Baton-Task-Claim` trailer of a commit message (its last paragraph, as
/// git reads trailers), if it has one.
#[must_use]
pub(crate) fn landed_claim(message: &str) -> Option<&str> {
    let (_, last) = message.trim_end().rsplit_once("\n\n")?;
    last.lines()
        .filter_map(|line| line.split_once(": "))
        .find(|(key, _)| *key == TASK_CLAIM)
        .map(|(_, value)| value.trim())
}
