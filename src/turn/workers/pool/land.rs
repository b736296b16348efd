//! A pool worker's landings through the remote, as a train: every task that came back since
//! the last look at the remote is merged onto the head that look fetched — one merge commit a
//! task, chained, each moving its task to `done/` and appending its journal line — and one
//! atomic push moves the shared branch (expected at that head) and deletes every one of their
//! claims (each expected at this worker's claim). A moved branch is fetched and merged again;
//! a claim found taken over means another worker owns that task now: it leaves the train, its
//! work kept on a backup ref, and the rest lands.
use std::time::SystemTime;

use crate::error::Result;
use crate::git::{MergeSpec, Merged, Pushed, Remote, Repo};
use crate::journal::{JournalEntry, Landing, Outcome, TaskRun};
use crate::pool::outcome::{Seen, Standing};
use crate::pool::push::{self, RefUpdate};
use crate::pool::refs;
use crate::state::format_utc;
use crate::tasks::Board;
use crate::turn::Session;
use crate::turn::subject::pool_land_message;
use crate::turn::workers::pool::{Back, Held};

/// How many trains in a row a task may miss because the shared branch moved under them (each
/// miss means another landing went in) before it gives up and is released.
const ATTEMPTS: u32 = 16;

/// How far back along the shared branch a worker looks for its own landing whose answer it
/// lost (first-parent commits).
const RECENT_LANDINGS: usize = 64;

/// What a look's landings came to: the runs that ended (landed or not), and the tasks a moved
/// branch kept from landing, with their claims, for the next look.
pub(super) type Landed = (Vec<TaskRun>, Vec<(Back, Held)>);

/// A finished task on its way to the shared branch.
struct Car {
    back: Back,
    claim: Held,
    run: TaskRun,
    /// The worker's branch tip (after verifying, the verified merge).
    tip: String,
    /// Its landing message (names the claim).
    message: String,
}

impl Car {
    /// Keeps its work on its claim's backup ref (see [`keep_backup`]): a lost claim, or a task
    /// gone from the shared branch.
    fn keep_backup(&mut self, repo: &Repo, remote: &Remote) -> Result<()> {
        keep_backup(
            repo,
            remote,
            &self.back.task,
            &self.claim,
            &self.tip,
            &mut self.run,
        )
    }
}

/// Lands what came back (or releases the claims of what will not land), cleans up the
/// worktrees of what landed, and says how each went; `shared` is the shared head this look
/// fetched. What a moved branch kept from landing comes back with its claim, for the next
/// look's train (its verified tip kept: it is not verified again).
///
/// # Errors
/// Git errors talking to the remote.
pub(super) fn land_all(
    session: &Session,
    repo: &Repo,
    remote: &Remote,
    branch: &str,
    shared: &str,
    backs: Vec<(Back, Option<Held>)>,
) -> Result<Landed> {
    let mut ended = Vec::new();
    let mut releases = Vec::new();
    let mut train = Vec::new();
    for (back, claim) in backs {
        match board(session, repo, remote, shared, back, claim, &mut releases)? {
            Boarded::Car(car) => train.push(*car),
            Boarded::Ended(ended_here) => {
                let (back, run) = *ended_here;
                ended.push(report(session, &back, run));
            }
        }
    }
    let mut again = Vec::new();
    if !train.is_empty() {
        let (landed, left) =
            run_train(session, repo, remote, branch, shared, train, &mut releases)?;
        ended.extend(landed);
        again = left
            .into_iter()
            .map(|mut car| {
                car.back.verified = Some(car.tip);
                (car.back, car.claim)
            })
            .collect();
        session.housekeeping.start(repo.workdir());
    }
    if let Err(e) = remote.push_each(&releases) {
        // A claim not released runs out with its lease; the task is taken over then.
        warn_line!(session.events, "[pool] releasing claims: {e}");
    }
    Ok((ended, again))
}

/// Whether a task that came back boards the train, or ends here.
enum Boarded {
    Car(Box<Car>),
    Ended(Box<(Back, TaskRun)>),
}

