//! `baton rewind`: one new commit on the branch whose tree is an earlier stamp's — its files,
//! state file and journal — with the commits it goes back over listed in its message, kept as
//! its first parent and on `refs/baton/backup/rewind-<n>`. Nothing is rewritten. In role mode
//! it is pushed like `baton stop`'s commit, on top of the remote's latest commit; a turn that
//! runs on another clone (a running marker at the remote's tip) refuses it.

use super::{Line, Stamp, Target, journal_at, stamp_on_line};
use crate::error::{Error, Result};
use crate::git::{FastForward, GitError, Repo, SyncError};
use crate::modes::RoleSync;
use crate::state::{Status, parse_state};
use crate::text::short_sha;
use crate::turn::subject::rewind_message;

/// How many commits a rewind's message lists (the newest; the count says how many more).
const LISTED: usize = 30;

/// How often a rewind is made again on top of a remote that moved while it was pushed.
const ATTEMPTS: u32 = 5;

/// What to rewind, and where.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rewind<'a> {
    /// The repository (its current branch is rewound).
    pub(crate) repo: &'a Repo,
    /// The current branch's name, for messages.
    pub(crate) branch: &'a str,
    /// The journal's current segment, relative to the work tree root.
    pub(crate) journal_rel: &'a str,
    /// The state file, relative to the work tree root.
    pub(crate) state_rel: &'a str,
    /// The stamp to go back to.
    pub(crate) target: &'a Target,
}

/// What a rewind did.
#[derive(Clone, Debug)]
pub(crate) enum Rewound {
    /// HEAD already has that stamp's tree: nothing was committed.
    AlreadyThere(Stamp),
    /// The rewind's commit was made (and pushed, in role mode).
    Done {
        /// The rewind's commit.
        commit: String,
        /// Its subject.
        subject: String,
        /// The stamp it went back to.
        stamp: Stamp,
        /// The commits it went back over.
        commits: usize,
        /// How many of them were stamps.
        turns: usize,
        /// The ref that keeps the commits gone back over (the old HEAD).
        backup: String,
    },
}

/// The rewind's commit, decided but not made yet.
struct Prepared {
    head: String,
    stamp: Stamp,
    message: String,
    commits: usize,
    turns: usize,
    backup: String,
}

/// Rewinds the current branch to `ask.target`'s stamp; with `sync` (role mode), on top of the
/// remote's latest commit, and pushes the rewind.
///
/// # Errors
/// A usage error (exit 2) for a target that names no stamp of the branch or files in the way;
/// a failure (exit 1) when a turn runs on another clone, the clone has commits the remote
/// lacks, or the push fails (the rewind is undone then); git errors.
pub(crate) fn rewind(ask: &Rewind<'_>, sync: Option<&RoleSync>) -> Result<Rewound> {
    let Some(sync) = sync else {
        let prepared = match prepare(ask)? {
            Ok(prepared) => prepared,
            Err(there) => return Ok(Rewound::AlreadyThere(there)),
        };
        let commit = commit(ask.repo, &prepared)?;
        return finish(ask.repo, prepared, commit);
    };
    let repo = ask.repo;
    for _ in 0..ATTEMPTS {
        let remote_head = sync.remote.ls_remote(&sync.branch)?;
        match sync.pull(repo, remote_head.as_deref()) {
            Ok(FastForward::Ahead(ahead) | FastForward::Diverged { ahead, .. }) => {
                return Err(ahead_of_remote(sync, ahead));
            }
            Ok(_) => {}
            Err(e) => return Err(in_the_way(e)),
        }
        refuse_running(repo, sync)?;
        let prepared = match prepare(ask)? {
            Ok(prepared) => prepared,
            Err(there) => return Ok(Rewound::AlreadyThere(there)),
        };
        let commit = commit(repo, &prepared)?;
        match sync.remote.push(&sync.branch) {
            Ok(()) => return finish(repo, prepared, commit),
            Err(SyncError::PushRejected { .. }) => {
                // The remote moved meanwhile: made again on top of it (the remote's new
                // commits are rewound over too, or a claim there refuses the rewind).
                repo.move_head_to(&prepared.head, "baton: rewind not pushed")?;
                sync.remote.fetch(&sync.branch)?;
            }
            Err(e) => {
                repo.move_head_to(&prepared.head, "baton: rewind not pushed")?;
                return Err(Error::from(e)
                    .context("nothing was rewound: the push failed")
                    .with_hint("run baton rewind again once the remote takes pushes"));
            }
        }
    }
    Err(Error::failed(format!(
        "the remote kept moving: nothing was rewound after {ATTEMPTS} attempts"
    ))
    .with_hint("run baton rewind again"))
}

