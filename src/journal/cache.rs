//! The journal's sums without reading its whole history each time: archived segments never
//! change once made, so what they add up to is kept — in memory by a long-lived reader (`baton
//! serve`, `baton watch`), and in a file of the run directory
//! (`.git/baton/journal-summary.json`) between two commands (`baton stats`, `baton status`) —
//! and only the segments archived since, and the current segment (at most
//! [`super::SEGMENT_BYTES`]), are read.
//!
//! The kept sums name each archive they counted by name, size, modification time and inode: an
//! archive that is not exactly as counted (rewritten, truncated, replaced, removed) makes the
//! sums start over from the first archive. Entries are counted in journal order either way, so
//! the sums are the same, to the last bit of every float, as a full read's.
//!
//! File format: `{"format": 1, "archives": [{"name", "len", "modified_ns", "inode"}, …],
//! "summary": <Summary>}`; a file of another format, or unreadable, is ignored and replaced.

use std::io;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::read::read_segment;
use super::{Journal, JournalError, Summary};
use crate::fsutil::{Durability, write_atomic_as};

/// Version of the cache file: changed whenever [`Summary`]'s fields or how an entry is counted
/// change, so that sums kept by another version are not mixed in.
const FORMAT: u32 = 1;

/// The cache file's name in the run directory.
pub(crate) const CACHE_FILE: &str = "journal-summary.json";

/// One archived segment as it was when counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ArchiveKey {
    name: String,
    len: u64,
    modified_ns: i128,
    inode: u64,
}

impl ArchiveKey {
    /// `path` as it is now; `None` when it cannot be looked at (it is then read every time).
    fn of(path: &Path) -> Option<ArchiveKey> {
        let meta = std::fs::metadata(path).ok()?;
        Some(ArchiveKey {
            name: path.file_name()?.to_str()?.to_owned(),
            len: meta.len(),
            modified_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            inode: meta.ino(),
        })
    }
}

/// The sums of the archived segments counted so far.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct SummaryCache {
    format: u32,
    /// The archives counted, oldest first.
    archives: Vec<ArchiveKey>,
    /// What they add up to.
    summary: Summary,
    /// Counted more since it was loaded (worth saving).
    #[serde(skip)]
    grew: bool,
}

impl SummaryCache {
    /// The sums kept in `file`; empty ones when it is missing, unreadable or of another format.
    #[must_use]
    pub(crate) fn load(file: &Path) -> SummaryCache {
        let cache = crate::fsutil::read_regular(file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<SummaryCache>(&bytes).ok())
            .filter(|cache| cache.format == FORMAT);
        cache.unwrap_or_default()
    }

    /// Writes the sums to `file` when they grew since [`SummaryCache::load`] (not synced: a
    /// lost or torn cache is only read again from the journal).
    ///
    /// # Errors
    /// The io error.
    pub(crate) fn save(&mut self, file: &Path) -> io::Result<()> {
        if !self.grew {
            return Ok(());
        }
        self.format = FORMAT;
        let bytes = serde_json::to_vec(self)
            .expect("invariant: a SummaryCache (plain fields, string keys) always serializes");
        write_atomic_as(file, &bytes, Durability::Volatile)?;
        self.grew = false;
        Ok(())
    }

    /// Starts over: nothing counted.
    fn clear(&mut self) {
        self.archives.clear();
        self.summary = Summary::default();
        self.grew = true;
    }
}

impl Journal {
    /// The sums over every entry (see [`Summary`]), reading only the archives `cache` has not
    /// counted yet, and the current segment; `cache` then holds every archive.
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub(crate) fn summary(&self, cache: &mut SummaryCache) -> Result<Summary, JournalError> {
        let archives: Vec<(PathBuf, Option<ArchiveKey>)> = self
            .archives()?
            .into_iter()
            .map(|path| {
                let key = ArchiveKey::of(&path);
                (path, key)
            })
            .collect();
        let counted = cache.archives.len();
        let still = archives.len() >= counted
            && archives[..counted]
                .iter()
                .zip(&cache.archives)
                .all(|((_, now), then)| now.as_ref() == Some(then));
        if !still {
            cache.clear();
        }
        let mut uncached = Summary::default();
        let mut keyed = true;
        for (path, key) in &archives[cache.archives.len()..] {
            match key.clone().filter(|_| keyed) {
                Some(key) => {
                    read_segment(path, &mut |entry| cache.summary.add(&entry))?;
                    cache.archives.push(key);
                    cache.grew = true;
                }
                None => {
                    // Not to be told apart next time: counted now, never kept, and so are the
                    // archives after it (entries are counted in order).
                    if keyed {
                        uncached = cache.summary.clone();
                        keyed = false;
                    }
                    read_segment(path, &mut |entry| uncached.add(&entry))?;
                }
            }
        }
        let mut summary = if keyed {
            cache.summary.clone()
        } else {
            uncached
        };
        read_segment(&self.path, &mut |entry| summary.add(&entry))?;
        Ok(summary)
    }

