//! The simulated pool: the remote, the workers, one clock (each worker reads it with its own
//! skew), the tasks; the operations the generated sequences are made of, and the invariants
//! checked after each.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::pool::claim::{self, ClaimRecord, Holder};
use crate::pool::model::remote::{Object, Remote, Sha};
use crate::pool::model::worker::Worker;
use crate::pool::push::{self, Expect, RefUpdate, push_args};
use crate::pool::refs;
use crate::tasks::Board;

/// `git.lease`.
pub(super) const LEASE: Duration = Duration::from_secs(600);
/// The shared branch.
pub(super) const BRANCH: &str = "main";
/// The model's clock starts here (seconds since 1970).
const T0: u64 = 1_750_000_000;

/// One task of the shared branch.
#[derive(Clone, Debug)]
pub(super) struct TaskSpec {
    pub(super) id: String,
    pub(super) depends: Vec<String>,
    /// How many run steps its worker takes before it can land.
    pub(super) steps: u8,
}

/// What the network does to one push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Net {
    /// Applied (or rejected) and answered.
    Ok,
    /// Applied (or rejected) on the remote, the answer lost: the pusher sees an error.
    LostAck,
    /// Never reached the remote: the pusher sees an error.
    Dropped,
}

/// What a pusher learns.
pub(super) enum Answer {
    Done,
    Rejected,
    Unknown,
}

/// Why a push is made: what the invariants judge it by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Claim,
    TakeOver,
    Renew,
    Release,
    Sweep,
    Land,
    Backup,
    Plant,
}

/// Which protocol the workers follow.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rules {
    /// The fix: before landing a claimed task, check that it is still open at the shared head
    /// (`outcome::standing`'s `Gone`). Off: the design as first written.
    pub(super) check_open: bool,
    /// Whether that check is also made at a read after the claim, before the task runs (it
    /// only saves running a task that landed meanwhile; `baton work` runs a claimed task at
    /// once, from the read it claimed from).
    pub(super) check_before_run: bool,
}

