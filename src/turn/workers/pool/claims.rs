//! A pool worker's claims on the remote (`docs/pool.md`): claiming the tasks of one look at the
//! remote in one push, each a compare-and-swap of its own claim ref (a lost answer settled by
//! reading the refs back), renewing held claims as they come due (one push too), and reading
//! the claims a fetch saw.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::events::Events;
use crate::git::{Pushed, Remote, Repo};
use crate::pool::claim::{ClaimRecord, Holder};
use crate::pool::outcome::Settled;
use crate::pool::plan::{Attempt, Claim, ClaimRef};
use crate::pool::push::{self, Expect, RefUpdate};
use crate::pool::refs;
use crate::turn::Session;
use crate::turn::workers::pool::Held;

/// One claim to push: the attempt the plan made, the worker's name, and the stale claim it
/// takes over (for the log line), if any.
pub(super) struct Want<'a> {
    pub(super) attempt: Attempt,
    pub(super) worker: String,
    pub(super) stale: Option<&'a ClaimRef>,
}

impl Session {
    /// Claims every wanted task in one push, each a compare-and-swap of its own claim ref
    /// (a new claim commit saying this worker runs up to `slots` tasks at once), and renews in
    /// the same push the claims of `held` that are due ([`renew_due`]); for each wanted task,
    /// in order, the claim held, or `None` when another worker's claim won. A push whose
    /// answer is lost is settled by a fresh read of the refs.
    ///
    /// # Errors
    /// Git errors writing the claim commits or fetching.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn claim_all(
        &self,
        repo: &Repo,
        remote: &Remote,
        branch: &str,
        holder: &Holder,
        slots: u32,
        wants: &[Want<'_>],
        held: &mut BTreeMap<String, Held>,
    ) -> Result<Vec<Option<Held>>> {
        let lease_until = SystemTime::now() + self.config.git.lease;
        let mut made = Vec::new();
        for want in wants {
            let task = want.attempt.task.as_str();
            let id = crate::turn::subject::new_claim_id();
            let record = ClaimRecord::new(task, holder.clone(), &want.worker, lease_until, &id)
                .and_then(|record| record.with_slots(slots))
                .map_err(|e| Error::failed(format!("claim task {task}: {e}")))?;
            let replaces = match &want.attempt.claim {
                Claim::TakeOver { stale_sha } => Some(stale_sha.as_str()),
                Claim::Fresh => None,
            };
            let sha = repo.note_commit(&record.message(), replaces)?;
            made.push((record, sha, want.attempt.claim.expect()));
        }
        let due = renewals_due(repo, held, self.config.git.lease)?;
        let mut sent: Vec<Sent<'_>> = wants
            .iter()
            .zip(&made)
            .map(|(want, (_, sha, expect))| Sent {
                task: &want.attempt.task,
                sha,
                expect,
            })
            .collect();
        sent.extend(due.iter().map(Due::sent));
        let pushing = std::time::Instant::now();
        let mut answers = push_settled(repo, remote, branch, &sent, &self.events)?;
        let claim_ms = u64::try_from(pushing.elapsed().as_millis()).unwrap_or(u64::MAX);
        let renewed = answers.split_off(wants.len());
        apply_renewals(held, due, renewed);
        let mut won = Vec::new();
        for ((want, (record, sha, _)), answer) in wants.iter().zip(made).zip(answers) {
            if answer != Settled::Applied {
                won.push(None);
                continue;
            }
            info_line!(
                self.events,
                "[pool] {} claimed task {}{}",
                want.worker,
                want.attempt.task,
                taken_from(&want.attempt, want.stale)
            );
            won.push(Some(Held {
                record,
                sha,
                lost: false,
                claim_ms,
            }));
        }
        Ok(won)
    }
}

/// Renews every held claim that is due ([`crate::pool::plan::renew_due`]) in one push, each
/// a compare-and-swap expecting the holder's current claim commit; a claim found taken over is
/// marked lost (its worker's work will not land), one not renewed (its answer lost, the ref
/// still at the old commit) is renewed at the next look.
///
/// # Errors
/// Git errors writing the claim commits or fetching.
pub(super) fn renew_due(
    repo: &Repo,
    remote: &Remote,
    branch: &str,
    held: &mut BTreeMap<String, Held>,
    lease: Duration,
    events: &Events,
) -> Result<()> {
    let due = renewals_due(repo, held, lease)?;
    let sent: Vec<Sent<'_>> = due.iter().map(Due::sent).collect();
    let answers = push_settled(repo, remote, branch, &sent, events)?;
    apply_renewals(held, due, answers);
    Ok(())
}

/// Whether the renewals due of `held` may wait for the look `look_soon` says is coming: every
/// one of them has more than half its lease left ([`crate::pool::plan::renew_may_wait`]).
pub(super) fn renewals_may_wait(
    held: &BTreeMap<String, Held>,
    look_soon: bool,
    lease: Duration,
) -> bool {
    let now = SystemTime::now();
    look_soon
        && held.values().filter(|c| !c.lost).all(|c| {
            !crate::pool::plan::renew_due(&c.record, now, lease)
                || crate::pool::plan::renew_may_wait(&c.record, now, lease)
        })
}

/// A renewal due: the task, its renewed record, that record's new claim commit, and the claim
/// commit it replaces (what the push expects).
struct Due {
    task: String,
    record: ClaimRecord,
    sha: String,
    expect: Expect,
}

