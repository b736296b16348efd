//! What a look takes for the free slots: the plan of which open tasks to claim (from the board
//! at the look's head and the claims fetched with it), the claims pushed together — each its
//! own compare-and-swap — and the won ones handed back to run.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use super::claims::{Want, claims_seen};
use super::{Held, Pending, PoolOptions};
use crate::error::Result;
use crate::git::{Remote, Repo};
use crate::pool::claim::Holder;
use crate::pool::plan::{ClaimRef, Plan, View};
use crate::pool::push::{self, RefUpdate};
use crate::tasks::Board;
use crate::turn::Session;

/// Where a look claims from: the remote and its branch, this worker's identity and options, the
/// board at the look's head, and the local copies of the claims fetched with it.
pub(super) struct Look<'a> {
    pub(super) repo: &'a Repo,
    pub(super) remote: &'a Remote,
    pub(super) branch: &'a str,
    pub(super) holder: &'a Holder,
    pub(super) options: &'a PoolOptions,
    pub(super) board: &'a Board,
    /// The prefix of the local copies of the claim refs.
    pub(super) seen: &'a str,
}

/// What a look's claims came to.
#[derive(Default)]
pub(super) struct Taken {
    /// Claims won, their tasks to run.
    pub(super) pending: Vec<Pending>,
    /// Claims nobody needs (their task is gone), to delete; losing these races is fine.
    pub(super) releases: Vec<RefUpdate>,
    /// Whether open tasks are held by other workers: this one waits for them to land, or for a
    /// claim to run out (a dead worker) and takes the task over.
    pub(super) held_elsewhere: bool,
}

impl Session {
    /// Whether this look would claim a task at all (for one free slot, never a task in
    /// `tried` or `held`).
    ///
    /// # Errors
    /// Git errors reading the claims.
    pub(super) fn takes_any(
        &self,
        look: &Look<'_>,
        tried: &BTreeSet<String>,
        held: &BTreeMap<String, Held>,
    ) -> Result<bool> {
        let (_, _, planned) = self.plan_claims(look, tried, held, 1)?;
        Ok(!planned.attempts.is_empty())
    }

    /// The claims the last fetch saw, the tasks this worker has (`tried` and `held`), and the
    /// plan for `room` free slots.
    fn plan_claims(
        &self,
        look: &Look<'_>,
        tried: &BTreeSet<String>,
        held: &BTreeMap<String, Held>,
        room: usize,
    ) -> Result<(BTreeMap<String, ClaimRef>, BTreeSet<String>, Plan)> {
        let claims = claims_seen(look.repo, look.seen)?;
        let busy: BTreeSet<String> = tried.iter().chain(held.keys()).cloned().collect();
        let view = View {
            board: look.board,
            claims: &claims,
            now: SystemTime::now(),
            lease: self.config.git.lease,
        };
        let planned = crate::pool::plan::plan(&view, look.holder, &busy, room);
        Ok((claims, busy, planned))
    }

    /// Plans claims for the `free` slots (never a task in `tried` or `held`), pushes them, and
    /// says what it won; each won claim takes a slot from `free` and joins `held`.
    ///
    /// # Errors
    /// Git errors.
    pub(super) fn take(
        &self,
        look: &Look<'_>,
        tried: &BTreeSet<String>,
        free: &mut Vec<u32>,
        held: &mut BTreeMap<String, Held>,
    ) -> Result<Taken> {
        let Look { board, options, .. } = *look;
        let room = if options.once { 1 } else { free.len() };
        let (claims, busy, planned) = self.plan_claims(look, tried, held, room)?;
        let mut taken = Taken {
            held_elsewhere: board
                .open
                .keys()
                .any(|t| !busy.contains(t) && claims.contains_key(t)),
            releases: planned
                .sweep
                .iter()
                .map(|sweep| push::release(&sweep.task, &sweep.sha))
                .collect(),
            pending: Vec::new(),
        };
        let mut wants = Vec::new();
        let mut slots = Vec::new();
        for attempt in planned.attempts {
            let Some(found) = board.open.get(&attempt.task).cloned() else {
                continue;
            };
            let Some(slot) = free.pop() else { break };
            let stale = claims.get(&attempt.task);
            wants.push(Want {
                attempt,
                worker: format!("{}-{slot}", options.actor),
                stale,
            });
            slots.push((slot, found));
        }
        let won = self.claim_all(
            look.repo,
            look.remote,
            look.branch,
            look.holder,
            options.slots,
            &wants,
            held,
        )?;
        for ((want, (slot, found)), claim) in wants.into_iter().zip(slots).zip(won) {
            match claim {
                Some(claim) => taken.pending.push(Pending {
                    task: want.attempt.task,
                    found,
                    slot,
                    claim,
                }),
                None => free.push(slot),
            }
        }
        Ok(taken)
    }
}
