//! A simulated worker acting on a fresh read of the remote: running a task (after checking it
//! is still open), landing it, and settling its pushes whose answer was lost — with the real
//! [`standing`] and [`settle`].

use crate::pool::claim::landing_trailer;
use crate::pool::model::remote::{Object, Sha};
use crate::pool::model::worker::Pending;
use crate::pool::model::world::{Answer, BRANCH, Kind, Net, World};
use crate::pool::outcome::{Seen, Settled, Standing, settle, standing};
use crate::pool::push;
use crate::pool::refs;

impl World {
    /// One step of running `task`: first the check that it is still open, then its work.
    pub(super) fn step(&mut self, w: usize, task: &str) -> Result<(), String> {
        self.settle(w)?;
        let Some(held) = self.workers[w].held.get(task) else {
            return Ok(());
        };
        if held.checked {
            if let Some(held) = self.workers[w].held.get_mut(task) {
                held.steps_left = held.steps_left.saturating_sub(1);
            }
        } else if (!(self.rules.check_open && self.rules.check_before_run)
            || self.stand(w, task)?.is_some())
            && let Some(held) = self.workers[w].held.get_mut(task)
        {
            held.checked = true;
        }
        Ok(())
    }

    /// Lands `task` once it ran: makes the merge on a fresh head, or pushes the merge made.
    pub(super) fn land(&mut self, w: usize, task: &str, net: Net) -> Result<(), String> {
        self.settle(w)?;
        let Some(held) = self.workers[w].held.get_mut(task) else {
            return Ok(());
        };
        if !held.checked || held.steps_left > 0 {
            return Ok(());
        }
        let Some((head, merge)) = held.prepared.take() else {
            if let Some(head) = self.stand(w, task)? {
                let merge = self.merge(w, &head, task);
                if let Some(held) = self.workers[w].held.get_mut(task) {
                    (held.prepared, held.merge) = (Some((head, merge.clone())), Some(merge));
                }
            }
            return Ok(());
        };
        let ours = held.sha.clone();
        let claim_id = held.record.claim_id().to_owned();
        let land = push::train(BRANCH, &merge, &head, &[(task, &ours)]);
        match self.push(&land, net, Kind::Land)? {
            Answer::Done => {
                self.stats.bump("landings");
                self.reported.insert(claim_id);
                self.workers[w].held.remove(task);
            }
            Answer::Rejected => {
                // Which lease failed? Read the remote again: the branch moved (make the merge
                // again next time), or the claim is lost or the task gone (keep the merge).
                self.stats.bump("landings rejected");
                self.stand(w, task)?;
            }
            Answer::Unknown => {
                if let Some(held) = self.workers[w].held.remove(task) {
                    let task = task.to_owned();
                    self.workers[w].pending.push(Pending::Land { task, held });
                }
            }
        }
        Ok(())
    }

    /// Lands every task it ran in one train (as `baton work` lands what came back since its
    /// last look): makes the chain of merges on a fresh head, one a task, or pushes the chain
    /// made — the branch and every claim's deletion, atomically. A train one of whose tasks
    /// it no longer holds is dropped (made again next time).
    pub(super) fn train(&mut self, w: usize, net: Net) -> Result<(), String> {
        self.settle(w)?;
        let Some((head, merge, tasks)) = self.workers[w].train.take() else {
            let ready: Vec<String> = self.workers[w]
                .held
                .iter()
                .filter(|(_, h)| h.checked && h.steps_left == 0)
                .map(|(task, _)| task.clone())
                .collect();
            let (mut head, mut tip, mut on) = (None, None, Vec::new());
            for task in ready {
                let Some(at) = self.stand(w, &task)? else {
                    continue;
                };
                let base = tip.clone().unwrap_or_else(|| at.clone());
                head.get_or_insert(at);
                let merge = self.merge(w, &base, &task);
                if let Some(held) = self.workers[w].held.get_mut(&task) {
                    held.merge = Some(merge.clone());
                }
                tip = Some(merge);
                let id = self.workers[w]
                    .held
                    .get(&task)
                    .map(|h| h.record.claim_id().to_owned());
                on.push((task, id.unwrap_or_default()));
            }
            if let (Some(head), Some(tip)) = (head, tip) {
                self.workers[w].train = Some((head, tip, on));
            }
            return Ok(());
        };
        // Each merge names the claim it was made under: a task released and claimed again
        // since is another claim, and the train is made again.
        let mut claims = Vec::new();
        for (task, id) in &tasks {
            let Some(held) = self.workers[w].held.get(task) else {
                return Ok(());
            };
            if held.record.claim_id() != id {
                return Ok(());
            }
            claims.push((task.clone(), held.sha.clone(), id.clone()));
        }
        let pairs: Vec<(&str, &str)> = claims
            .iter()
            .map(|(task, sha, _)| (task.as_str(), sha.as_str()))
            .collect();
        let updates = push::train(BRANCH, &merge, &head, &pairs);
        match self.push(&updates, net, Kind::Land)? {
            Answer::Done => {
                self.stats.bump("trains");
                for (task, _, claim_id) in claims {
                    self.stats.bump("landings");
                    self.reported.insert(claim_id);
                    self.workers[w].held.remove(&task);
                }
            }
            Answer::Rejected => {
                self.stats.bump("trains rejected");
                for (task, _) in &tasks {
                    self.stand(w, task)?;
                }
            }
            Answer::Unknown => {
                for (task, _) in tasks {
                    if let Some(held) = self.workers[w].held.remove(&task) {
                        self.workers[w].pending.push(Pending::Land { task, held });
                    }
                }
            }
        }
        Ok(())
    }

