//! A simulated worker: what it knows (its last fetch, its claims, its pushes whose answer was
//! lost) and what it does, deciding with the real [`plan`], [`settle`] and [`standing`].

use std::collections::{BTreeMap, BTreeSet};

use crate::pool::claim::{ClaimRecord, Holder};
use crate::pool::model::remote::{Object, Sha};
use crate::pool::model::world::{Answer, Kind, LEASE, Net, World};
use crate::pool::plan::{Claim, ClaimRef, View, plan};
use crate::pool::push::{self, Expect, RefUpdate};
use crate::pool::refs;
use crate::tasks::Board;

/// One worker process (its incarnation: a crash starts a new one, knowing nothing).
pub(super) struct Worker {
    index: usize,
    incarnation: u32,
    holder: Holder,
    slots: usize,
    pub(super) skew_ms: i64,
    view: Option<Fetched>,
    pub(super) held: BTreeMap<String, Held>,
    pub(super) pending: Vec<Pending>,
    /// A landing train made and not pushed yet: the head it was made on, its last merge, and
    /// its tasks in order, each with the claim id its merge names.
    pub(super) train: Option<Train>,
}

/// What its last fetch said.
struct Fetched {
    board: Board,
    claims: BTreeMap<String, ClaimRef>,
}

/// A landing train made and not pushed: the head it was made on, its last merge, and its
/// tasks in order, each with the claim id its merge names.
pub(super) type Train = (Sha, Sha, Vec<(String, String)>);

/// A claim it believes it holds (its push was answered, or settled as applied).
pub(super) struct Held {
    pub(super) record: ClaimRecord,
    pub(super) sha: Sha,
    pub(super) steps_left: u8,
    /// Whether the task was found open at a head fetched after the claim.
    pub(super) checked: bool,
    /// A merge made for landing: the head it was made on, and the merge.
    pub(super) prepared: Option<(Sha, Sha)>,
    /// The last merge made, for the backup ref should the claim be lost.
    pub(super) merge: Option<Sha>,
}

/// A push whose answer was lost.
pub(super) enum Pending {
    Claim {
        task: String,
        record: ClaimRecord,
        sha: Sha,
        expect: Expect,
    },
    Renew {
        task: String,
        record: ClaimRecord,
        sha: Sha,
        expect: Expect,
    },
    /// A landing in doubt: its claim is out of `held` (the landing may have ended it) until
    /// settled.
    Land { task: String, held: Held },
}

impl Worker {
    pub(super) fn new(index: usize, slots: usize, skew_ms: i64) -> Worker {
        Worker {
            index,
            incarnation: 0,
            holder: holder(index, 0),
            slots,
            skew_ms,
            view: None,
            held: BTreeMap::new(),
            pending: Vec::new(),
            train: None,
        }
    }

    pub(super) fn name(&self) -> String {
        format!("w{}", self.index)
    }

    /// The `n`th claim it holds (modulo their number).
    pub(super) fn nth(&self, n: usize) -> Option<String> {
        let len = self.held.len();
        (len > 0)
            .then(|| self.held.keys().nth(n % len).cloned())
            .flatten()
    }
}

fn holder(index: usize, incarnation: u32) -> Holder {
    let pid = u32::try_from(1000 + index).expect("small");
    Holder::new(&format!("host{index}"), pid, &format!("boot/{incarnation}")).expect("holder")
}

impl World {
    /// Fetches the shared branch and every claim ref, in one read. A claim of an earlier
    /// incarnation of the same worker (its host, another start) reads as ended, as a worker
    /// started again on the machine of one killed finds its processes gone.
    pub(super) fn fetch(&mut self, w: usize) {
        let board = self.board(&self.head());
        let me = &self.workers[w].holder;
        let claims = self
            .remote
            .under(refs::CLAIMS)
            .filter_map(|(name, sha)| {
                let task = refs::task_of_claim(name)?;
                let record = match self.remote.object(sha) {
                    Object::Claim(message) => ClaimRecord::parse(message).ok(),
                    _ => None,
                };
                let sha = sha.clone();
                let ended = record.as_ref().is_some_and(|r| {
                    let holder = r.holder();
                    holder.host() == me.host() && holder != me
                });
                Some((task.to_owned(), ClaimRef { sha, record, ended }))
            })
            .collect();
        self.workers[w].view = Some(Fetched { board, claims });
    }

