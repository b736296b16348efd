//! The pool as `baton status`, `baton watch` and `baton serve` show it (docs/pool.md): the
//! claim refs of the remote, as this clone fetched them into
//! `refs/baton/remotes/<remote>/claims/*`, grouped by the worker process that holds them
//! ([`PoolView`]). The one reader of the pool for the views: they render a [`PoolView`] and
//! never read a claim commit themselves.
//!
//! [`PoolReader::refresh`] fetches the claim refs (with the shared branch, in one `git fetch
//! --prune`, ended after `git.read_timeout`) only when asked to: a view beside a Baton that
//! runs in this clone reads the copies that Baton fetched, never racing its fetches for their
//! ref locks. Nothing but those remote-tracking refs (and `refs/remotes/<remote>/<branch>`) is
//! written.
//!
//! A pool worker is seen through its claims only: a worker that holds none is not listed.

#[cfg(test)]
mod tests;
mod text;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

pub(crate) use text::lines;

use crate::config::Config;
use crate::git::{Remote, Repo};
use crate::pool::claim::{ClaimRecord, Holder};
use crate::pool::plan::ClaimRef;
use crate::pool::refs;
use crate::state::format_utc;

/// The pool at one moment: who holds which claims on the remote, until when.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct PoolView {
    /// The remote (`origin`).
    pub(crate) remote: String,
    /// The worker processes holding claims, by host, pid and start token.
    pub(crate) workers: Vec<PoolWorker>,
    /// Claim refs that hold no claim (a message that is no claim commit's): they count as
    /// over, and the next worker takes their task over. By task.
    pub(crate) no_claim: Vec<NoClaim>,
    /// When the remote last answered a fetch of the claims (UTC); `None`: the claims are as
    /// this clone last fetched them (by a Baton running here, or an earlier command).
    pub(crate) checked_at: Option<String>,
    /// Why the last fetch failed (the claims are then as last fetched).
    pub(crate) problem: Option<String>,
}

/// One worker process of the pool (a `baton work`), as its claims describe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct PoolWorker {
    /// The machine's name.
    pub(crate) host: String,
    /// The process id on that machine.
    pub(crate) pid: u32,
    /// The process's start token (`<boot id>/<start ticks>`): tells it apart from a later
    /// process with the same pid.
    pub(crate) start: String,
    /// The names of its workers that hold claims (`ralph-1`, `ralph-2`), sorted.
    pub(crate) names: Vec<String>,
    /// How many tasks it runs at once (its claims' `Baton-Slots`); `None` when its claims do
    /// not say (written by a Baton before slots were recorded).
    pub(crate) slots: Option<u32>,
    /// Its claims, by task.
    pub(crate) claims: Vec<PoolClaim>,
}

/// One claim of a worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct PoolClaim {
    /// The claimed task.
    pub(crate) task: String,
    /// The worker running it (`ralph-2`).
    pub(crate) worker: String,
    /// When its lease ends (UTC, whole seconds).
    pub(crate) lease_until: String,
    /// Whether the lease ran out (by this clone's clock).
    pub(crate) expired: bool,
    /// Whether any worker may take the task over: the lease ran out, or it ends more than two
    /// leases ahead (no pool member with a sane clock writes one).
    pub(crate) over: bool,
}

/// A claim ref that holds no claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct NoClaim {
    /// The task its ref names.
    pub(crate) task: String,
    /// Why its commit is no claim (the reader's error, as found).
    pub(crate) why: String,
}

impl PoolView {
    /// How many claim refs there are (claims and refs that hold none).
    #[must_use]
    pub(crate) fn refs(&self) -> usize {
        self.workers.iter().map(|w| w.claims.len()).sum::<usize>() + self.no_claim.len()
    }

    /// Whether the remote has no claim ref (as last fetched).
    #[must_use]
    pub(crate) fn is_empty(&self) -> bool {
        self.refs() == 0
    }

    /// Whether `other` shows the same workers, claims and refs that hold none, each claim's
    /// lease as live or over alike: a renewal, which only moves a live lease's end, is no
    /// change (nor when each was read).
    #[must_use]
    pub(crate) fn same_claims(&self, other: &PoolView) -> bool {
        let key = |view: &PoolView| {
            let mut workers = view.workers.clone();
            for claim in workers.iter_mut().flat_map(|w| &mut w.claims) {
                claim.lease_until.clear();
            }
            (view.remote.clone(), workers, view.no_claim.clone())
        };
        key(self) == key(other)
    }
}

/// One claim ref as this clone last fetched it.
#[derive(Clone, Debug)]
struct Seen {
    task: String,
    claim: ClaimRef,
    /// Why its message is no claim (`claim.record` is `None`).
    why: Option<String>,
}

/// The pool of one remote, read at this clone's copies of its claim refs.
pub(crate) struct PoolReader {
    repo: Repo,
    remote: Remote,
    /// The shared branch, fetched with the claims (`None`: a detached HEAD and no
    /// `git.branch`, so nothing is fetched).
    branch: Option<String>,
    /// `git.lease`: a claim ending more than two of it ahead counts as over.
    lease: Duration,
    seen: Vec<Seen>,
    /// When the claims were last read on a cadence ([`PoolReader::refresh_when_due`]).
    read_at: Option<Instant>,
    checked_at: Option<SystemTime>,
    problem: Option<String>,
}

