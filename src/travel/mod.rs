//! Time travel (`docs/history.md`): which commit stamped each turn (`baton history`), going
//! back to a stamp with a new commit that keeps the history (`baton rewind`), and a branch made
//! at a stamp (`baton fork`).
//!
//! **Which commit stamped a turn** is read from the history itself, exactly: along the
//! first-parent line of a branch, commit C stamped the journal line L when C changed the
//! journal's current segment against its first parent, C's subject is a stamp's (`[SYNC i=N]
//! actor=…`, see [`crate::turn::subject::is_stamp_subject`]) or C is a pool worker's landing,
//! whose merge writes its task's line (see [`crate::turn::subject::is_pool_landing`]), the
//! segment ends with L at C, and no earlier commit of the line ended it with L. A journal line is told from another by
//! its bytes (its times, generation and heads make each one unique). This costs one tree
//! lookup per commit of the line and one segment read (at most 64 KiB) per stamp, whatever the
//! number of turns; `head_after` alone would not do, as a role-mode stamp replayed onto a
//! moved remote no longer has it as its parent.
//!
//! A rewind restores that stamp's tree whole, the state file and the journal included: the
//! workspace is then exactly as the stamp left it, for every reader of the journal (budgets,
//! stuck and failure counts, the last turn's report to the next prompt); the turns rewound
//! over stay in the history (the rewind's first parent) and on `refs/baton/backup/rewind-<n>`.

mod history;
mod line;
mod rewind;
mod target;

pub(crate) use history::{History, RewindRow, Row, TurnRow};
pub(crate) use line::{Line, Stamp};
pub(crate) use rewind::{Rewind, Rewound, rewind};
pub(crate) use target::{Target, resolve_branch, stamp_anywhere, stamp_on_line};

use crate::error::{Error, Result};
use crate::git::Repo;
use crate::journal::{Journal, JournalEntry, archive_number, segment_lines};

/// One journal line: its bytes (without the newline) and what they say.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct JournalLine {
    /// The line as written.
    pub(crate) bytes: Vec<u8>,
    /// The line read.
    pub(crate) entry: JournalEntry,
}

/// The whole journal in the workspace's files, oldest first (archived segments, then the
/// current one); lines that do not parse are left out.
///
/// # Errors
/// Journal io errors.
pub(crate) fn journal_in_files(journal: &Journal) -> Result<Vec<JournalLine>> {
    let mut lines = Vec::new();
    journal.for_each_line(|bytes, entry| {
        lines.push(JournalLine {
            bytes: bytes.to_vec(),
            entry,
        });
    })?;
    Ok(lines)
}

/// The whole journal as committed at `commit` (a full SHA), oldest first: the archived
/// segments in `sync/journal/` in their order, then the current segment `journal_rel`
/// (relative to the work tree root). Read from git's objects, never from the work tree.
///
/// # Errors
/// Git errors reading the commit's tree.
pub(crate) fn journal_at(repo: &Repo, commit: &str, journal_rel: &str) -> Result<Vec<JournalLine>> {
    let archive_dir = Journal::new(journal_rel.into()).archive_dir();
    let archive_dir = archive_dir.to_string_lossy();
    let mut archives: Vec<(u64, String)> = repo
        .list_at(commit, &archive_dir)?
        .into_iter()
        .filter_map(|name| Some((archive_number(&name)?, name)))
        .collect();
    archives.sort();
    let mut paths: Vec<String> = archives
        .into_iter()
        .map(|(_, name)| format!("{archive_dir}/{name}"))
        .collect();
    paths.push(journal_rel.to_owned());
    let mut lines = Vec::new();
    for path in paths {
        let bytes = repo.read_at(commit, &path)?.unwrap_or_default();
        lines.extend(segment_lines(&bytes).map(|(bytes, entry)| JournalLine {
            bytes: bytes.to_vec(),
            entry,
        }));
    }
    Ok(lines)
}

/// `path` (the journal or the state file) relative to `repo`'s work tree.
///
/// # Errors
/// A usage error (exit 2) when it lies outside the repository.
pub(crate) fn relative(repo: &Repo, path: &std::path::Path) -> Result<String> {
    repo.relative(path).ok_or_else(|| {
        Error::usage(format!(
            "`{}` is outside the git repository at {}",
            path.display(),
            repo.workdir().display()
        ))
        .with_hint("time travel reads the state and journal from git: keep them in the repository")
    })
}

#[cfg(test)]
mod tests;
