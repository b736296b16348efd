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
//! Baton-Slots: <how many tasks the holder runs at once, 1 or more>
//! ```
//!
//! `Baton-Slots` is optional: claims written before it existed do not carry it, and read as
//! claims whose holder's slots are not known. It only informs the views (`baton status`,
//! `watch`, `serve`); no decision reads it.
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
mod landing;
mod lease;
mod read;
#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) use holder::Holder;
pub(crate) use landing::{landed_claim, landing_trailer};
use lease::{LAST_SECOND, format_lease, whole_second};

use crate::tasks::is_task_id;

const TASK: &str = "Baton-Task";
const HOLDER: &str = "Baton-Holder";
const WORKER: &str = "Baton-Worker";
const LEASE: &str = "Baton-Lease";
const CLAIM: &str = "Baton-Claim";
const SLOTS: &str = "Baton-Slots";

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
        /// The field: `task`, `worker`, `host`, `pid`, `start token`, `lease`, `claim id` or
        /// `slots`.
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
    /// How many tasks the holder runs at once; `None` in claims written without it.
    slots: Option<u32>,
}

impl ClaimRecord {
    /// A claim on `task` (a task id, or [`crate::pool::refs::TURN`]) by `holder`, for its worker `worker` (the task-id rule:
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
        if !is_task_id(task) && task != crate::pool::refs::TURN {
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
            slots: None,
        })
    }

    /// The same claim saying that its holder runs up to `slots` tasks at once (`--slots`);
    /// kept by its renewals.
    ///
    /// # Errors
    /// [`ClaimError::Invalid`] when `slots` is 0.
    pub(crate) fn with_slots(self, slots: u32) -> Result<ClaimRecord, ClaimError> {
        if slots == 0 {
            return Err(invalid("slots", "0", "1 or more"));
        }
        Ok(ClaimRecord {
            slots: Some(slots),
            ..self
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

    /// How many tasks the holder runs at once, when its claim says (`Baton-Slots`).
    #[must_use]
    pub(crate) fn slots(&self) -> Option<u32> {
        self.slots
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
    /// (module docs), then `Baton-Slots` when the record has slots, ending in a newline.
    #[must_use]
    pub(crate) fn message(&self) -> String {
        let slots = self
            .slots
            .map(|n| format!("{SLOTS}: {n}\n"))
            .unwrap_or_default();
        format!(
            "{}\n\n{TASK}: {}\n{HOLDER}: {}\n{WORKER}: {}\n{LEASE}: {}\n{CLAIM}: {}\n{slots}",
            self.subject(),
            self.task,
            self.holder,
            self.worker,
            format_lease(self.lease_until),
            self.claim_id
        )
    }
}
