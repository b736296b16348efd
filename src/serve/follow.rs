//! The follower: one thread that watches the run and publishes what the dashboard shows. Every
//! [`POLL`] it decides what to look at — the Baton running in this workspace (it holds the
//! runner lock), else the remote's branch when it carries the state and this clone has nothing
//! newer ([`crate::observe`]), else this workspace's files — reads only what changed, rebuilds
//! the [`Snapshot`] and follows the newest turn's transcript (local only: transcripts stay on
//! the machine that runs the turn). The pool's claims are read every [`REMOTE_EVERY`]: fetched
//! while no Baton runs here, else as the Baton running here fetched them.
//!
//! Polling rather than file notifications: the state file is replaced by a rename, the journal
//! rotates into an archive directory and the transcript lives in a directory made per branch and
//! actor; a stat of four paths every 300 ms is cheap and misses none of it. The remote is asked
//! every 2 s ([`RemoteView`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::decisions;
use super::files::Files;
use super::history::TurnIndex;
use super::links;
use super::remote::{REMOTE_EVERY, RemoteView};
use super::snapshot::{self, Snapshot, SourceView, Sources};
use super::transcript::{Tail, Transcript};
use crate::config::Config;
use crate::events::Workers;
use crate::observe::{self, Place, PoolReader};
use crate::workflow::Workflow;

/// How often the files are looked at.
pub(crate) const POLL: Duration = Duration::from_millis(300);

/// How often the snapshot is rebuilt even when no file changed (a limit's countdown, a run
/// whose process died).
const REFRESH: Duration = Duration::from_secs(3);

/// What the dashboard shows now: the snapshot (as JSON, with a version that changes with it),
/// the transcript of the newest turn, the past turns the snapshot's numbers refer to, and the
/// workers the snapshot lists, with their transcripts.
#[derive(Debug, Default)]
pub(crate) struct Live {
    /// +1 whenever `snapshot` changes.
    pub(crate) version: u64,
    /// The snapshot, serialized.
    pub(crate) snapshot: Arc<str>,
    /// The newest turn's transcript.
    pub(crate) transcript: Arc<Transcript>,
    /// Past turns by number, of the journal the snapshot shows.
    pub(crate) index: Arc<TurnIndex>,
    /// The workers of the snapshot, with their transcripts' kept tails.
    pub(crate) workers: Arc<Workers>,
}

/// What the page looks at, decided at each poll.
enum Looking {
    /// The Baton running here (its pid).
    Local(i32),
    /// The remote's branch.
    Remote,
    /// This workspace's files, and why.
    Files(String),
}

/// The follower's memory between polls.
struct Follower {
    files: Files,
    /// This workspace's runner lock (who holds it runs here).
    lock: PathBuf,
    remote: Option<RemoteView>,
    /// The pool's claims on the remote.
    pool: Option<PoolReader>,
    tail: Tail,
    /// The transcript name last refused (warned about once).
    refused: Option<String>,
    /// When the snapshot was last built (`None`: never).
    last_build: Option<Instant>,
    json: Arc<str>,
    /// The index of the last snapshot built.
    index: Arc<TurnIndex>,
    /// The workers of the last snapshot built.
    workers: Arc<Workers>,
    /// The run's graph.
    workflow: Arc<Workflow>,
    /// People's answers at approval checkpoints.
    answers: decisions::History,
    /// Where commits are linked to.
    commit_url: Option<String>,
}

impl Follower {
    fn new(config: Config, lock: PathBuf, stop: &Arc<AtomicBool>) -> Follower {
        let remote = match observe::remote_run(&config) {
            Ok(run) => run,
            Err(e) => {
                note!("baton: warning: showing this workspace only: {e:#}");
                None
            }
        };
        let remote = remote.map(|mut run| {
            run.cancel_on(Arc::clone(stop));
            RemoteView::new(run)
        });
        let pool = PoolReader::new(&config).map(|mut pool| {
            pool.cancel_on(Arc::clone(stop));
            pool
        });
        Follower {
            pool,
            answers: decisions::History::new(&config),
            commit_url: links::commit_url(&config),
            workflow: Arc::new(config.workflow.clone()),
            files: Files::new(config),
            lock,
            remote,
            tail: Tail::default(),
            refused: None,
            last_build: None,
            json: Arc::from(""),
            index: Arc::default(),
            workers: Arc::default(),
        }
    }

    /// What to look at now; asks the remote first when `network` and it is due.
    fn looking(&mut self, network: bool) -> (Looking, bool) {
        if let Some(pid) = observe::baton_runs_here(&self.lock) {
            return (Looking::Local(pid), false);
        }
        let Some(remote) = &mut self.remote else {
            let why = format!(
                "no Baton runs here, and there is no remote `{}`",
                self.files.config().git.remote
            );
            return (Looking::Files(why), false);
        };
        let asked = network && remote.check_when_due();
        match remote.files_instead() {
            None => (Looking::Remote, asked),
            Some(why) => (Looking::Files(why), asked),
        }
    }

