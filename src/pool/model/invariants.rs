//! The invariants the model checks after every operation, and the fault-free end that checks
//! that no task is lost (docs/pool.md, "Invariants").

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::pool::claim;
use crate::pool::model::world::{LEASE, Net, World};
use crate::pool::plan::renew_due;
use crate::pool::refs;

/// How many rounds the final, fault-free phase may take to land every task.
const DRAIN_ROUNDS: usize = 120;

impl World {
    /// The invariants that hold after every step (docs/pool.md, "Invariants").
    pub(super) fn check(&self) -> Result<(), String> {
        // 2. No task landed twice.
        let (_, landings) = self.tree(&self.head());
        let mut seen = BTreeSet::new();
        for (task, _) in landings {
            if !seen.insert(task) {
                return Err(format!("task {task} landed twice"));
            }
        }
        // 4 holds by compare-and-swap as long as no claim ref ever returns to a commit it
        // held before (each push checks the rest: `World::push`).
        for (refname, values) in &self.remote.history {
            let mut held = BTreeSet::new();
            if refname.starts_with(refs::CLAIMS)
                && values.iter().flatten().any(|sha| !held.insert(sha))
            {
                return Err(format!("{refname} came back to a commit it held before"));
            }
        }
        // 1. At most one worker believes it holds a live claim on a task, a claim being live
        // for its holder until its lease ends by its clock, less the skew between clocks.
        let skews = self.workers.iter().map(|w| w.skew_ms);
        let spread = skews.clone().max().unwrap_or(0) - skews.min().unwrap_or(0);
        let spread = Duration::from_millis(spread.unsigned_abs());
        let mut believers: BTreeMap<&str, usize> = BTreeMap::new();
        for (w, worker) in self.workers.iter().enumerate() {
            for (task, held) in &worker.held {
                if !held.record.expired(self.clock(w) + spread) {
                    let count = believers.entry(task).or_default();
                    *count += 1;
                    if *count > 1 {
                        return Err(format!("two workers hold a live claim on {task}"));
                    }
                }
            }
        }
        Ok(())
    }

    /// The fault-free end: every worker fetches, renews what is due, claims, runs and makes
    /// its merges, then every worker pushes its merges, round after round, the clock moving a
    /// tenth of a lease a round, until every task has landed (invariant 3), each once, each
    /// landing known to its worker unless it crashed.
    pub(super) fn drain(&mut self) -> Result<(), String> {
        for _ in 0..DRAIN_ROUNDS {
            let (done, landings) = self.tree(&self.head());
            if done.len() == self.tasks.len() {
                let landings = landings.to_vec();
                for w in 0..self.workers.len() {
                    self.settle(w)?;
                }
                for (task, message) in &landings {
                    let id = claim::landed_claim(message).unwrap_or_default();
                    if !self.reported.contains(id) && !self.orphaned.contains(id) {
                        return Err(format!("{task}'s landing ({id}) is unknown to its worker"));
                    }
                }
                return Ok(());
            }
            for w in 0..self.workers.len() {
                self.settle(w)?;
                self.fetch(w);
                let due: Vec<String> = self.workers[w]
                    .held
                    .iter()
                    .filter(|(_, h)| renew_due(&h.record, self.clock(w), LEASE))
                    .map(|(task, _)| task.clone())
                    .collect();
                for task in due {
                    self.renew(w, &task, Net::Ok)?;
                }
                self.claim(w, Net::Ok)?;
                let held: Vec<String> = self.workers[w].held.keys().cloned().collect();
                for task in held {
                    self.step(w, &task)?;
                    self.land(w, &task, Net::Ok)?;
                }
                self.check()?;
            }
            // Every worker made its merges on the head of its turn; they push now, so that
            // landings race.
            for w in 0..self.workers.len() {
                let held: Vec<String> = self.workers[w].held.keys().cloned().collect();
                for task in held {
                    self.land(w, &task, Net::Ok)?;
                }
                self.check()?;
            }
            self.advance(u64::try_from(LEASE.as_millis() / 10).unwrap_or(1));
        }
        let (done, _) = self.tree(&self.head());
        Err(format!(
            "after {DRAIN_ROUNDS} fault-free rounds only {done:?} of {} tasks landed",
            self.tasks.len()
        ))
    }
}