    /// Plans from the last fetch, sweeps, and claims until its slots are full.
    pub(super) fn claim(&mut self, w: usize, net: Net) -> Result<(), String> {
        self.settle(w)?;
        let worker = &self.workers[w];
        let Some(view) = &worker.view else {
            return Ok(());
        };
        // Settled: nothing is pending.
        let busy: BTreeSet<String> = worker.held.keys().cloned().collect();
        let free = worker.slots.saturating_sub(busy.len());
        let view = View {
            board: &view.board,
            claims: &view.claims,
            now: self.clock(w),
            lease: LEASE,
        };
        let planned = plan(&view, &worker.holder, &busy, free);
        let ended: BTreeSet<String> = (view.claims.iter())
            .filter(|(_, c)| c.ended)
            .map(|(task, _)| task.clone())
            .collect();
        for sweep in planned.sweep {
            self.stats.bump("sweeps");
            self.push(
                &[push::release(&sweep.task, &sweep.sha)],
                Net::Ok,
                Kind::Sweep,
            )?;
        }
        // Every attempt in one push, each its own compare-and-swap (as `baton work` claims).
        let mut made = Vec::new();
        for attempt in planned.attempts.into_iter().take(free) {
            let id = self.new_claim_id();
            let worker = &self.workers[w];
            let until = self.clock(w) + LEASE;
            let record = ClaimRecord::new(
                &attempt.task,
                worker.holder.clone(),
                &worker.name(),
                until,
                &id,
            )
            .map_err(|e| e.to_string())?;
            let sha = self.remote.store(Object::Claim(record.message()));
            let kind = match attempt.claim {
                Claim::Fresh => Kind::Claim,
                Claim::TakeOver { .. } => Kind::TakeOver,
            };
            made.push((attempt, record, sha, kind));
        }
        if made.is_empty() {
            return Ok(());
        }
        let updates: Vec<RefUpdate> = made
            .iter()
            .map(|(attempt, _, sha, _)| push::claim(&attempt.task, sha, attempt.claim.expect()))
            .collect();
        let kinds: Vec<Kind> = made.iter().map(|m| m.3).collect();
        let answers = self.push_each(&updates, &kinds, net)?;
        for ((attempt, record, sha, kind), answer) in made.into_iter().zip(answers) {
            match answer {
                Answer::Done => {
                    if kind == Kind::Claim {
                        self.stats.bump("fresh claims");
                    } else if ended.contains(&attempt.task) {
                        self.stats.bump("take-overs from an ended holder");
                    } else {
                        self.stats.bump("take-overs");
                    }
                    self.hold(w, &attempt.task, record, sha);
                }
                Answer::Rejected => {}
                Answer::Unknown => {
                    let expect = attempt.claim.expect();
                    self.workers[w].pending.push(Pending::Claim {
                        task: attempt.task,
                        record,
                        sha,
                        expect,
                    });
                }
            }
        }
        Ok(())
    }

    pub(super) fn hold(&mut self, w: usize, task: &str, record: ClaimRecord, sha: Sha) {
        let steps_left = self
            .tasks
            .iter()
            .find(|t| t.id == task)
            .map_or(0, |t| t.steps);
        let held = Held {
            record,
            sha,
            steps_left,
            checked: false,
            prepared: None,
            merge: None,
        };
        self.workers[w].held.insert(task.to_owned(), held);
    }

    /// Renews its claim on `task`.
    pub(super) fn renew(&mut self, w: usize, task: &str, net: Net) -> Result<(), String> {
        self.settle(w)?;
        let Some(held) = self.workers[w].held.get(task) else {
            return Ok(());
        };
        let record = held.record.renewed(self.clock(w), LEASE);
        let ours = held.sha.clone();
        let sha = self.remote.store(Object::Claim(record.message()));
        let renewal = push::claim(task, &sha, Expect::At(ours.clone()));
        match self.push(&[renewal], net, Kind::Renew)? {
            Answer::Done => {
                if let Some(held) = self.workers[w].held.get_mut(task) {
                    (held.record, held.sha) = (record, sha);
                }
            }
            Answer::Rejected => {
                // Taken over: stop, never land; a merge made is kept.
                self.stats.bump("renewals that found the claim lost");
                if let Some(lost) = self.workers[w].held.remove(task)
                    && let Some(merge) = &lost.merge
                {
                    self.backup(task, lost.record.claim_id(), merge)?;
                }
            }
            Answer::Unknown => {
                let (task, expect) = (task.to_owned(), Expect::At(ours));
                self.workers[w].pending.push(Pending::Renew {
                    task,
                    record,
                    sha,
                    expect,
                });
            }
        }
        Ok(())
    }

    /// A failed run: releases the claim on `task` (whatever the answer, it forgets it).
    pub(super) fn fail(&mut self, w: usize, task: &str, net: Net) -> Result<(), String> {
        self.settle(w)?;
        if let Some(held) = self.workers[w].held.remove(task) {
            self.push(&[push::release(task, &held.sha)], net, Kind::Release)?;
        }
        Ok(())
    }

    /// The worker's process dies: it forgets everything; its claims stay on the remote.
    pub(super) fn crash(&mut self, w: usize) {
        let worker = &mut self.workers[w];
        let ids = worker.held.values().map(|h| h.record.claim_id().to_owned());
        let pending = worker.pending.iter().map(|p| match p {
            Pending::Claim { record, .. } | Pending::Renew { record, .. } => {
                record.claim_id().to_owned()
            }
            Pending::Land { held, .. } => held.record.claim_id().to_owned(),
        });
        let forgotten: Vec<String> = ids.chain(pending).collect();
        worker.incarnation += 1;
        worker.holder = holder(worker.index, worker.incarnation);
        worker.view = None;
        worker.held.clear();
        worker.pending.clear();
        worker.train = None;
        self.orphaned.extend(forgotten);
    }
}