    /// [`Journal::summary`] with the sums kept in `run_dir` between commands: loaded from, and
    /// saved back to, [`CACHE_FILE`] there (a cache that cannot be saved is only a warning in
    /// the debug log).
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub(crate) fn summary_kept_in(&self, run_dir: &Path) -> Result<Summary, JournalError> {
        let file = run_dir.join(CACHE_FILE);
        let mut cache = SummaryCache::load(&file);
        let summary = self.summary(&mut cache)?;
        if let Err(e) = cache.save(&file) {
            tracing::debug!(path = %file.display(), error = %e, "journal summary cache not saved");
        }
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::JournalEntry;

    fn entry(iteration: u64, cost: f64, outcome: &str) -> JournalEntry {
        serde_json::from_value(serde_json::json!({
            "iteration": iteration, "actor": if iteration.is_multiple_of(2) { "galph" } else { "ralph" },
            "prompt": "main.md", "source": "deterministic", "reason": "r", "agent": "claude",
            "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:01:00Z",
            "duration_ms": 60_000, "outcome": outcome, "exit_code": 0,
            "head_before": null, "head_after": null, "files_changed": 0, "insertions": 0,
            "deletions": 0, "log": "l", "host": "h", "generation": iteration,
            "usage": {"cost_usd": cost, "input_tokens": iteration}
        }))
        .expect("entry")
    }

    /// What a read of every line gives.
    fn full(journal: &Journal) -> Summary {
        let mut summary = Summary::default();
        journal.for_each(|e| summary.add(&e)).expect("read");
        summary
    }

    fn append(journal: &Journal, from: u64, n: u64) {
        for i in from..from + n {
            let outcome = if i % 7 == 0 { "failed" } else { "ok" };
            journal
                .append(&entry(i, 0.1 + i as f64 / 3.0, outcome))
                .expect("append");
        }
    }

    #[test]
    fn kept_sums_equal_a_full_read_as_archives_come_and_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::new(dir.path().join("sync/journal.jsonl"));
        let file = dir.path().join("run").join(CACHE_FILE);
        let sums = |journal: &Journal| {
            let mut cache = SummaryCache::load(&file);
            let summary = journal.summary(&mut cache).expect("summary");
            cache.save(&file).expect("save");
            summary
        };
        assert_eq!(sums(&journal), Summary::default(), "no journal yet");
        append(&journal, 1, 350);
        let archives = journal.archives().expect("archives");
        assert!(archives.len() >= 2, "{archives:?}");
        assert_eq!(sums(&journal), full(&journal), "cold");
        let kept = SummaryCache::load(&file);
        assert_eq!(kept.archives.len(), archives.len(), "every archive is kept");
        assert_eq!(sums(&journal), full(&journal), "warm");
        append(&journal, 351, 150);
        assert!(journal.archives().expect("archives").len() > archives.len());
        assert_eq!(sums(&journal), full(&journal), "new archives counted");
        // An archive rewritten (here: its last line dropped) is counted as it is now.
        let first = &archives[0];
        let text = std::fs::read_to_string(first).expect("read");
        let cut = text.trim_end().rfind('\n').expect("lines") + 1;
        std::fs::write(first, &text[..cut]).expect("rewrite");
        let rewritten = sums(&journal);
        assert_eq!(rewritten, full(&journal), "a changed archive is read again");
        assert_eq!(rewritten.total.turns, 499);
        // A removed archive too.
        std::fs::remove_file(&archives[1]).expect("remove");
        assert_eq!(sums(&journal), full(&journal), "a removed archive");
    }

    #[test]
    fn a_cache_of_another_format_or_garbage_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::new(dir.path().join("journal.jsonl"));
        append(&journal, 1, 200);
        assert_eq!(journal.archives().expect("archives").len(), 1);
        let file = dir.path().join(CACHE_FILE);
        for junk in ["{", r#"{"format": 99, "archives": [], "summary": {}}"#] {
            std::fs::write(&file, junk).expect("write");
            let mut cache = SummaryCache::load(&file);
            assert_eq!(journal.summary(&mut cache).expect("sum"), full(&journal));
        }
        let mut cache = SummaryCache::load(&file);
        let _ = journal.summary(&mut cache).expect("sum");
        cache.save(&file).expect("save");
        let saved: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
        assert_eq!(saved["format"], FORMAT);
        assert_eq!(saved["archives"].as_array().map(Vec::len), Some(1));
    }
}
