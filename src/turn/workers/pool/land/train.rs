//! The train: the tasks boarding it merged in a chain onto the look's head (one merge commit a
//! task, each moving its task to `done/` and appending its journal line), and one atomic push
//! of the shared branch and every one of their claims' deletions.

use std::time::SystemTime;

use super::{Car, Landed, Lands, release, report, standing};
use crate::error::Result;
use crate::git::{MergeSpec, Merged, Pushed, Repo};
use crate::journal::{JournalEntry, Landing, Outcome, TaskRun};
use crate::pool::outcome::Standing;
use crate::pool::push::{self, RefUpdate};
use crate::pool::refs;
use crate::state::format_utc;
use crate::turn::Session;
use crate::turn::workers::pool::Back;

/// A task gives up landing, and is released, once the shared branch moved under this many of
/// its trains in a row … (each miss means another landing went in: the pool is making
/// progress, and this worker still holds the claim, so trying on loses nothing) …
const ATTEMPTS: u32 = 16;
/// … over at least this long.
const ATTEMPTS_FOR: std::time::Duration = std::time::Duration::from_secs(120);

/// What a train needs of the worker's session, on a thread of its own: the events it reports
/// to, and the paths (relative to the work tree) of the tasks directory, the journal and its
/// archives, and of what a landing keeps at the shared version (Baton's files, the tasks).
pub(crate) struct Track<'a> {
    pub(super) events: &'a crate::events::Events,
    pub(super) tasks: String,
    pub(super) keep: Vec<String>,
    pub(super) journal: String,
    pub(super) archives: String,
}

