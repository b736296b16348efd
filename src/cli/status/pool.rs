//! The pool in `baton status` (`docs/pool.md`): the claims on the remote — which task, which
//! worker on which host and process, and its lease — as this clone last fetched them (fetched
//! again first unless `--no-fetch`).

use std::time::SystemTime;

use serde_json::{Value, json};

use crate::config::Config;
use crate::git::{Remote, Repo};
use crate::pool::claim::ClaimRecord;
use crate::pool::refs;
use crate::state::format_utc;

/// One claim on the remote.
pub(super) struct PoolClaim {
    task: String,
    /// `None`: the claim ref holds no claim (it counts as over).
    record: Option<ClaimRecord>,
}

/// The claims of the pool; empty outside a repository or without the remote. A failed fetch
/// shows what was fetched last.
pub(super) fn claims(config: &Config, fetch: bool) -> Vec<PoolClaim> {
    let Ok(Some(repo)) = Repo::discover(&config.root) else {
        return Vec::new();
    };
    let remote =
        Remote::new(repo.workdir(), &config.git.remote).with_deadline(config.git.read_timeout);
    let branch = config
        .git
        .branch
        .clone()
        .or_else(|| repo.branch().ok().flatten());
    if let (true, Some(branch)) = (fetch, &branch)
        && remote.url().is_ok()
        && let Err(e) = remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name()))
    {
        tracing::debug!(error = %e, "status: the pool's claims were not fetched");
    }
    repo.seen_refs(&refs::tracked_claims(remote.name()))
        .unwrap_or_default()
        .into_iter()
        .map(|r| PoolClaim {
            task: r.name,
            record: ClaimRecord::parse(&r.message).ok(),
        })
        .collect()
}

/// The lines for people: `pool: N claim(s)` then one per claim.
pub(super) fn lines(claims: &[PoolClaim]) -> Vec<String> {
    if claims.is_empty() {
        return Vec::new();
    }
    let now = SystemTime::now();
    let mut out = vec![format!("pool: {} claim(s) on the remote", claims.len())];
    for claim in claims {
        out.push(match &claim.record {
            Some(r) => format!(
                "  task {} by {}@{} (pid {}), lease {} {}",
                claim.task,
                r.worker(),
                r.holder().host(),
                r.holder().pid(),
                if r.expired(now) {
                    "ran out at"
                } else {
                    "until"
                },
                format_utc(r.lease_until())
            ),
            None => format!(
                "  task {}: its claim ref holds no claim (counts as over)",
                claim.task
            ),
        });
    }
    out
}

/// The claims as JSON: `[{task, worker, host, pid, lease_until, expired}]`.
pub(super) fn json(claims: &[PoolClaim]) -> Value {
    let now = SystemTime::now();
    Value::Array(
        claims
            .iter()
            .map(|c| match &c.record {
                Some(r) => json!({
                    "task": c.task,
                    "worker": r.worker(),
                    "host": r.holder().host(),
                    "pid": r.holder().pid(),
                    "lease_until": format_utc(r.lease_until()),
                    "expired": r.expired(now),
                }),
                None => json!({ "task": c.task, "worker": null, "expired": true }),
            })
            .collect(),
    )
}
