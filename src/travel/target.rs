//! What `baton rewind` and `baton fork` are told to go back to — an iteration or a commit —
//! and the stamp that names, with an error naming what was looked for when none does.

use std::fmt;

use super::{JournalLine, Line, Stamp};
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::text::short_sha;

/// The hint of every "no such stamp" error.
const HISTORY_HINT: &str = "`baton history` lists every turn with its stamp commit";

/// An iteration or a commit, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// The last stamp of a turn that ran in this iteration.
    Iteration(u64),
    /// A stamp commit: a SHA or any revision git reads (`refs/baton/backup/rewind-1`).
    Commit(String),
}

impl Target {
    /// Reads `ITERATION|COMMIT` (a clap value parser): `i=N`, or a number of at most 6 digits,
    /// is an iteration; anything else is a commit (a 7-digit SHA abbreviation may be all
    /// digits, so iterations past 999999 are written `i=N`).
    ///
    /// # Errors
    /// An empty argument, or an `i=` that is not followed by a positive number.
    pub(crate) fn parse(text: &str) -> std::result::Result<Target, String> {
        let number = |digits: &str| -> std::result::Result<Target, String> {
            match digits.parse::<u64>() {
                Ok(n) if n > 0 => Ok(Target::Iteration(n)),
                _ => Err(format!(
                    "`{text}` is no iteration: iterations count from 1 (i=1, i=2, …)"
                )),
            }
        };
        if let Some(digits) = text.strip_prefix("i=") {
            return number(digits);
        }
        if text.is_empty() {
            return Err("name an iteration (3, i=3) or a stamp commit".to_owned());
        }
        if text.len() <= 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            return number(text);
        }
        Ok(Target::Commit(text.to_owned()))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Iteration(n) => write!(f, "i={n}"),
            Target::Commit(rev) => write!(f, "{rev}"),
        }
    }
}

/// The stamp `target` names on `line`, the first-parent line of `branch`, whose journal at the
/// line's tip is `journal`: for an iteration, the last stamp of a turn of that iteration in
/// that journal; for a commit, that commit when it is one of the line's stamps.
///
/// # Errors
/// A usage error (exit 2) naming what was looked for: no turn of that iteration, no stamp of
/// its turns, no such commit, a commit that is not on the line or not a stamp.
pub(crate) fn stamp_on_line(
    repo: &Repo,
    line: &Line,
    journal: &[JournalLine],
    target: &Target,
    branch: &str,
) -> Result<Stamp> {
    match target {
        Target::Iteration(n) => of_iteration(line, journal, *n, branch),
        Target::Commit(rev) => {
            let sha = commit(repo, rev)?;
            if line.place(&sha).is_none() {
                return Err(Error::usage(format!(
                    "commit {} is not on the first-parent history of {branch}: a rewind goes \
                     back along the branch",
                    short_sha(&sha)
                ))
                .with_hint(format!(
                    "to go on from that stamp beside {branch}: baton fork {} --branch NAME",
                    short_sha(&sha)
                )));
            }
            line.stamp_at(&sha)
                .cloned()
                .ok_or_else(|| not_a_stamp(line, &sha))
        }
    }
}

/// The stamp `target` names: on `line` (the current branch's) as [`stamp_on_line`] finds it,
/// or, for a commit elsewhere (another branch, a backup ref), that commit when its own line
/// says it is a stamp (`journal_rel`: the journal's current segment in the work tree).
///
/// # Errors
/// As [`stamp_on_line`], except that a commit need not be on `line`.
pub(crate) fn stamp_anywhere(
    repo: &Repo,
    line: &Line,
    journal: &[JournalLine],
    target: &Target,
    branch: &str,
    journal_rel: &str,
) -> Result<Stamp> {
    let Target::Commit(rev) = target else {
        return stamp_on_line(repo, line, journal, target, branch);
    };
    let sha = commit(repo, rev)?;
    if line.place(&sha).is_some() {
        return line
            .stamp_at(&sha)
            .cloned()
            .ok_or_else(|| not_a_stamp(line, &sha));
    }
    let own = Line::read(repo, &sha, journal_rel)?;
    own.stamp_at(&sha)
        .cloned()
        .ok_or_else(|| not_a_stamp(&own, &sha))
}

/// `name` as a branch or any ref git reads (`origin/main`, `refs/baton/backup/rewind-1`), else
/// as a commit: a label to show and the commit's full SHA.
///
/// # Errors
/// A usage error (exit 2) when it names neither.
pub(crate) fn resolve_branch(repo: &Repo, name: &str) -> Result<(String, String)> {
    if let Some((full, sha)) = repo.named_ref(name)? {
        let label = ["refs/heads/", "refs/remotes/"]
            .iter()
            .find_map(|prefix| full.strip_prefix(prefix))
            .unwrap_or(&full)
            .to_owned();
        return Ok((label, sha));
    }
    match repo.commit_id(name)? {
        Some(sha) => Ok((short_sha(&sha).to_owned(), sha)),
        None => Err(
            Error::usage(format!("no branch, ref or commit `{name}` here"))
                .with_hint("`git branch -a` lists the branches"),
        ),
    }
}

/// The last stamp of a turn of iteration `n` in `journal`.
fn of_iteration(line: &Line, journal: &[JournalLine], n: u64, branch: &str) -> Result<Stamp> {
    let turns: Vec<&JournalLine> = journal.iter().filter(|l| l.entry.iteration == n).collect();
    if let Some(stamp) = turns.iter().rev().find_map(|l| line.stamp_of(&l.bytes)) {
        return Ok(stamp.clone());
    }
    let looked = format!("no stamp of iteration {n} on {branch}");
    if !turns.is_empty() {
        return Err(Error::usage(format!(
            "{looked}: its journal has {} turn(s) of iteration {n}, and no commit of its \
             first-parent history stamped them (turns run with --no-git, or a journal edited by \
             hand)",
            turns.len()
        ))
        .with_hint(HISTORY_HINT));
    }
    let span = match (journal.first(), journal.last()) {
        (Some(first), Some(last)) => format!(
            "its journal's turns are of iterations {} to {}",
            first.entry.iteration, last.entry.iteration
        ),
        _ => "its journal has no turn yet".to_owned(),
    };
    Err(Error::usage(format!("{looked}: {span}")).with_hint(HISTORY_HINT))
}

/// The commit `rev` names, as a full SHA.
fn commit(repo: &Repo, rev: &str) -> Result<String> {
    repo.commit_id(rev)?.ok_or_else(|| {
        Error::usage(format!("no commit `{rev}` in this repository")).with_hint(HISTORY_HINT)
    })
}

/// The error for commit `sha` of `line` that is no stamp.
fn not_a_stamp(line: &Line, sha: &str) -> Error {
    let subject = line
        .place(sha)
        .and_then(|at| line.commits.get(at))
        .map_or("", |(_, subject)| subject.as_str());
    Error::usage(format!(
        "commit {} is not a stamp (`{subject}`): a stamp is the `[SYNC i=N] actor=…` commit \
         that wrote a turn's journal line",
        short_sha(sha)
    ))
    .with_hint(HISTORY_HINT)
}
