//! A pool worker's claims on the remote (`docs/pool.md`): claiming a task with a
//! compare-and-swap push of a new claim commit (a lost answer settled by reading the ref back),
//! renewing held claims as they come due, and reading the claims a fetch saw.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::git::{Pushed, Remote, Repo};
use crate::pool::claim::{ClaimRecord, Holder};
use crate::pool::plan::{Attempt, Claim, ClaimRef};
use crate::pool::{push, refs};
use crate::turn::Session;
use crate::turn::workers::pool::Held;

impl Session {
    /// Claims `attempt`'s task with a compare-and-swap push of a new claim commit saying this
    /// worker runs up to `slots` tasks at once; `None` when another worker's claim won.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn claim(
        &self,
        repo: &Repo,
        remote: &Remote,
        branch: &str,
        attempt: &Attempt,
        holder: &Holder,
        worker: &str,
        slots: u32,
        stale: Option<&ClaimRecord>,
    ) -> Result<Option<Held>> {
        let lease_until = SystemTime::now() + self.config.git.lease;
        let id = crate::turn::subject::new_claim_id();
        let task = attempt.task.as_str();
        let record = ClaimRecord::new(task, holder.clone(), worker, lease_until, &id)
            .and_then(|record| record.with_slots(slots))
            .map_err(|e| Error::failed(format!("claim task {task}: {e}")))?;
        let replaces = match &attempt.claim {
            Claim::TakeOver { stale_sha } => Some(stale_sha.as_str()),
            Claim::Fresh => None,
        };
        let sha = repo.note_commit(&record.message(), replaces)?;
        let expect = attempt.claim.expect();
        let pushing = std::time::Instant::now();
        let pushed = match remote.push_leased(&[push::claim(task, &sha, expect.clone())]) {
            Ok(pushed) => pushed,
            // The answer is lost, not the push perhaps: a fresh read of the ref says.
            Err(e) => {
                warn_line!(self.events, "[pool] claim of task {task}: {e}");
                remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name()))?;
                let seen = format!("{}{task}", refs::tracked_claims(remote.name()));
                let found = repo.ref_sha(&seen)?;
                match crate::pool::outcome::settle(&expect, Some(&sha), found.as_deref()) {
                    crate::pool::outcome::Settled::Applied => Pushed::Applied,
                    _ => return Ok(None),
                }
            }
        };
        match pushed {
            Pushed::Applied => {
                info_line!(
                    self.events,
                    "[pool] {worker} claimed task {task}{}",
                    taken_from(attempt, stale)
                );
                Ok(Some(Held {
                    record,
                    sha,
                    lost: false,
                    claim_ms: u64::try_from(pushing.elapsed().as_millis()).unwrap_or(u64::MAX),
                }))
            }
            Pushed::Stale { .. } => Ok(None),
        }
    }
}

/// Renews every held claim that is due ([`crate::pool::plan::renew_due`]); a claim found
/// taken over is marked lost (its worker's work will not land).
pub(super) fn renew_due(
    repo: &Repo,
    remote: &Remote,
    held: &mut BTreeMap<String, Held>,
    lease: Duration,
) -> Result<()> {
    let now = SystemTime::now();
    for (task, claim) in held.iter_mut().filter(|(_, c)| !c.lost) {
        if !crate::pool::plan::renew_due(&claim.record, now, lease) {
            continue;
        }
        let record = claim.record.renewed(now, lease);
        let sha = repo.note_commit(&record.message(), Some(&claim.sha))?;
        match remote.push_leased(&[push::renew(task, &sha, &claim.sha)])? {
            Pushed::Applied => {
                claim.record = record;
                claim.sha = sha;
            }
            Pushed::Stale { .. } => claim.lost = true,
        }
    }
    Ok(())
}

/// The claims the last fetch saw, by task (refs that name no task are left out).
pub(super) fn claims_seen(repo: &Repo, seen: &str) -> Result<BTreeMap<String, ClaimRef>> {
    Ok(repo
        .seen_refs(seen)?
        .into_iter()
        .filter(|r| refs::task_of_claim(&refs::claim(&r.name)).is_some())
        .map(|r| {
            let record = ClaimRecord::parse(&r.message).ok();
            (r.name, ClaimRef { sha: r.sha, record })
        })
        .collect())
}

/// `" (taken over from <worker>@<host>, pid <pid>, whose lease ran out)"` for a take-over, else
/// nothing.
fn taken_from(attempt: &Attempt, stale: Option<&ClaimRecord>) -> String {
    match (&attempt.claim, stale) {
        (Claim::TakeOver { .. }, Some(old)) => format!(
            " (taken over from {}@{}, pid {} started at {}, whose lease on {} ran out)",
            old.worker(),
            old.holder().host(),
            old.holder().pid(),
            old.holder().start(),
            old.task()
        ),
        (Claim::TakeOver { .. }, None) => " (its claim ref held no claim)".to_owned(),
        (Claim::Fresh, _) => String::new(),
    }
}