    /// One poll: returns the new snapshot JSON when it changed, and whether the transcript did.
    fn poll(&mut self, network: bool) -> (Option<Arc<str>>, bool) {
        let (looking, asked) = self.looking(network);
        let changed = match looking {
            Looking::Remote => asked,
            Looking::Local(_) | Looking::Files(_) => self.files.read_changes(),
        };
        let pool_read = match &mut self.pool {
            Some(pool) if network => pool.refresh_when_due(REMOTE_EVERY, &self.lock),
            // The first read, before the thread starts: as last fetched, no network.
            Some(pool) => {
                pool.refresh(false);
                true
            }
            None => false,
        };
        let changed = changed || pool_read;
        let mut snapshot = None;
        if changed || self.last_build.is_none_or(|at| at.elapsed() >= REFRESH) {
            self.last_build = Some(Instant::now());
            let sources = self.sources(&looking);
            self.index = Arc::clone(&sources.index);
            self.workers = Arc::new(sources.events.workers.clone());
            let built: Snapshot = snapshot::build(&sources);
            match serde_json::to_string(&built) {
                Ok(json) if *json != *self.json => {
                    self.json = Arc::from(json);
                    snapshot = Some(Arc::clone(&self.json));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "snapshot"),
            }
        }
        let transcript = match looking {
            Looking::Remote => false,
            Looking::Local(_) | Looking::Files(_) => self.follow_transcript(),
        };
        (snapshot, transcript)
    }

    /// Follows the transcript the event log names, only beneath `logs_dir`.
    fn follow_transcript(&mut self) -> bool {
        let log = self
            .files
            .events_view
            .turn
            .as_ref()
            .and_then(|t| t.log.clone());
        let Some(log) = log else {
            return false;
        };
        let config = self.files.config();
        match Place::beneath(&config.logs_dir, &config.root, Path::new(&log)) {
            Some(place) => self.tail.follow(&log, &place),
            None => {
                if self.refused.as_deref() != Some(log.as_str()) {
                    note!(
                        "baton: warning: the event log names the transcript `{log}`, outside \
                         `{}`: not shown",
                        config.logs_dir.display()
                    );
                    self.refused = Some(log);
                }
                false
            }
        }
    }

    /// What the snapshot is built from, for what the page looks at.
    fn sources(&mut self, looking: &Looking) -> Sources {
        let mut sources = self.view_sources(looking);
        let tip = match (looking, &self.remote) {
            (Looking::Remote, Some(remote)) => remote.tip(),
            _ => None,
        };
        sources.decisions = self.answers.answers(
            tip,
            sources.turns_before + 1,
            &sources.turns,
            &sources.events.decided,
        );
        sources.commit_url.clone_from(&self.commit_url);
        sources.workflow = Arc::clone(&self.workflow);
        if let Some(pool) = &self.pool {
            sources.pool = pool.view(std::time::SystemTime::now());
        }
        sources
    }

    /// What the view itself says: the remote's branch, or this workspace's files.
    fn view_sources(&mut self, looking: &Looking) -> Sources {
        let workspace = self.files.config().root.display().to_string();
        if let (Looking::Remote, Some(remote)) = (looking, &mut self.remote) {
            return remote.sources(workspace, &self.files.config().budget);
        }
        let source = match looking {
            Looking::Local(pid) => SourceView {
                kind: "local",
                pid: Some(*pid),
                ..SourceView::default()
            },
            Looking::Remote | Looking::Files(_) => SourceView {
                kind: "files",
                why: match looking {
                    Looking::Files(why) => Some(why.clone()),
                    _ => None,
                },
                ..SourceView::default()
            },
        };
        self.files.check_run_alive();
        Sources {
            workspace,
            source,
            state: self.files.state.clone(),
            turns: self.files.turns.clone(),
            turns_before: self.files.turns_before,
            index: Arc::clone(&self.files.index),
            summary: self.files.summary.clone(),
            budget: self.files.budget.clone(),
            events: self.files.events_view.clone(),
            decisions: Vec::new(),
            commit_url: None,
            workflow: Arc::default(),
            pool: observe::PoolView::default(),
        }
    }
}

/// Reads the workspace once (the remote as last fetched: no network), then starts the
/// follower thread, which publishes into the returned receiver every change until `stop` is
/// set; then it returns, dropping its sender, which ends every open event stream. `lock` is the
/// workspace's runner lock.
///
/// # Errors
/// The thread could not be started.
pub(crate) fn start(
    config: Config,
    lock: PathBuf,
    stop: Arc<AtomicBool>,
) -> std::io::Result<(watch::Receiver<Arc<Live>>, std::thread::JoinHandle<()>)> {
    let mut follower = Follower::new(config, lock, &stop);
    let (snapshot, _) = follower.poll(false);
    let first = Live {
        version: 1,
        snapshot: snapshot.unwrap_or_else(|| Arc::clone(&follower.json)),
        transcript: Arc::new(follower.tail.transcript.clone()),
        index: Arc::clone(&follower.index),
        workers: Arc::clone(&follower.workers),
    };
    let (live, receiver) = watch::channel(Arc::new(first));
    let thread = std::thread::Builder::new()
        .name("baton-serve-follow".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let (snapshot, transcript) = follower.poll(true);
                if snapshot.is_some() || transcript {
                    live.send_modify(|current| {
                        let mut next = Live {
                            version: current.version,
                            snapshot: Arc::clone(&current.snapshot),
                            transcript: Arc::clone(&current.transcript),
                            index: Arc::clone(&current.index),
                            workers: Arc::clone(&current.workers),
                        };
                        if let Some(json) = snapshot {
                            next.version += 1;
                            next.snapshot = json;
                            next.index = Arc::clone(&follower.index);
                            next.workers = Arc::clone(&follower.workers);
                        }
                        if transcript {
                            next.transcript = Arc::new(follower.tail.transcript.clone());
                        }
                        *current = Arc::new(next);
                    });
                }
                std::thread::sleep(POLL);
            }
        })?;
    Ok((receiver, thread))
}