/// Checks a task that came back before it boards: it needs its claim, a successful run, its
/// branch, and (with `completion.verify`) a green verify of the shared head merged into it.
/// A task that will not land queues its claim's release.
fn board(
    session: &Session,
    repo: &Repo,
    remote: &Remote,
    shared: &str,
    back: Back,
    claim: Option<Held>,
    releases: &mut Vec<RefUpdate>,
) -> Result<Boarded> {
    let mut run = TaskRun::new(&back.ran.worker.name, &back.task, &back.branch);
    run.duration_ms = super::super::millis_since(back.ran.started);
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

/// Merges the train onto `shared` and pushes it once: every car ends landed or with why not,
/// except those of a train the remote refused because the branch moved (or whose answer was
/// lost), which come back to board the next look's train.
fn run_train(
    session: &Session,
    repo: &Repo,
    remote: &Remote,
    branch: &str,
    shared: &str,
    train: Vec<Car>,
    releases: &mut Vec<RefUpdate>,
) -> Result<(Vec<TaskRun>, Vec<Car>)> {
    let tasks = repo.relative(&session.config.tasks_dir).unwrap_or_default();
    let mut keep = session.baton_paths(repo);
    keep.push(format!("{tasks}/"));
    let journal = repo
        .relative(&session.config.journal_file)
        .unwrap_or_default();
    let mut ended = Vec::new();
    // Where each car stands at this head: on, landed already (an answer lost), or off.
    let mut on = Vec::new();
    for mut car in train {
        match standing(session, repo, remote, shared, &car.back.task, &car.claim)? {
            Standing::Proceed => on.push(car),
            Standing::Landed => {
                car.run.landing = Landing::Landed;
                clean_up(repo, &car.back.branch);
                ended.push(report(session, &car.back, car.run));
            }
            Standing::Lost => {
                car.keep_backup(repo, remote)?;
                ended.push(report(session, &car.back, car.run));
            }
            Standing::Gone => {
                release(releases, &car.back.task, &car.claim);
                car.keep_backup(repo, remote)?;
                car.run.error = Some(format!(
                    "task {} is no longer open on the shared branch; the work is kept on {}",
                    car.back.task,
                    refs::backup(&car.back.task, car.claim.record.claim_id())
                ));
                ended.push(report(session, &car.back, car.run));
            }
        }
    }
    // The chain of merges: each car merged onto the one before, its journal line appended.
    let mut ours = shared.to_owned();
    let mut contents = repo.read_at(shared, &journal)?.unwrap_or_default();
    let mut merged = Vec::new();
    for mut car in on {
        let (from, to) = super::super::task_paths(&tasks, &car.back.task);
        let mut next = contents.clone();
        next.extend(crate::journal::line_of(&entry(
            repo, &car.back, &car.run, shared, &car.tip,
        )));
        match repo.merge_for_landing(&MergeSpec {
            ours: &ours,
            theirs: &car.tip,
            message: &car.message,
            moving: Some((&from, &to)),
            keep_ours: &keep,
            replacing: Some((&journal, &next)),
        })? {
            Merged::Conflict(paths) => {
                car.run.landing = Landing::Conflict;
                car.run.error = Some(format!("merging `{}` conflicts", car.back.branch));
                car.run.conflicts = paths;
                release(releases, &car.back.task, &car.claim);
                ended.push(report(session, &car.back, car.run));
            }
            Merged::Clean(merge) => {
                ours.clone_from(&merge);
                contents = next;
                car.run.merge = Some(merge);
                merged.push(car);
            }
        }
    }
    if merged.is_empty() {
        return Ok((ended, Vec::new()));
    }
    let claims: Vec<(&str, &str)> = merged
        .iter()
        .map(|car| (car.back.task.as_str(), car.claim.sha.as_str()))
        .collect();
    let updates = push::train(branch, &ours, shared, &claims);
    match remote.push_leased(&updates) {
        Ok(Pushed::Applied) => {
            for mut car in merged {
                car.run.landing = Landing::Landed;
                car.run.land_ms = super::super::millis_since(car.back.landing_from);
                if let Some(merge) = &car.run.merge {
                    session.events.committed(
                        crate::events::CommitKind::Land,
                        merge,
                        crate::turn::subject::subject_of(&car.message),
                    );
                }
                clean_up(repo, &car.back.branch);
                ended.push(report(session, &car.back, car.run));
            }
            return Ok((ended, Vec::new()));
        }
        // Applied or not, the next look at the remote says (its answer may be lost).
        Err(e) => warn_line!(
            session.events,
            "[pool] landing {} task(s): {e}",
            merged.len()
        ),
        // A claim taken over leaves the train at the next look (its standing says so); a
        // moved branch is merged onto again.
        Ok(Pushed::Stale { .. }) => {}
    }
    let mut again = Vec::new();
    for mut car in merged {
        car.back.trains += 1;
        if car.back.trains >= ATTEMPTS {
            car.run.error = Some(format!(
                "the shared branch moved under {ATTEMPTS} landings in a row"
            ));
            release(releases, &car.back.task, &car.claim);
            ended.push(report(session, &car.back, car.run));
        } else {
            car.run.merge = None;
            again.push(car);
        }
    }
    Ok((ended, again))
}

/// Where this worker's task stands at `shared` (see [`crate::pool::outcome::standing`]): its
/// claim ref as fetched with it, and — when the task is no longer open — whether one of the
/// shared branch's recent landings carries this claim's id.
pub(super) fn standing(
    session: &Session,
    repo: &Repo,
    remote: &Remote,
    shared: &str,
    task: &str,
    claim: &Held,
) -> Result<Standing> {
    let board = task_alone(session, repo, shared, task)?;
    let claim_ref = repo.ref_sha(&format!("{}{task}", refs::tracked_claims(remote.name())))?;
    let messages = if board.open.contains_key(task) {
        Vec::new()
    } else {
        repo.recent_messages(shared, RECENT_LANDINGS)?
    };
    let id = claim.record.claim_id();
    let landed_by = messages
        .iter()
        .filter_map(|m| crate::pool::claim::landed_claim(m))
        .find(|found| *found == id);
    let seen = Seen {
        board: &board,
        landed_by,
        claim_ref: claim_ref.as_deref(),
    };
    Ok(crate::pool::outcome::standing(task, &claim.sha, id, &seen))
}

/// The board of `task` alone at `shared`: the task open when its file is there and no
/// `done/` copy is (two blob lookups, where the whole board reads every task file).
fn task_alone(session: &Session, repo: &Repo, shared: &str, task: &str) -> Result<Board> {
    let tasks = repo.relative(&session.config.tasks_dir).unwrap_or_default();
    let (open, done) = crate::turn::workers::task_paths(&tasks, task);
    let mut files = Vec::new();
    if let Some(bytes) = repo.read_at(shared, &open)? {
        files.push((format!("{task}.md"), bytes));
    }
    if repo.read_at(shared, &done)?.is_some() {
        files.push((format!("{}/{task}.md", crate::tasks::DONE_DIR), Vec::new()));
    }
    Ok(Board::from_files(files))
}

/// Removes a landed worker's worktree and branch (its commits are the merge's second parent).
fn clean_up(repo: &Repo, branch: &str) {
    if let Err(e) = repo
        .remove_worktree(&crate::git::worktree_name(branch))
        .and_then(|()| repo.delete_branch(branch))
    {
        tracing::warn!(error = %e, "a landed pool worker's worktree or branch stays");
    }
}

/// Queues the deletion of this worker's claim (expected at its own claim commit): the task is
/// open again once it is pushed.
fn release(releases: &mut Vec<RefUpdate>, task: &str, claim: &Held) {
    if !claim.lost {
        releases.push(push::release(task, &claim.sha));
    }
}

/// The work of a worker whose claim was taken over: kept on `refs/baton/backup/<task>-<id>`,
/// here and on the remote, never landed.
fn keep_backup(
    repo: &Repo,
    remote: &Remote,
    task: &str,
    claim: &Held,
    tip: &str,
    run: &mut TaskRun,
) -> Result<()> {
    let backup = refs::backup(task, claim.record.claim_id());
    repo.set_ref(&backup, tip, "baton: a lost claim's work")?;
    let update = push::backup(task, claim.record.claim_id(), tip);
    if let Err(e) = remote.push_leased(&[update]) {
        tracing::warn!(error = %e, "the backup of a lost claim's work stays local");
    }
    run.error = Some(format!(
        "the claim was taken over (its lease expired); the work is kept on {backup}"
    ));
    Ok(())
}

/// The journal line a landing appends: the worker's turn on its task.
fn entry(repo: &Repo, back: &Back, run: &TaskRun, shared: &str, tip: &str) -> JournalEntry {
    let stats = repo.diff_stats(Some(shared), Some(tip)).unwrap_or_default();
    let mut landed = run.clone();
    landed.landing = Landing::Landed;
    JournalEntry {
        iteration: back.ran.turn_iteration,
        actor: back.ran.turn_actor,
        prompt: back.ran.prompt.clone(),
        source: "deterministic".to_owned(),
        reason: format!("pool: task {}", back.task),
        agent: run.agent.clone(),
        started_at: format_utc(back.ran.started),
        ended_at: format_utc(SystemTime::now()),
        duration_ms: super::super::millis_since(back.ran.started),
        outcome: Outcome::Ok,
        exit_code: Some(0),
        head_before: Some(back.shared.clone()),
        head_after: Some(tip.to_owned()),
        files_changed: stats.files_changed,
        insertions: stats.insertions,
        deletions: stats.deletions,
        log: run.log.clone(),
        host: crate::process::hostname(),
        generation: 0,
        dirty_left: Vec::new(),
        state_ignored: Vec::new(),
        usage: run.usage.clone(),
        attempts: run.attempts,
        retry_at: None,
        completion: None,
        notes_delivered: 0,
        journal_restored: Vec::new(),
        tasks: vec![landed],
        task_problems: Vec::new(),
    }
}

/// Says how the task went (a `worker_ended` event) and returns it.
fn report(session: &Session, back: &Back, run: TaskRun) -> TaskRun {
    super::super::ended(
        &session.events,
        back.ran.turn_actor,
        back.ran.turn_iteration,
        &run,
    );
    run
}
