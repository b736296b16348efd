//! A pool worker's landing through the remote: fetch → merge onto the remote's head (the task
//! moved to `done/`, its journal line appended) → one atomic push that moves the shared branch
//! (expected at the head merged onto) and deletes the claim (expected at this worker's claim).
//! A moved branch is merged again and pushed again; a claim found taken over means another
//! worker owns the task now: nothing lands, the work is kept on a backup ref.

use std::time::SystemTime;

use crate::error::Result;
use crate::git::{MergeSpec, Merged, Pushed, Remote, Repo};
use crate::journal::{JournalEntry, Landing, Outcome, TaskRun};
use crate::pool::outcome::{Seen, Standing};
use crate::pool::{push, refs};
use crate::state::format_utc;
use crate::tasks::Board;
use crate::turn::Session;
use crate::turn::subject::pool_land_message;
use crate::turn::workers::pool::{Back, Held};

/// How often a landing merges again onto a shared branch that moved under it.
const ATTEMPTS: u32 = 8;

/// How far back along the shared branch a worker looks for its own landing whose answer it
/// lost (first-parent commits).
const RECENT_LANDINGS: usize = 64;

/// Lands what came back (or releases its claim), cleans up its worktree when it landed, and
/// says how it went.
///
/// # Errors
/// Git errors talking to the remote.
pub(super) fn land(
    session: &Session,
    repo: &Repo,
    remote: &Remote,
    branch: &str,
    back: Back,
    claim: Option<Held>,
) -> Result<TaskRun> {
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
        return Ok(report(session, &back, run));
    };
    run.claim_ms = claim.claim_ms;
    let done = match &back.ran.result {
        Ok(done) => done,
        Err(failure) => {
            run.agent.clone_from(&failure.agent);
            run.log = failure.log.as_deref().map(relative).unwrap_or_default();
            run.error = Some(failure.failure.to_string());
            release(remote, &back.task, &claim)?;
            return Ok(report(session, &back, run));
        }
    };
    run.agent.clone_from(&done.agent);
    run.log = relative(&done.log);
    run.usage = done.receipt.usage.clone();
    run.attempts = done.receipt.attempts.max(1);
    let Some(mut tip) = repo.branch_tip(&back.branch)? else {
        run.error = Some(format!("branch `{}` is gone", back.branch));
        release(remote, &back.task, &claim)?;
        return Ok(report(session, &back, run));
    };
    if claim.lost {
        keep_backup(repo, remote, &back.task, &claim, &tip, &mut run)?;
        return Ok(report(session, &back, run));
    }
    if !session.config.completion.verify.is_empty() {
        // Verified on the shared head as fetched now, merged into the worker's branch in its
        // worktree; a landing that has to merge again onto a newer head lands that merge.
        remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name()))?;
        let tracking = format!("refs/remotes/{}/{branch}", remote.name());
        if let Some(shared) = repo.ref_sha(&tracking)? {
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
                &shared,
                &tip,
                &keep,
            )? {
                Some(verified) => tip = verified,
                None => {
                    release(remote, &back.task, &claim)?;
                    return Ok(report(session, &back, run));
                }
            }
        }
    }
    let tasks = repo.relative(&session.config.tasks_dir).unwrap_or_default();
    let (from, to) = super::super::task_paths(&tasks, &back.task);
    let mut keep = session.baton_paths(repo);
    keep.push(format!("{tasks}/"));
    let journal = repo
        .relative(&session.config.journal_file)
        .unwrap_or_default();
    let tracking = format!("refs/remotes/{}/{branch}", remote.name());
    let message = pool_land_message(
        back.ran.turn_iteration,
        &run.worker,
        &back.task,
        &back.branch,
        claim.record.claim_id(),
    );
    let landing = std::time::Instant::now();
    for _ in 0..ATTEMPTS {
        remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name()))?;
        let Some(shared) = repo.ref_sha(&tracking)? else {
            run.error = Some(format!("the remote has no branch `{branch}`"));
            break;
        };
        match standing(session, repo, remote, &shared, &back.task, &claim)? {
            Standing::Proceed => {}
            Standing::Landed => {
                // An earlier push of ours was applied and its answer lost.
                run.landing = Landing::Landed;
                clean_up(repo, &back.branch);
                return Ok(report(session, &back, run));
            }
            Standing::Lost => {
                keep_backup(repo, remote, &back.task, &claim, &tip, &mut run)?;
                return Ok(report(session, &back, run));
            }
            Standing::Gone => {
                release(remote, &back.task, &claim)?;
                keep_backup(repo, remote, &back.task, &claim, &tip, &mut run)?;
                run.error = Some(format!(
                    "task {} is no longer open on the shared branch; the work is kept on {}",
                    back.task,
                    refs::backup(&back.task, claim.record.claim_id())
                ));
                return Ok(report(session, &back, run));
            }
        }
        let mut contents = repo.read_at(&shared, &journal)?.unwrap_or_default();
        contents.extend(crate::journal::line_of(&entry(
            repo, &back, &run, &shared, &tip,
        )));
        let merged = repo.merge_for_landing(&MergeSpec {
            ours: &shared,
            theirs: &tip,
            message: &message,
            moving: Some((&from, &to)),
            keep_ours: &keep,
            replacing: Some((&journal, &contents)),
        })?;
        let merge = match merged {
            Merged::Conflict(paths) => {
                run.landing = Landing::Conflict;
                run.error = Some(format!("merging `{}` conflicts", back.branch));
                run.conflicts = paths;
                release(remote, &back.task, &claim)?;
                return Ok(report(session, &back, run));
            }
            Merged::Clean(merge) => merge,
        };
        let landing_push = push::LandPush::new(branch, &merge, &shared, &back.task, &claim.sha);
        let pushed = match remote.push_leased(&landing_push.updates()) {
            Ok(pushed) => pushed,
            // Applied or not, the next look at the remote says (its answer may be lost).
            Err(e) => {
                warn_line!(session.events, "[pool] landing task {}: {e}", back.task);
                continue;
            }
        };
        match pushed {
            Pushed::Applied => {
                run.landing = Landing::Landed;
                run.land_ms = u64::try_from(landing.elapsed().as_millis()).unwrap_or(u64::MAX);
                run.merge = Some(merge.clone());
                session.events.committed(
                    crate::events::CommitKind::Land,
                    &merge,
                    crate::turn::subject::subject_of(&message),
                );
                clean_up(repo, &back.branch);
                return Ok(report(session, &back, run));
            }
            Pushed::Stale { refname, .. } if refname == refs::claim(&back.task) => {
                keep_backup(repo, remote, &back.task, &claim, &tip, &mut run)?;
                return Ok(report(session, &back, run));
            }
            // The shared branch moved (another landing): merge onto its new head.
            Pushed::Stale { .. } => {}
        }
    }
    if run.error.is_none() {
        run.error = Some(format!(
            "the shared branch moved under {ATTEMPTS} landings in a row"
        ));
    }
    release(remote, &back.task, &claim)?;
    Ok(report(session, &back, run))
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

/// Deletes this worker's claim (expected at its own claim commit); the task is open again.
fn release(remote: &Remote, task: &str, claim: &Held) -> Result<()> {
    if claim.lost {
        return Ok(());
    }
    remote.push_leased(&[push::release(task, &claim.sha)])?;
    Ok(())
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