/// The rewind's commit and message for the branch as it is; `Err(stamp)` when HEAD already
/// has that stamp's tree.
fn prepare(ask: &Rewind<'_>) -> Result<std::result::Result<Prepared, Stamp>> {
    let repo = ask.repo;
    let head = repo.head_id()?.ok_or_else(|| {
        Error::usage(format!(
            "{} has no commit yet: nothing to rewind",
            ask.branch
        ))
    })?;
    let line = Line::read(repo, &head, ask.journal_rel)?;
    let journal = journal_at(repo, &head, ask.journal_rel)?;
    let stamp = stamp_on_line(repo, &line, &journal, ask.target, ask.branch)?;
    if repo.same_tree(&head, &stamp.sha)? {
        return Ok(Err(stamp));
    }
    let commits = line.commits.len().saturating_sub(stamp.at + 1);
    let turns = line.stamps.iter().filter(|s| s.at > stamp.at).count();
    let backup = repo.free_backup_name("rewind")?;
    let entry = &stamp.line.entry;
    // `[SYNC i=<it>]` names the state's iteration, as every such subject does.
    let iteration = repo
        .read_at(&stamp.sha, ask.state_rel)?
        .and_then(|bytes| parse_state(std::path::Path::new(ask.state_rel), &bytes).ok())
        .map_or(entry.iteration, |loaded| loaded.state.iteration);
    let mut body = format!(
        "Back to the stamp {} ({}): its tree, state file and journal, as {}'s turn of \
         iteration {} left them.\n\nRewound over {commits} commit(s), {turns} of them \
         stamps, newest first; the newest is this commit's first parent and {backup} on the \
         clone that rewound:\n",
        short_sha(&stamp.sha),
        stamp.subject,
        entry.actor,
        entry.iteration
    );
    for (sha, subject) in line.after(stamp.at).take(LISTED) {
        body.push_str(&format!("{} {subject}\n", short_sha(sha)));
    }
    if commits > LISTED {
        body.push_str(&format!("… and {} more\n", commits - LISTED));
    }
    let message = rewind_message(iteration, entry.iteration, &stamp.sha, &body);
    Ok(Ok(Prepared {
        head,
        stamp,
        message,
        commits,
        turns,
        backup,
    }))
}

/// Makes the rewind's commit and moves the branch, index and work tree to it.
fn commit(repo: &Repo, prepared: &Prepared) -> Result<String> {
    let commit = repo.commit_tree_on_head(&prepared.stamp.sha, &prepared.message)?;
    repo.move_head_to(&commit, "baton: rewind")
        .map_err(|e| in_the_way(e.into()))?;
    Ok(commit)
}

/// Keeps the old HEAD on the backup ref and says what was done.
fn finish(repo: &Repo, prepared: Prepared, commit: String) -> Result<Rewound> {
    repo.create_ref(&prepared.backup, &prepared.head, "baton: rewind")?;
    Ok(Rewound::Done {
        commit,
        subject: crate::turn::subject::subject_of(&prepared.message).to_owned(),
        stamp: prepared.stamp,
        commits: prepared.commits,
        turns: prepared.turns,
        backup: prepared.backup,
    })
}

/// Local files in the way of a checkout, as the usage error (exit 2) it is for a rewind;
/// any other error as it is.
fn in_the_way(error: Error) -> Error {
    let paths = match error.downcast_ref::<GitError>() {
        Some(GitError::WouldOverwrite(w)) if w.paths.is_empty() => "local files".to_owned(),
        Some(GitError::WouldOverwrite(w)) => w.paths.join(", "),
        _ => return error,
    };
    Error::usage(format!(
        "uncommitted changes in the way of the rewind: {paths}; nothing was changed"
    ))
    .with_hint("commit them, stash them (`git stash -u`) or remove them, then run the rewind again")
}

/// Refuses while the remote's state is a running marker: a turn runs on another clone, and
/// its stamp would find the rewind where it expects its claim.
fn refuse_running(repo: &Repo, sync: &RoleSync) -> Result<()> {
    let Some(state) = sync.state_at(repo, "HEAD")? else {
        return Ok(());
    };
    let Status::Running(actor) = state.status else {
        return Ok(());
    };
    let owner = state.lease_owner.as_deref().unwrap_or("an unknown host");
    Err(Error::failed(format!(
        "{actor}'s turn (iteration {}) runs on {owner}: nothing was rewound",
        state.iteration
    ))
    .with_hint(format!(
        "rewind once that turn is stamped (`baton status` shows it), or stop the run first \
         (`baton stop`); a turn whose machine is gone for good is released with `baton stamp \
         {actor} fail`"
    )))
}

/// The error for a clone that has commits the remote lacks: pushing the rewind would publish
/// them too.
fn ahead_of_remote(sync: &RoleSync, ahead: usize) -> Error {
    let upstream = format!("{}/{}", sync.remote.name(), sync.branch);
    Error::failed(format!(
        "this clone has {ahead} commit(s) that {upstream} lacks; the rewind's push would \
         publish them too: nothing was rewound"
    ))
    .with_hint(format!(
        "publish them first (the daemon that made them pushes them when it starts), or drop \
         them with `git reset --hard {upstream}`, then rewind"
    ))
}