/// How often each path of the protocol ran, by name (the model is no model if some never
/// do).
#[derive(Clone, Debug, Default)]
pub(super) struct Stats(pub(super) BTreeMap<&'static str, usize>);

impl Stats {
    /// Counts one more `what`.
    pub(super) fn bump(&mut self, what: &'static str) {
        *self.0.entry(what).or_default() += 1;
    }

    /// Adds another case's counts.
    pub(super) fn add(&mut self, other: &Stats) {
        for (what, count) in &other.0 {
            *self.0.entry(what).or_default() += count;
        }
    }
}

/// The whole simulated pool.
pub(super) struct World {
    pub(super) remote: Remote,
    pub(super) workers: Vec<Worker>,
    pub(super) tasks: Vec<TaskSpec>,
    pub(super) rules: Rules,
    now_ms: u64,
    claims_made: u64,
    /// Claim commits replaced or deleted by someone other than their holder.
    superseded: BTreeSet<Sha>,
    /// Claim ids whose worker knows its task landed.
    pub(super) reported: BTreeSet<String>,
    /// Claim ids their worker forgot by crashing.
    pub(super) orphaned: BTreeSet<String>,
    pub(super) stats: Stats,
}

impl World {
    /// A pool of workers with these slots and clock skews (ms), on a branch with `tasks`.
    pub(super) fn new(tasks: Vec<TaskSpec>, workers: &[(usize, i64)], rules: Rules) -> World {
        let mut remote = Remote::default();
        let root = remote.store(Object::Head {
            parent: None,
            done: BTreeSet::new(),
            landings: Vec::new(),
        });
        remote.set(&refs::branch(BRANCH), root);
        let workers = workers
            .iter()
            .enumerate()
            .map(|(i, (slots, skew))| Worker::new(i, *slots, *skew))
            .collect();
        World {
            remote,
            workers,
            tasks,
            rules,
            now_ms: 0,
            claims_made: 0,
            superseded: BTreeSet::new(),
            reported: BTreeSet::new(),
            orphaned: BTreeSet::new(),
            stats: Stats::default(),
        }
    }

    /// Worker `w`'s clock.
    pub(super) fn clock(&self, w: usize) -> SystemTime {
        let at = UNIX_EPOCH + Duration::from_secs(T0) + Duration::from_millis(self.now_ms);
        let skew = self.workers[w].skew_ms;
        let by = Duration::from_millis(skew.unsigned_abs());
        if skew < 0 { at - by } else { at + by }
    }

    /// Moves the shared clock on.
    pub(super) fn advance(&mut self, ms: u64) {
        self.now_ms += ms;
    }

    /// Moves the shared clock to `ms` around the end of the lease of the `k`th claim ref on the
    /// remote (modulo their number), if that is ahead.
    pub(super) fn expire(&mut self, k: usize, ms: i64) {
        let ends: Vec<SystemTime> = self
            .remote
            .under(refs::CLAIMS)
            .filter_map(|(_, sha)| match self.remote.object(sha) {
                Object::Claim(message) => ClaimRecord::parse(message).ok(),
                _ => None,
            })
            .map(|record| record.lease_until())
            .collect();
        let Some(end) = ends.get(k % ends.len().max(1)) else {
            return;
        };
        let by = Duration::from_millis(ms.unsigned_abs());
        let to = if ms < 0 { *end - by } else { *end + by };
        let start = UNIX_EPOCH + Duration::from_secs(T0);
        let to_ms = to.duration_since(start).map_or(0, |d| d.as_millis());
        let to_ms = u64::try_from(to_ms).unwrap_or(u64::MAX);
        // Leases planted to end in 9999 are left alone.
        let two_leases = 2 * u64::try_from(LEASE.as_millis()).unwrap_or(u64::MAX / 2);
        if to_ms > self.now_ms && to_ms - self.now_ms <= two_leases {
            self.now_ms = to_ms;
        }
    }

    /// A new claim id: 16 hex digits.
    pub(super) fn new_claim_id(&mut self) -> String {
        self.claims_made += 1;
        format!("{:016x}", self.claims_made)
    }

    /// The shared head on the remote.
    pub(super) fn head(&self) -> Sha {
        self.remote
            .read(&refs::branch(BRANCH))
            .cloned()
            .expect("the shared branch")
    }

    /// The done tasks and landings of the branch commit `sha`.
    pub(super) fn tree(&self, sha: &str) -> (&BTreeSet<String>, &[(String, String)]) {
        match self.remote.object(sha) {
            Object::Head { done, landings, .. } => (done, landings),
            other => panic!("{sha} is no branch commit: {other:?}"),
        }
    }

    /// The board of the branch commit `sha`, read from its task files as the git layer would.
    pub(super) fn board(&self, sha: &str) -> Board {
        let (done, _) = self.tree(sha);
        Board::from_files(self.tasks.iter().map(|t| {
            if done.contains(&t.id) {
                (format!("done/{}.md", t.id), b"done\n".to_vec())
            } else {
                let text = format!("depends: [{}]\nDo {}.\n", t.depends.join(", "), t.id);
                (format!("{}.md", t.id), text.into_bytes())
            }
        }))
    }

    /// The claim id of the landing of `task` on the branch commit `sha`, if any.
    pub(super) fn landed_by(&self, sha: &str, task: &str) -> Option<String> {
        let (_, landings) = self.tree(sha);
        landings
            .iter()
            .find(|(t, _)| t == task)
            .and_then(|(_, message)| claim::landed_claim(message))
            .map(str::to_owned)
    }

    /// Pushes `updates` through `net`, as `git push` with [`push_args`] (atomic when there
    /// are several); checks that no claim commit someone else replaced is ever renewed or landed
    /// with (invariant 4).
    pub(super) fn push(
        &mut self,
        updates: &[RefUpdate],
        net: Net,
        kind: Kind,
    ) -> Result<Answer, String> {
        let kinds = vec![kind; updates.len()];
        let answers = self.push_with(updates, &kinds, net, true)?;
        Ok(answers.into_iter().next().unwrap_or(Answer::Unknown))
    }

    /// Pushes `updates` in one push without `--atomic` ([`push::push_each_args`]), each of its
    /// `kinds`: one answer each, in order (all unknown when the answer is lost).
    pub(super) fn push_each(
        &mut self,
        updates: &[RefUpdate],
        kinds: &[Kind],
        net: Net,
    ) -> Result<Vec<Answer>, String> {
        self.push_with(updates, kinds, net, false)
    }

    /// The push of [`World::push`] and [`World::push_each`]: with `atomic`, one answer for all.
    fn push_with(
        &mut self,
        updates: &[RefUpdate],
        kinds: &[Kind],
        net: Net,
        atomic: bool,
    ) -> Result<Vec<Answer>, String> {
        let each = if atomic { 1 } else { updates.len() };
        if net == Net::Dropped {
            return Ok((0..each).map(|_| Answer::Unknown).collect());
        }
        let before: Vec<Option<Sha>> = updates
            .iter()
            .map(|u| self.remote.read(&u.refname).cloned())
            .collect();
        let args = if atomic {
            push_args("origin", updates)
        } else {
            push::push_each_args("origin", updates)
        };
        let rejected = self.remote.push(&args).err().unwrap_or_default();
        let applied: Vec<bool> = updates
            .iter()
            .map(|u| !rejected.contains(&u.refname) && (!atomic || rejected.is_empty()))
            .collect();
        for ((update, old), (&kind, &applied)) in
            updates.iter().zip(before).zip(kinds.iter().zip(&applied))
        {
            if !applied {
                continue;
            }
            let is_claim = refs::task_of_claim(&update.refname).is_some();
            if let (true, Expect::At(expected)) = (is_claim, &update.expect)
                && matches!(kind, Kind::Renew | Kind::Land)
                && self.superseded.contains(expected)
            {
                return Err(format!(
                    "a {kind:?} expecting {expected}, taken over before, was applied"
                ));
            }
            if let (true, Some(old), Kind::TakeOver | Kind::Sweep | Kind::Plant) =
                (is_claim, old, kind)
            {
                self.superseded.insert(old);
            }
        }
        if net == Net::LostAck {
            if applied.iter().any(|a| *a) {
                self.stats.bump("lost answers");
            }
            return Ok((0..each).map(|_| Answer::Unknown).collect());
        }
        Ok(applied
            .iter()
            .take(each)
            .map(|&a| if a { Answer::Done } else { Answer::Rejected })
            .collect())
    }

    /// Keeps `merge` on the backup ref of `task`'s claim `claim_id`.
    pub(super) fn backup(&mut self, task: &str, claim_id: &str, merge: &str) -> Result<(), String> {
        self.stats.bump("backups");
        self.push(
            &[push::backup(task, claim_id, merge)],
            Net::Ok,
            Kind::Backup,
        )
        .map(|_| ())
    }

    /// A claim pushed by hand: garbage, a lease in the past, or one ending in 9999.
    pub(super) fn plant(&mut self, task: &str, kind: u8) -> Result<(), String> {
        let message = match kind {
            0 => "[CLAIM] by hand\n\nnot a claim\n".to_owned(),
            _ => {
                let until = if kind == 1 {
                    self.clock(0) - LEASE
                } else {
                    UNIX_EPOCH + Duration::from_secs(253_402_300_799)
                };
                let holder = Holder::new("intruder", 1, "x").expect("holder");
                let id = self.new_claim_id();
                ClaimRecord::new(task, holder, "hand", until, &id)
                    .expect("record")
                    .message()
            }
        };
        let sha = self.remote.store(Object::Claim(message));
        let update = push::claim(task, &sha, Expect::Absent);
        self.push(&[update], Net::Ok, Kind::Plant).map(|_| ())
    }
}