impl PoolReader {
    /// The pool of `config`'s remote (`git.remote`), its fetches ended after
    /// `git.read_timeout`; nothing read yet. `None` outside a git repository or when the
    /// clone has no such remote.
    #[must_use]
    pub(crate) fn new(config: &Config) -> Option<PoolReader> {
        let repo = Repo::discover(&config.root).ok()??;
        let remote =
            Remote::new(repo.workdir(), &config.git.remote).with_deadline(config.git.read_timeout);
        remote.url().ok()?;
        let branch = config
            .git
            .branch
            .clone()
            .or_else(|| repo.branch().ok().flatten());
        Some(PoolReader {
            repo,
            remote,
            branch,
            lease: config.git.lease,
            seen: Vec::new(),
            read_at: None,
            checked_at: None,
            problem: None,
        })
    }

    /// Ends its fetch as soon as `quit` is set too (leaving a watch or a dashboard never waits
    /// for the network).
    pub(crate) fn cancel_on(&mut self, quit: Arc<AtomicBool>) {
        self.remote = self.remote.clone().cancelled_by(quit);
    }

    /// Reads the claims again: first fetched from the remote when `fetch` (a failure is kept
    /// as the view's `problem`, the copies last fetched are read), then read at this clone's
    /// copies.
    pub(crate) fn refresh(&mut self, fetch: bool) {
        if fetch && let Some(branch) = &self.branch {
            let spec = refs::claims_fetch_spec(self.remote.name());
            match self.remote.fetch_with(branch, &spec) {
                Ok(()) => {
                    self.checked_at = Some(SystemTime::now());
                    self.problem = None;
                }
                Err(e) => self.problem = Some(format!("{e:#}")),
            }
        }
        match self
            .repo
            .seen_refs(&refs::tracked_claims(self.remote.name()))
        {
            Ok(found) => {
                let here = crate::process::Here::now();
                self.seen = found
                    .into_iter()
                    .filter(|r| {
                        refs::task_of_claim(&refs::claim(&r.name)).is_some() || r.name == refs::TURN
                    })
                    .map(|r| Seen {
                        why: ClaimRecord::parse(&r.message).err().map(|e| e.to_string()),
                        claim: ClaimRef::read(r.sha, &r.message, &here),
                        task: r.name,
                    })
                    .collect();
            }
            Err(e) => self.problem = Some(format!("the claims this clone fetched: {e:#}")),
        }
    }

    /// Reads the claims again once `every` passed since they were last read (at once the
    /// first time), as `baton watch` and `baton serve` do on their remote's cadence: fetched
    /// first unless a Baton runs in this clone (it holds the runner lock `lock`; its own
    /// fetches keep the copies fresh). Returns whether it read them.
    pub(crate) fn refresh_when_due(&mut self, every: Duration, lock: &Path) -> bool {
        if self.read_at.is_some_and(|at| at.elapsed() < every) {
            return false;
        }
        self.read_at = Some(Instant::now());
        self.refresh(super::baton_runs_here(lock).is_none());
        true
    }

    /// The pool as last read, judged at `now` (this clone's clock).
    #[must_use]
    pub(crate) fn view(&self, now: SystemTime) -> PoolView {
        let (workers, no_claim) = group(&self.seen, now, self.lease);
        PoolView {
            remote: self.remote.name().to_owned(),
            workers,
            no_claim,
            checked_at: self.checked_at.map(format_utc),
            problem: self.problem.clone(),
        }
    }
}

/// The claims `seen` by holder (host, pid, start token), and the refs that hold no claim;
/// each lease judged at `now` against `git.lease` `lease`.
fn group(seen: &[Seen], now: SystemTime, lease: Duration) -> (Vec<PoolWorker>, Vec<NoClaim>) {
    let mut by_holder: BTreeMap<&Holder, Vec<(&Seen, &ClaimRecord)>> = BTreeMap::new();
    let mut no_claim = Vec::new();
    for s in seen {
        match &s.claim.record {
            Some(record) => by_holder
                .entry(record.holder())
                .or_default()
                .push((s, record)),
            None => no_claim.push(NoClaim {
                task: s.task.clone(),
                why: s.why.clone().unwrap_or_default(),
            }),
        }
    }
    let workers = by_holder
        .into_iter()
        .map(|(holder, claims)| {
            let mut names: Vec<String> =
                claims.iter().map(|(_, r)| r.worker().to_owned()).collect();
            names.sort();
            names.dedup();
            PoolWorker {
                host: holder.host().to_owned(),
                pid: holder.pid(),
                start: holder.start().to_owned(),
                names,
                // One process writes one number; the largest, should its claims disagree.
                slots: claims.iter().filter_map(|(_, r)| r.slots()).max(),
                claims: claims
                    .iter()
                    .map(|(s, r)| PoolClaim {
                        task: s.task.clone(),
                        worker: r.worker().to_owned(),
                        lease_until: format_utc(r.lease_until()),
                        expired: r.expired(now),
                        over: s.claim.is_over(now, lease),
                    })
                    .collect(),
            }
        })
        .collect();
    (workers, no_claim)
}
