//! A branch's first-parent line read for time travel: every commit's place on it, the stamp
//! commits with the journal line each wrote, and the rewinds (see the module docs of
//! [`crate::travel`] for how a stamp is told).

use std::collections::HashMap;

use super::JournalLine;
use crate::error::Result;
use crate::git::Repo;
use crate::journal::segment_lines;
use crate::turn::subject::{is_pool_landing, is_stamp_subject, rewound_to, subject_of};

/// A stamp commit: the commit that wrote one journal line — a turn's stamp, or a pool
/// worker's landing (the merge that recorded its task).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stamp {
    /// Full SHA.
    pub(crate) sha: String,
    /// Its subject.
    pub(crate) subject: String,
    /// Whether it is a pool worker's landing: the merge of the task its line records.
    pub(crate) landing: bool,
    /// Its place on the line (0: the oldest commit).
    pub(crate) at: usize,
    /// The journal line it wrote.
    pub(crate) line: JournalLine,
}

/// Whether a commit with `message` may write a journal line: `Some(false)` for a turn's stamp,
/// `Some(true)` for a pool worker's landing, `None` for any other commit.
fn recorder(message: &str) -> Option<bool> {
    if is_pool_landing(message) {
        Some(true)
    } else {
        is_stamp_subject(message).then_some(false)
    }
}

/// A rewind's commit on the line (`baton rewind`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RewindCommit {
    /// Full SHA.
    pub(crate) sha: String,
    /// Its subject.
    pub(crate) subject: String,
    /// Its place on the line.
    pub(crate) at: usize,
    /// Its first parent: the newest of the commits it rewound over.
    pub(crate) before: Option<String>,
    /// The stamp it went back to (full SHA, as its `Baton-Rewind` trailer says).
    pub(crate) to: String,
}

/// The first-parent line of a commit, read once.
#[derive(Debug)]
pub(crate) struct Line {
    /// The commit the line ends at.
    pub(crate) tip: String,
    /// Each commit, oldest first: its SHA and subject.
    pub(crate) commits: Vec<(String, String)>,
    /// The stamps, oldest first.
    pub(crate) stamps: Vec<Stamp>,
    /// The rewinds, oldest first.
    pub(crate) rewinds: Vec<RewindCommit>,
    places: HashMap<String, usize>,
    by_line: HashMap<Vec<u8>, usize>,
}

impl Line {
    /// Reads the first-parent line of `tip` (a full SHA); `journal_rel` is the journal's
    /// current segment, relative to the work tree root.
    ///
    /// # Errors
    /// Git errors reading the history.
    pub(crate) fn read(repo: &Repo, tip: &str, journal_rel: &str) -> Result<Line> {
        let commits = repo.first_parent_line(tip, journal_rel)?;
        let mut line = Line {
            tip: tip.to_owned(),
            commits: Vec::with_capacity(commits.len()),
            stamps: Vec::new(),
            rewinds: Vec::new(),
            places: HashMap::with_capacity(commits.len()),
            by_line: HashMap::new(),
        };
        let mut parent_blob = None;
        for (at, commit) in commits.into_iter().enumerate() {
            let changed = commit.blob != parent_blob;
            parent_blob.clone_from(&commit.blob);
            let subject = subject_of(&commit.message).to_owned();
            line.places.insert(commit.sha.clone(), at);
            if let Some(to) = rewound_to(&commit.message) {
                line.rewinds.push(RewindCommit {
                    sha: commit.sha.clone(),
                    subject: subject.clone(),
                    at,
                    before: commit.parent.clone(),
                    to,
                });
            } else if let (true, Some(landing), Some(blob)) =
                (changed, recorder(&commit.message), commit.blob.as_deref())
            {
                let segment = repo.blob(blob)?;
                if let Some((bytes, entry)) = segment_lines(&segment).last()
                    && !line.by_line.contains_key(bytes)
                {
                    line.by_line.insert(bytes.to_vec(), line.stamps.len());
                    line.stamps.push(Stamp {
                        sha: commit.sha.clone(),
                        subject: subject.clone(),
                        landing,
                        at,
                        line: JournalLine {
                            bytes: bytes.to_vec(),
                            entry,
                        },
                    });
                }
            }
            line.commits.push((commit.sha, subject));
        }
        Ok(line)
    }

    /// The place of commit `sha` (a full SHA) on the line, if it is on it.
    #[must_use]
    pub(crate) fn place(&self, sha: &str) -> Option<usize> {
        self.places.get(sha).copied()
    }

    /// The stamp commit `sha` (a full SHA), if it is one of the line's.
    #[must_use]
    pub(crate) fn stamp_at(&self, sha: &str) -> Option<&Stamp> {
        let at = self.place(sha)?;
        self.stamps.iter().find(|s| s.at == at)
    }

    /// The stamp that wrote the journal line `bytes`, if the line has it.
    #[must_use]
    pub(crate) fn stamp_of(&self, bytes: &[u8]) -> Option<&Stamp> {
        self.by_line.get(bytes).map(|&i| &self.stamps[i])
    }

    /// The commits after `at` up to the tip, newest first.
    pub(crate) fn after(&self, at: usize) -> impl Iterator<Item = &(String, String)> {
        self.commits.iter().skip(at + 1).rev()
    }
}
