//! What a task that came back needs before it boards a train: its claim, a successful run,
//! its branch, and (with `completion.verify`) a green verify of the shared head merged into
//! it. A task that will not land ends here, its claim's release queued.

use super::{Car, keep_backup, release};
use crate::error::Result;
use crate::git::{Remote, Repo};
use crate::journal::TaskRun;
use crate::pool::push::RefUpdate;
use crate::turn::Session;
use crate::turn::subject::pool_land_message;
use crate::turn::workers::pool::{Back, Held};

/// Whether a task that came back boards the train, or ends here.
pub(super) enum Boarded {
    Car(Box<Car>),
    Ended(Box<(Back, TaskRun)>),
}

/// Checks a task that came back before it boards: it needs its claim, a successful run, its
/// branch, and (with `completion.verify`) a green verify of the shared head merged into it.
/// A task that will not land queues its claim's release.
pub(super) fn board(
    session: &Session,
    repo: &Repo,
    remote: &Remote,
    shared: &str,
    back: Back,
    claim: Option<Held>,
    releases: &mut Vec<RefUpdate>,
) -> Result<Boarded> {
    let mut run = TaskRun::new(&back.ran.worker.name, &back.task, &back.branch);
    run.duration_ms = crate::turn::workers::millis_since(back.ran.started);
    let relative = |p: &std::path::Path| {
        session
            .config
            .relative(p)
            .unwrap_or_else(|| p.to_string_lossy().into_owned())
    };
    let Some(claim) = claim else {
        run.error = Some("no claim held".to_owned());
        return Ok(Boarded::Ended(Box::new((back, run))));
    };
    run.claim_ms = claim.claim_ms;
    let done = match &back.ran.result {
        Ok(done) => done,
        Err(failure) => {
            run.agent.clone_from(&failure.agent);
            run.log = failure.log.as_deref().map(relative).unwrap_or_default();
            run.error = Some(failure.failure.to_string());
            release(releases, &back.task, &claim);
            return Ok(Boarded::Ended(Box::new((back, run))));
        }
    };
    run.agent.clone_from(&done.agent);
    run.log = relative(&done.log);
    run.usage = done.receipt.usage.clone();
    run.attempts = done.receipt.attempts.max(1);
    let Some(mut tip) = repo.branch_tip(&back.branch)? else {
        run.error = Some(format!("branch `{}` is gone", back.branch));
        release(releases, &back.task, &claim);
        return Ok(Boarded::Ended(Box::new((back, run))));
    };
    if claim.lost {
        keep_backup(repo, remote, &back.task, &claim, &tip, &mut run)?;
        return Ok(Boarded::Ended(Box::new((back, run))));
    }
    if let Some(verified) = &back.verified {
        // Verified at an earlier look, whose train the remote refused.
        tip.clone_from(verified);
    } else if !session.config.completion.verify.is_empty() {
        // Verified on the shared head this look fetched, merged into the worker's branch in
        // its worktree; a train that has to merge again onto a newer head lands that merge.
        let mut keep = session.baton_paths(repo);
        keep.push(format!(
            "{}/",
            repo.relative(&session.config.tasks_dir).unwrap_or_default()
        ));
        match crate::turn::workers::land::verify_merged(
            session,
            repo,
            done,
            &mut run,
            &back.worktree,
            shared,
            &tip,
            &keep,
        )? {
            Some(verified) => tip = verified,
            None => {
                release(releases, &back.task, &claim);
                return Ok(Boarded::Ended(Box::new((back, run))));
            }
        }
    }
    let message = pool_land_message(
        back.ran.turn_iteration,
        &run.worker,
        &back.task,
        &back.branch,
        claim.record.claim_id(),
    );
    Ok(Boarded::Car(Box::new(Car {
        back,
        claim,
        run,
        tip,
        message,
    })))
}