impl Due {
    fn sent(&self) -> Sent<'_> {
        Sent {
            task: &self.task,
            sha: &self.sha,
            expect: &self.expect,
        }
    }
}

/// The renewals of `held` that are due now, their claim commits written.
fn renewals_due(repo: &Repo, held: &BTreeMap<String, Held>, lease: Duration) -> Result<Vec<Due>> {
    let now = SystemTime::now();
    let mut due = Vec::new();
    for (task, claim) in held.iter().filter(|(_, c)| !c.lost) {
        if crate::pool::plan::renew_due(&claim.record, now, lease) {
            let record = claim.record.renewed(now, lease);
            let sha = repo.note_commit(&record.message(), Some(&claim.sha))?;
            due.push(Due {
                task: task.clone(),
                record,
                sha,
                expect: Expect::At(claim.sha.clone()),
            });
        }
    }
    Ok(due)
}

/// Takes the renewals' answers into `held`: renewed, lost (taken over), or still ours at the
/// old commit (renewed at the next look).
fn apply_renewals(held: &mut BTreeMap<String, Held>, due: Vec<Due>, answers: Vec<Settled>) {
    for (renewal, answer) in due.into_iter().zip(answers) {
        let Some(claim) = held.get_mut(&renewal.task) else {
            continue;
        };
        match answer {
            Settled::Applied => {
                claim.record = renewal.record;
                claim.sha = renewal.sha;
            }
            Settled::Overtaken => claim.lost = true,
            Settled::NotApplied => {}
        }
    }
}

/// One claim ref update of a push: the task, the claim commit pushed, what it expected.
struct Sent<'a> {
    task: &'a str,
    sha: &'a str,
    expect: &'a Expect,
}

/// Pushes `sent` in one push, each its own compare-and-swap, and says how each ended: applied,
/// or refused by its lease (`Overtaken`). When the push's answer is lost (an error), a fresh
/// read of the refs settles each ([`crate::pool::outcome::settle`]).
fn push_settled(
    repo: &Repo,
    remote: &Remote,
    branch: &str,
    sent: &[Sent<'_>],
    events: &Events,
) -> Result<Vec<Settled>> {
    let updates: Vec<RefUpdate> = sent
        .iter()
        .map(|s| push::claim(s.task, s.sha, s.expect.clone()))
        .collect();
    let seen = refs::tracked_claims(remote.name());
    match remote.push_each(&updates) {
        Ok(answers) => {
            let mut settled = Vec::new();
            for (s, answer) in sent.iter().zip(answers) {
                settled.push(match answer {
                    Pushed::Applied => {
                        // The local copy follows, so that this clone's status and watch show
                        // the claim before the next fetch (git does so for its own remote-
                        // tracking refs).
                        repo.set_ref(&format!("{seen}{}", s.task), s.sha, "baton: claimed")?;
                        Settled::Applied
                    }
                    Pushed::Stale { .. } => Settled::Overtaken,
                });
            }
            Ok(settled)
        }
        Err(e) => {
            warn_line!(
                events,
                "[pool] pushing {} claim(s): {e}; reading them back",
                sent.len()
            );
            // The read back may fail too (the network; a ref lock of the train's push, which
            // may run meanwhile): then none counts as applied. A claim won that way is not run
            // and runs out with its lease; a renewal made that way fails the next one (the
            // task is then given up, its work kept): safe, if wasteful, for a rare case.
            if let Err(e) = remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name())) {
                warn_line!(events, "[pool] reading the claims back: {e}");
                return Ok(vec![Settled::NotApplied; sent.len()]);
            }
            sent.iter()
                .map(|s| {
                    let found = repo.ref_sha(&format!("{seen}{}", s.task))?;
                    Ok(crate::pool::outcome::settle(
                        s.expect,
                        Some(s.sha),
                        found.as_deref(),
                    ))
                })
                .collect()
        }
    }
}

/// The claims the last fetch saw, by task (refs that name no task are left out).
pub(super) fn claims_seen(repo: &Repo, seen: &str) -> Result<BTreeMap<String, ClaimRef>> {
    let here = crate::process::Here::now();
    Ok(repo
        .seen_refs(seen)?
        .into_iter()
        .filter(|r| refs::task_of_claim(&refs::claim(&r.name)).is_some())
        .map(|r| (r.name, ClaimRef::read(r.sha, &r.message, &here)))
        .collect())
}

/// `" (taken over from <worker>@<host>, pid <pid> started at <start>, whose lease on <task> ran
/// out)"` — `"…, which has ended)"` when the holder was a process of this machine that is
/// gone — for a take-over, else nothing.
fn taken_from(attempt: &Attempt, stale: Option<&ClaimRef>) -> String {
    let Claim::TakeOver { .. } = &attempt.claim else {
        return String::new();
    };
    let Some((old, ended)) = stale.and_then(|c| Some((c.record.as_ref()?, c.ended))) else {
        return " (its claim ref held no claim)".to_owned();
    };
    let why = if ended {
        "which has ended".to_owned()
    } else {
        format!("whose lease on {} ran out", old.task())
    };
    format!(
        " (taken over from {}@{}, pid {} started at {}, {why})",
        old.worker(),
        old.holder().host(),
        old.holder().pid(),
        old.holder().start(),
    )
}
