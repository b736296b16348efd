//! Landing a worker's branch on the shared branch, on the run's thread, one at a time: with
//! `completion.verify` set, the shared head is merged into the worker's branch in its worktree
//! and verified there first; then git's 3-way merge of the branch with the shared head
//! becomes one merge commit (the task file moved to `done/` in it) and the shared branch moves
//! to it. A conflict or a red verify changes nothing on the shared branch or in the main work
//! tree; the branch and worktree are kept and the supervisor is told.

use std::path::Path;

use crate::error::Result;
use crate::git::{MergeSpec, Merged, Repo};
use crate::journal::{Landing, TaskRun};
use crate::turn::Session;
use crate::turn::failure::TurnFailure;
use crate::turn::finish::Finished;
use crate::turn::subject::{land_message, land_sync_message};
use crate::turn::workers::job::{Ran, in_worktree};

/// A worker's finished run, where its work is.
pub(super) struct Made<'a> {
    /// The run.
    pub(super) ran: &'a Ran,
    /// Its branch (short name).
    pub(super) branch: &'a str,
    /// Its worktree.
    pub(super) worktree: &'a Path,
    /// The iteration of the step's turn.
    pub(super) iteration: u64,
}

/// Lands `made` on `repo`'s checked-out (shared) branch, or says why not; a worktree that
/// landed is removed and its branch deleted (its commits are the merge's second parent).
///
/// # Errors
/// Git errors that leave the shared branch as it was (the run stops; the branch is kept).
pub(super) fn land(runner: &Session, repo: &Repo, made: Made<'_>) -> Result<TaskRun> {
    let Made {
        ran,
        branch,
        worktree,
        iteration,
    } = made;
    let worker = &ran.worker;
    let mut run = TaskRun::new(&worker.name, worker.task_id().unwrap_or_default(), branch);
    let relative = |p: &Path| {
        runner
            .config
            .relative(p)
            .unwrap_or_else(|| p.to_string_lossy().into_owned())
    };
    let done: &Finished = match &ran.result {
        Ok(done) => done,
        Err(failure) => {
            run.agent.clone_from(&failure.agent);
            run.log = failure.log.as_deref().map(relative).unwrap_or_default();
            run.usage = failure.receipt.usage.clone();
            run.attempts = failure.receipt.attempts.max(1);
            run.landing = match &failure.failure {
                TurnFailure::Limited { .. } => Landing::Limited,
                TurnFailure::Interrupted(_) => Landing::Interrupted,
                _ => Landing::Failed,
            };
            run.error = Some(failure.failure.to_string());
            run.duration_ms = super::millis_since(ran.started);
            return Ok(run);
        }
    };
    run.agent.clone_from(&done.agent);
    run.log = relative(&done.log);
    run.usage = done.receipt.usage.clone();
    run.attempts = done.receipt.attempts.max(1);
    let keep: Vec<String> = {
        let mut keep = runner.baton_paths(repo);
        // The tasks are the supervisor's: a worker's edits to them never land.
        keep.extend(
            repo.relative(&runner.config.tasks_dir)
                .map(|d| format!("{d}/")),
        );
        keep
    };
    let Some(mut theirs) = repo.branch_tip(branch)? else {
        run.error = Some(format!("branch `{branch}` is gone"));
        run.duration_ms = super::millis_since(ran.started);
        return Ok(run);
    };
    let Some(shared) = repo.head_id()? else {
        run.error = Some("the shared branch has no commit".to_owned());
        return Ok(run);
    };
    if !runner.config.completion.verify.is_empty() {
        match verify_merged(
            runner, repo, done, &mut run, worktree, &shared, &theirs, &keep,
        )? {
            Some(tip) => theirs = tip,
            None => {
                run.duration_ms = super::millis_since(ran.started);
                return Ok(run);
            }
        }
    }
    let tasks = repo.relative(&runner.config.tasks_dir).unwrap_or_default();
    let id = worker.task_id();
    let moves = id.map(|id| super::task_paths(&tasks, id));
    let message = land_message(iteration, &worker.name, id, branch);
    let landing = std::time::Instant::now();
    let merged = repo.merge_for_landing(&MergeSpec {
        ours: &shared,
        theirs: &theirs,
        message: &message,
        moving: moves
            .as_ref()
            .map(|(from, to)| (from.as_str(), to.as_str())),
        keep_ours: &keep,
        replacing: &[],
    })?;
    run.duration_ms = super::millis_since(ran.started);
    match merged {
        Merged::Conflict(paths) => {
            run.landing = Landing::Conflict;
            run.error = Some(format!("merging `{branch}` conflicts"));
            run.conflicts = paths;
        }
        Merged::Clean(merge) => match repo.advance_head(&shared, &merge, "land") {
            Ok(()) => {
                run.land_ms = u64::try_from(landing.elapsed().as_millis()).unwrap_or(u64::MAX);
                runner.events.committed(
                    crate::events::CommitKind::Land,
                    &merge,
                    crate::turn::subject::subject_of(&message),
                );
                run.landing = Landing::Landed;
                run.merge = Some(merge);
                if let Err(e) = repo
                    .remove_worktree(&crate::git::worktree_name(branch))
                    .and_then(|()| repo.delete_branch(branch))
                {
                    tracing::warn!(error = %e, branch, "a landed worker's worktree or branch stays");
                }
            }
            Err(e) => {
                run.error = Some(format!("the shared branch did not move: {e}"));
            }
        },
    }
    Ok(run)
}

/// Merges the shared head into the worker's branch in its worktree and runs
/// `completion.verify` there; the branch's new tip when green, `None` (with `run` saying why)
/// when it conflicts or is red.
#[allow(clippy::too_many_arguments)]
pub(super) fn verify_merged(
    runner: &Session,
    repo: &Repo,
    done: &Finished,
    run: &mut TaskRun,
    worktree: &Path,
    shared: &str,
    theirs: &str,
    keep: &[String],
) -> Result<Option<String>> {
    let tree = Repo::open_worktree(worktree)?;
    let message = land_sync_message(&run.worker, &run.task);
    let tip = match tree.merge_for_landing(&MergeSpec {
        ours: theirs,
        theirs: shared,
        message: &message,
        moving: None,
        keep_ours: keep,
        replacing: &[],
    })? {
        Merged::Conflict(paths) => {
            run.landing = Landing::Conflict;
            run.error = Some(format!(
                "merging the shared head into `{}` conflicts",
                run.branch
            ));
            run.conflicts = paths;
            return Ok(None);
        }
        Merged::Clean(tip) => tip,
    };
    if tip != theirs
        && let Err(e) = tree.advance_head(theirs, &tip, "verify")
    {
        run.error = Some(format!(
            "the worker's worktree did not take the shared head: {e}"
        ));
        return Ok(None);
    }
    let config = in_worktree(&runner.config, repo.workdir(), worktree);
    let log = crate::turn::completion::log_path(&done.log);
    let relative = runner.config.relative(&log);
    let verdict = crate::turn::completion::verify(&config, &log, relative, &runner.events);
    if verdict.verified {
        return Ok(Some(tip));
    }
    run.landing = Landing::Red;
    let how = verdict
        .exit_code
        .map_or_else(|| "did not finish".to_owned(), |c| format!("exited {c}"));
    run.error = Some(format!(
        "`{}` {how}",
        verdict.failed.as_deref().unwrap_or("a verify command")
    ));
    run.verify_log = verdict.log;
    Ok(None)
}