    /// The merge of its work on `task` onto the branch commit `head`: the task moved to done,
    /// the landing's message naming the claim.
    fn merge(&mut self, w: usize, head: &str, task: &str) -> Sha {
        let worker = &self.workers[w];
        let claim_id = worker
            .held
            .get(task)
            .map(|h| h.record.claim_id().to_owned());
        let message = format!(
            "[LAND i=1] {0}: task {task} (baton/{0}/{task})\n\nBaton-Task: {task}\n{1}",
            worker.name(),
            landing_trailer(&claim_id.unwrap_or_default()),
        );
        let (done, landings) = self.tree(head);
        let (mut done, mut landings) = (done.clone(), landings.to_vec());
        done.insert(task.to_owned());
        landings.push((task.to_owned(), message));
        self.remote.store(Object::Head {
            parent: Some(head.to_owned()),
            done,
            landings,
        })
    }

    /// Reads the head and the claim ref of `task` afresh and acts on where the task stands
    /// ([`standing`]): `Some(head)` to go on from that head; otherwise the claim is dropped
    /// (released when the task is gone, its merge kept on the backup ref).
    fn stand(&mut self, w: usize, task: &str) -> Result<Option<Sha>, String> {
        let head = self.head();
        let board = self.board(&head);
        let landed_by = self.landed_by(&head, task);
        let claim_ref = self.remote.read(&refs::claim(task)).cloned();
        let Some(held) = self.workers[w].held.get(task) else {
            return Ok(None);
        };
        let seen = Seen {
            board: &board,
            landed_by: landed_by.as_deref(),
            claim_ref: claim_ref.as_deref(),
        };
        let mut stands = standing(task, &held.sha, held.record.claim_id(), &seen);
        if stands == Standing::Gone && !self.rules.check_open {
            stands = Standing::Proceed;
        }
        if stands == Standing::Proceed {
            return Ok(Some(head));
        }
        let Some(held) = self.workers[w].held.remove(task) else {
            return Ok(None);
        };
        let claim_id = held.record.claim_id().to_owned();
        match stands {
            Standing::Proceed => {}
            Standing::Landed => {
                self.stats.bump("landings found after a lost answer");
                self.reported.insert(claim_id.clone());
            }
            Standing::Lost => self.stats.bump("claims found lost"),
            Standing::Gone => {
                self.stats.bump("claims of tasks gone");
                self.push(&[push::release(task, &held.sha)], Net::Ok, Kind::Release)?;
            }
        }
        if let (Some(merge), Standing::Lost | Standing::Gone) = (&held.merge, stands) {
            self.backup(task, &claim_id, merge)?;
        }
        Ok(None)
    }

    /// Settles its pushes whose answer was lost, reading the remote back.
    pub(super) fn settle(&mut self, w: usize) -> Result<(), String> {
        for pending in std::mem::take(&mut self.workers[w].pending) {
            match pending {
                Pending::Claim {
                    task,
                    record,
                    sha,
                    expect,
                } => {
                    let found = self.remote.read(&refs::claim(&task));
                    if settle(&expect, Some(&sha), found.map(String::as_str)) == Settled::Applied {
                        self.stats.bump("pushes settled as applied");
                        self.hold(w, &task, record, sha);
                    }
                }
                Pending::Renew {
                    task,
                    record,
                    sha,
                    expect,
                } => {
                    let found = self.remote.read(&refs::claim(&task));
                    match settle(&expect, Some(&sha), found.map(String::as_str)) {
                        Settled::Applied => {
                            self.stats.bump("pushes settled as applied");
                            if let Some(held) = self.workers[w].held.get_mut(&task) {
                                (held.record, held.sha) = (record, sha);
                            }
                        }
                        Settled::NotApplied => {}
                        Settled::Overtaken => {
                            self.stats.bump("renewals that found the claim lost");
                            self.workers[w].held.remove(&task);
                        }
                    }
                }
                Pending::Land { task, held } => {
                    self.workers[w].held.insert(task.clone(), held);
                    self.stand(w, &task)?;
                }
            }
        }
        Ok(())
    }
}
