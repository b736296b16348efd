//! The follower: one thread that watches the workspace's files and publishes what the dashboard
//! shows. Every [`POLL`] it compares the state file, the journal and the event log with what
//! it saw (length, modification time, inode), reads only what changed (the event log from where
//! it stopped), rebuilds the [`Snapshot`] and follows the newest turn's transcript.
//!
//! Polling rather than file notifications: the state file is replaced by a rename, the journal
//! rotates into an archive directory and the transcript lives in a directory made per branch and
//! actor; a stat of four paths every 300 ms is cheap and misses none of it.

use std::io::{BufRead as _, BufReader, Seek as _, SeekFrom};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use crate::fsutil::open_regular_read;

use super::snapshot::{self, Snapshot, Sources};
use super::transcript::{Tail, Transcript};
use crate::config::Config;
use crate::events::EventView;
use crate::journal::{Journal, SummaryCache};
use crate::modes::budget;
use crate::state::StateStore;

/// How often the files are looked at.
pub(crate) const POLL: Duration = Duration::from_millis(300);

/// How often the snapshot is rebuilt even when no file changed (a limit's countdown, a run
/// whose process died).
const REFRESH: Duration = Duration::from_secs(3);

/// What the dashboard shows now: the snapshot (as JSON, with a version that changes with it)
/// and the transcript of the newest turn.
#[derive(Debug, Default)]
pub(crate) struct Live {
    /// +1 whenever `snapshot` changes.
    pub(crate) version: u64,
    /// The snapshot, serialized.
    pub(crate) snapshot: Arc<str>,
    /// The newest turn's transcript.
    pub(crate) transcript: Arc<Transcript>,
}

/// What identifies one version of a file: length, modification time and inode (`None`:
/// missing).
type Signature = Option<(u64, SystemTime, u64)>;

fn signature(path: &Path) -> Signature {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?, meta.ino()))
}

/// The follower's memory between polls.
struct Follower {
    config: Config,
    journal: Journal,
    /// The sums of the archived segments read so far (they never change: each is read once).
    journal_sums: SummaryCache,
    state_sig: Signature,
    journal_sig: (Signature, Signature),
    events_sig: Signature,
    events_offset: u64,
    sources: Sources,
    tail: Tail,
    last_build: Instant,
    json: Arc<str>,
}

impl Follower {
    fn new(config: Config) -> Follower {
        Follower {
            journal: Journal::new(config.journal_file.clone()),
            journal_sums: SummaryCache::default(),
            sources: Sources {
                workspace: config.root.display().to_string(),
                state: Ok(None),
                ..Sources::default()
            },
            config,
            state_sig: None,
            journal_sig: (None, None),
            events_sig: None,
            events_offset: 0,
            tail: Tail::default(),
            last_build: Instant::now(),
            json: Arc::from(""),
        }
    }

    /// Reads what changed; returns whether the sources changed.
    fn read_changes(&mut self) -> bool {
        let mut changed = false;
        let sig = signature(&self.config.state_file);
        if sig != self.state_sig || sig.is_none() {
            self.state_sig = sig;
            let store = StateStore::new(self.config.state_file.clone());
            self.sources.state = store
                .load()
                .map(|l| l.map(|l| l.state))
                .map_err(|e| format!("{:#}", anyhow::Error::new(e)));
            changed = true;
        }
        let sig = (
            signature(&self.config.journal_file),
            signature(&self.journal.archive_dir()),
        );
        if sig != self.journal_sig {
            self.journal_sig = sig;
            self.read_journal();
            changed = true;
        }
        let events = self.config.logs_dir.join(crate::events::FILE_NAME);
        let sig = signature(&events);
        if sig != self.events_sig {
            let same_file = match (sig, self.events_sig) {
                (Some((len, _, ino)), Some((_, _, was))) => ino == was && len >= self.events_offset,
                _ => false,
            };
            if !same_file {
                self.events_offset = 0;
                self.sources.events = EventView::default();
            }
            self.events_sig = sig;
            self.read_events(&events);
            changed = true;
        }
        changed
    }

