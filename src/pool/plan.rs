//! Which tasks a worker tries to claim, and how (docs/pool.md, "Choosing tasks"): pure, from
//! what the last fetch of the remote said.
//!
//! A task is takeable when it is open at the shared head, its dependencies are done, it has
//! no problem, this worker does not run it already, and its claim ref is absent (claimed
//! [`Claim::Fresh`], expecting the ref absent) or its claim is over ([`Claim::TakeOver`],
//! expecting the ref at the stale claim commit). A claim is over when its lease has passed by
//! the reader's clock, when its message is no claim (a garbage ref), when its holder is a
//! process of the reader's machine that has ended (a worker killed and started again takes its
//! tasks back at once, not a lease later), or when its lease ends more than two leases ahead of
//! the reader's clock — which no pool member with the same `git.lease` and a sane clock writes,
//! so such a claim could otherwise block its task for years.
//!
//! The order: tasks that more open tasks wait for (directly or not) first, then by id; within
//! each rank the list is rotated by a hash of the holder (`<host>:<pid>:<start>`), so that
//! workers asking at the same moment start at different tasks instead of all racing for the
//! first one. The hash is FNV-1a: the same on every machine and every build.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use crate::pool::claim::{ClaimRecord, Holder};
use crate::pool::push::Expect;
use crate::tasks::Board;

/// A claim ref as the last fetch saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClaimRef {
    /// The claim commit it points at (full SHA): what a take-over or a sweep expects.
    pub(crate) sha: String,
    /// Its record, `None` when the commit's message is no claim ([`ClaimRecord::parse`]).
    pub(crate) record: Option<ClaimRecord>,
    /// Whether its holder is known to have ended when it was read: a process of the reader's
    /// machine (same boot and pid namespace) that is gone ([`Holder::has_ended`]).
    pub(crate) ended: bool,
}

impl ClaimRef {
    /// The claim ref at `sha` whose commit message is `message`: its record parsed, and its
    /// holder asked after on this machine, `here`.
    #[must_use]
    pub(crate) fn read(sha: String, message: &str, here: &crate::process::Here) -> ClaimRef {
        let record = ClaimRecord::parse(message).ok();
        let ended = record.as_ref().is_some_and(|r| r.holder().has_ended(here));
        ClaimRef { sha, record, ended }
    }

    /// Whether anyone may take this claim over at `now` (the reader's clock), `lease` being
    /// `git.lease`: its lease has passed, its message is no claim, its holder has ended, or its
    /// lease ends more than two leases after `now` (module docs).
    #[must_use]
    pub(crate) fn is_over(&self, now: SystemTime, lease: Duration) -> bool {
        let Some(record) = &self.record else {
            return true;
        };
        if self.ended {
            return true;
        }
        let too_far = now
            .checked_add(lease.saturating_mul(2))
            .is_some_and(|horizon| record.lease_until() > horizon);
        record.expired(now) || too_far
    }
}

/// How to claim one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The task has no claim ref: push one expecting it absent.
    Fresh,
    /// The task's claim is over: push ours expecting the ref at the stale claim commit.
    TakeOver {
        /// The claim commit the ref must still point at (full SHA).
        stale_sha: String,
    },
}

impl Claim {
    /// What the claim's push expects of the ref.
    #[must_use]
    pub(crate) fn expect(&self) -> Expect {
        match self {
            Claim::Fresh => Expect::Absent,
            Claim::TakeOver { stale_sha } => Expect::At(stale_sha.clone()),
        }
    }
}

/// One task to try, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Attempt {
    /// The task id.
    pub(crate) task: String,
    /// How to claim it.
    pub(crate) claim: Claim,
}

/// A claim ref nobody needs: its task is not open at the shared head and the claim is over.
/// Deleted expecting `sha` ([`crate::pool::push::release`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sweep {
    /// The task id the ref names.
    pub(crate) task: String,
    /// The claim commit it points at.
    pub(crate) sha: String,
}

/// What a worker does after a fetch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Tasks to try, in order: claim them one by one until the free slots are filled (a
    /// rejected claim was won by someone else; try the next).
    pub(crate) attempts: Vec<Attempt>,
    /// Stale claim refs to delete.
    pub(crate) sweep: Vec<Sweep>,
}