impl<'a> Track<'a> {
    /// `session`'s, in `repo`.
    pub(crate) fn of(session: &'a Session, repo: &Repo) -> Track<'a> {
        let tasks = repo.relative(&session.config.tasks_dir).unwrap_or_default();
        let mut keep = session.baton_paths(repo);
        keep.push(format!("{tasks}/"));
        Track {
            events: &session.events,
            keep,
            journal: repo
                .relative(&session.config.journal_file)
                .unwrap_or_default(),
            archives: repo
                .relative(&session.journal.archive_dir())
                .unwrap_or_default(),
            tasks,
        }
    }
}

/// What one train came to (see [`run_train`]).
pub(super) struct TrainRan {
    /// The runs that ended, landed or not.
    pub(super) ended: Vec<TaskRun>,
    /// The cars of a train the remote refused (the branch moved) or whose answer was lost.
    pub(super) left: Vec<Car>,
    /// The landed tasks, whose branches go.
    pub(super) clean: Vec<Landed>,
    /// The shared branch's new head, when this train landed.
    pub(super) landed: Option<String>,
}

/// Merges the train onto `shared` and pushes it once: every car ends landed or with why not,
/// except those of a train the remote refused because the branch moved (or whose answer was
/// lost), which come back to board the next look's train. It deletes no branch and moves no
/// local ref but backups: the worker does once the train is back.
pub(super) fn run_train(
    track: &Track<'_>,
    at: &Lands<'_>,
    shared: &str,
    train: Vec<Car>,
    releases: &mut Vec<RefUpdate>,
) -> Result<TrainRan> {
    let Lands {
        repo,
        remote,
        branch,
    } = *at;
    let Track {
        events,
        ref tasks,
        ref keep,
        ref journal,
        ref archives,
    } = *track;
    let mut ended = Vec::new();
    let mut clean = Vec::new();

    // Where each car stands at this head: on, landed already (an answer lost), or off.
    let mut on = Vec::new();
    for mut car in train {
        match standing(tasks, repo, remote, shared, &car.back.task, &car.claim)? {
            Standing::Proceed => on.push(car),
            Standing::Landed => {
                car.run.landing = Landing::Landed;
                clean.push(Landed::of(&car.back));
                ended.push(report(events, &car.back, car.run));
            }
            Standing::Lost => {
                car.keep_backup(repo, remote)?;
                ended.push(report(events, &car.back, car.run));
            }
            Standing::Gone => {
                release(releases, &car.back.task, &car.claim);
                car.keep_backup(repo, remote)?;
                car.run.error = Some(format!(
                    "task {} is no longer open on the shared branch; the work is kept on {}",
                    car.back.task,
                    refs::backup(&car.back.task, car.claim.record.claim_id())
                ));
                ended.push(report(events, &car.back, car.run));
            }
        }
    }

    // The chain of merges: each car merged onto the one before, its journal line appended to
    // the current segment — archived first, as a run's own appends do, when the line would
    // take it past its size.
    let mut last_archive = repo
        .list_at(shared, archives)?
        .iter()
        .filter_map(|name| crate::journal::archive_number(name))
        .max();
    let mut ours = shared.to_owned();
    let mut contents = repo.read_at(shared, journal)?.unwrap_or_default();
    let mut merged = Vec::new();
    for mut car in on {
        let (from, to) = crate::turn::workers::task_paths(tasks, &car.back.task);
        let line = crate::journal::line_of(&entry(repo, &car.back, &car.run, &car.tip));
        let next = crate::journal::append_in_tree(contents.clone(), &line, last_archive);
        let archived = next.archived.as_ref().map(|(n, bytes)| {
            let path = format!("{archives}/{}", crate::journal::archive_name(*n));
            (path, bytes.as_slice())
        });
        let mut replacing: Vec<(&str, &[u8])> = vec![(journal, &next.current)];
        replacing.extend(
            archived
                .as_ref()
                .map(|(path, bytes)| (path.as_str(), *bytes)),
        );
        match repo.merge_for_landing(&MergeSpec {
            ours: &ours,
            theirs: &car.tip,
            message: &car.message,
            moving: Some((&from, &to)),
            keep_ours: keep,
            replacing: &replacing,
        })? {
            Merged::Conflict(paths) => {
                car.run.landing = Landing::Conflict;
                car.run.error = Some(format!("merging `{}` conflicts", car.back.branch));
                car.run.conflicts = paths;
                release(releases, &car.back.task, &car.claim);
                ended.push(report(events, &car.back, car.run));
            }
            Merged::Clean(merge) => {
                ours.clone_from(&merge);
                if let Some((n, _)) = next.archived {
                    last_archive = Some(n);
                }
                contents = next.current;
                car.run.merge = Some(merge);
                merged.push(car);
            }
        }
    }
    if merged.is_empty() {
        return Ok(TrainRan {
            ended,
            left: Vec::new(),
            clean,
            landed: None,
        });
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
                car.run.land_ms = crate::turn::workers::millis_since(car.back.landing_from);
                if let Some(merge) = &car.run.merge {
                    events.committed(
                        crate::events::CommitKind::Land,
                        merge,
                        crate::turn::subject::subject_of(&car.message),
                    );
                }
                clean.push(Landed::of(&car.back));
                ended.push(report(events, &car.back, car.run));
            }
            return Ok(TrainRan {
                ended,
                left: Vec::new(),
                clean,
                landed: Some(ours),
            });
        }
        // Applied or not, the next look at the remote says (its answer may be lost).
        Err(e) => warn_line!(events, "[pool] landing {} task(s): {e}", merged.len()),
        // A claim taken over leaves the train at the next look (its standing says so); a
        // moved branch is merged onto again.
        Ok(Pushed::Stale { .. }) => {}
    }
    let mut again = Vec::new();
    for mut car in merged {
        if car.back.refused.failed(ATTEMPTS, ATTEMPTS_FOR) {
            car.run.error = Some(format!(
                "the shared branch moved under {} landings in a row, for {} s",
                car.back.refused.times(),
                ATTEMPTS_FOR.as_secs()
            ));
            release(releases, &car.back.task, &car.claim);
            ended.push(report(events, &car.back, car.run));
        } else {
            car.run.merge = None;
            again.push(car);
        }
    }
    Ok(TrainRan {
        ended,
        left: again,
        clean,
        landed: None,
    })
}

/// The journal line a landing appends: the worker's turn on its task.
fn entry(repo: &Repo, back: &Back, run: &TaskRun, tip: &str) -> JournalEntry {
    // The task's own work: from the head it started at to its tip (the head the train merges
    // onto has every landing since, which are not its changes).
    let stats = repo
        .diff_stats(Some(&back.shared), Some(tip))
        .unwrap_or_default();
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
        duration_ms: crate::turn::workers::millis_since(back.ran.started),
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