    fn read_journal(&mut self) {
        match self.journal.tail(snapshot::TURNS) {
            Ok(turns) => self.sources.turns = turns,
            Err(e) => tracing::warn!(error = %e, "journal tail"),
        }
        match self.journal.summary(&mut self.journal_sums) {
            Ok(summary) => self.sources.summary = summary,
            Err(e) => tracing::warn!(error = %e, "journal"),
        }
        let limits = &self.config.budget;
        self.sources.budget = if limits.is_set() {
            budget::spent(&self.journal, limits.since.as_ref())
                .map(|spent| budget::lines(limits, &spent))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
    }

    /// Folds the event log's new whole lines in (a partial last line waits for its end).
    fn read_events(&mut self, path: &Path) {
        let Ok(mut file) = open_regular_read(path) else {
            return;
        };
        if file.seek(SeekFrom::Start(self.events_offset)).is_err() {
            return;
        }
        let mut reader = BufReader::new(file);
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(n) if n > 0 && line.ends_with('\n') => {
                    self.events_offset += n as u64;
                    if let Ok(value) = serde_json::from_str(&line) {
                        self.sources.events.apply(&value);
                    }
                }
                _ => break,
            }
        }
    }

    /// Marks a run whose process is gone (killed without `run_ended`) as no longer running.
    fn check_run_alive(&mut self) {
        let events = &mut self.sources.events;
        let Some(run) = &events.run else {
            return;
        };
        if run.ended.is_some() {
            return;
        }
        let gone = run
            .pid
            .and_then(|pid| i32::try_from(pid).ok())
            .is_some_and(|pid| {
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                    == Err(nix::errno::Errno::ESRCH)
            });
        if gone && events.turn.as_ref().is_some_and(|t| t.running) {
            events.mark_gone();
        }
    }

    /// One poll: returns the new snapshot JSON when it changed, and whether the transcript did.
    fn poll(&mut self) -> (Option<Arc<str>>, bool) {
        let changed = self.read_changes();
        let mut snapshot = None;
        if changed || self.last_build.elapsed() >= REFRESH {
            self.last_build = Instant::now();
            self.check_run_alive();
            let built: Snapshot = snapshot::build(&self.sources);
            match serde_json::to_string(&built) {
                Ok(json) if *json != *self.json => {
                    self.json = Arc::from(json);
                    snapshot = Some(Arc::clone(&self.json));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "snapshot"),
            }
        }
        let log = self
            .sources
            .events
            .turn
            .as_ref()
            .and_then(|t| t.log.clone());
        let transcript = log.is_some_and(|log| {
            let path = self.resolve(&log);
            self.tail.follow(&log, &path)
        });
        (snapshot, transcript)
    }

    fn resolve(&self, log: &str) -> PathBuf {
        let path = Path::new(log);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.config.root.join(path)
        }
    }
}

/// Reads the workspace once, then starts the follower thread, which publishes into the
/// returned receiver every change until `stop` is set; then it returns, dropping its sender,
/// which ends every open event stream.
///
/// # Errors
/// The thread could not be started.
pub(crate) fn start(
    config: Config,
    stop: Arc<AtomicBool>,
) -> std::io::Result<(watch::Receiver<Arc<Live>>, std::thread::JoinHandle<()>)> {
    let mut follower = Follower::new(config);
    let (snapshot, _) = follower.poll();
    let first = Live {
        version: 1,
        snapshot: snapshot.unwrap_or_else(|| Arc::clone(&follower.json)),
        transcript: Arc::new(follower.tail.transcript.clone()),
    };
    let (live, receiver) = watch::channel(Arc::new(first));
    let thread = std::thread::Builder::new()
        .name("baton-serve-follow".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(POLL);
                let (snapshot, transcript) = follower.poll();
                if snapshot.is_none() && !transcript {
                    continue;
                }
                live.send_modify(|current| {
                    let mut next = Live {
                        version: current.version,
                        snapshot: Arc::clone(&current.snapshot),
                        transcript: Arc::clone(&current.transcript),
                    };
                    if let Some(json) = snapshot {
                        next.version += 1;
                        next.snapshot = json;
                    }
                    if transcript {
                        next.transcript = Arc::new(follower.tail.transcript.clone());
                    }
                    *current = Arc::new(next);
                });
            }
        })?;
    Ok((receiver, thread))
}