/// What the last fetch of the remote said, and when it is judged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    /// The tasks at the fetched shared head.
    pub(crate) board: &'a Board,
    /// The claim refs fetched with it, by task id (refs under the claims that name no task id
    /// are left out: [`crate::pool::refs::task_of_claim`]).
    pub(crate) claims: &'a BTreeMap<String, ClaimRef>,
    /// The reader's clock.
    pub(crate) now: SystemTime,
    /// `git.lease`.
    pub(crate) lease: Duration,
}

/// What `holder`, running the tasks in `busy`, with `free` free slots, tries (module docs).
/// With no free slot there is nothing to try; the sweep is planned anyway.
#[must_use]
pub(crate) fn plan(view: &View<'_>, holder: &Holder, busy: &BTreeSet<String>, free: usize) -> Plan {
    let sweep = view
        .claims
        .iter()
        .filter(|(task, claim)| {
            !view.board.open.contains_key(*task) && claim.is_over(view.now, view.lease)
        })
        .map(|(task, claim)| Sweep {
            task: task.clone(),
            sha: claim.sha.clone(),
        })
        .collect();
    if free == 0 {
        return Plan {
            attempts: Vec::new(),
            sweep,
        };
    }
    let mut attempts: Vec<(usize, Attempt)> = view
        .board
        .takeable(busy)
        .into_iter()
        .filter_map(|task| {
            let claim = match view.claims.get(&task.id) {
                None => Claim::Fresh,
                Some(c) if c.is_over(view.now, view.lease) => Claim::TakeOver {
                    stale_sha: c.sha.clone(),
                },
                Some(_) => return None,
            };
            let attempt = Attempt {
                task: task.id.clone(),
                claim,
            };
            Some((waiting_on(view.board, &task.id), attempt))
        })
        .collect();
    attempts.sort_by(|(rank_a, a), (rank_b, b)| rank_b.cmp(rank_a).then(a.task.cmp(&b.task)));
    let spin = fnv1a(holder.to_string().as_bytes());
    let mut ordered = Vec::with_capacity(attempts.len());
    for group in attempts.chunk_by(|(a, _), (b, _)| a == b) {
        let mut group: Vec<Attempt> = group.iter().map(|(_, a)| a.clone()).collect();
        let len = u64::try_from(group.len()).unwrap_or(1).max(1);
        group.rotate_left(usize::try_from(spin % len).unwrap_or(0));
        ordered.extend(group);
    }
    Plan {
        attempts: ordered,
        sweep,
    }
}

/// How many open tasks wait for `id`, directly or through others.
fn waiting_on(board: &Board, id: &str) -> usize {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut todo = vec![id];
    while let Some(at) = todo.pop() {
        for task in board.open.values() {
            if task.depends.iter().any(|d| d == at) && seen.insert(&task.id) {
                todo.push(&task.id);
            }
        }
    }
    seen.remove(id);
    seen.len()
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Whether a holder renews `record` at `now`: once a third of `lease` has passed since the
/// lease was last set (so two renewals may fail before the lease runs out), or when it is
/// over. `lease` is `git.lease`, the lease every renewal asks for.
#[must_use]
pub(crate) fn renew_due(record: &ClaimRecord, now: SystemTime, lease: Duration) -> bool {
    // Set at `lease_until - lease`; due a third of a lease after that.
    let due_in = lease - lease / 3;
    match record.lease_until().checked_sub(due_in) {
        Some(due) => now >= due,
        None => true,
    }
}

/// Whether a renewal of `record` that is due at `now` ([`renew_due`]) may wait a little for a
/// push going to the remote anyway (a look's claims): more than half of `lease` is left
/// before its lease ends, so that waiting never takes a claim closer to its end than that.
#[must_use]
pub(crate) fn renew_may_wait(record: &ClaimRecord, now: SystemTime, lease: Duration) -> bool {
    record
        .lease_until()
        .duration_since(now)
        .is_ok_and(|left| left > lease / 2)
}
