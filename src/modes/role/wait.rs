//! Waiting for this actor's turn: read the state, sleep until the remote moves (a notify wake-up
//! for a local remote, else the poll interval), pull, repeat. A heartbeat line says whom we wait
//! for; `git.max_wait` gives up with exit 1.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use crate::config::format_duration;
use crate::error::{Error, Result};
use crate::events::WaitingOn;
use crate::git::{FastForward, RemoteProbe, Repo};
use crate::modes::check_signal;
use crate::modes::role::sync::RoleSync;
use crate::process::hostname;
use crate::state::{Actor, State, Status};
use crate::turn::Session;

/// Whether `state` gives `actor` the turn. A `running-<actor>` marker left by a process of this
/// machine that no longer exists (a crash) is this actor's turn again; one held by a live process
/// or another machine is not.
#[must_use]
pub(crate) fn is_turn_of(state: &State, actor: Actor) -> bool {
    if state.expected_actor != actor || state.awaiting_approval().is_some() {
        return false;
    }
    if state.status != Status::running(actor) {
        return true;
    }
    let owner = state
        .lease_owner
        .as_deref()
        .and_then(|o| o.rsplit_once(':'));
    match owner {
        Some((host, pid)) if host == hostname() => {
            !owner_alive(pid, state.lease_owner_start.as_deref())
        }
        Some(_) => false,
        None => true,
    }
}

/// Whether the lease owner `pid` of this machine still runs. With its start token (pid + start
/// time + boot id) a process that merely reuses the pid does not count; markers
/// of older versions carry only the pid.
fn owner_alive(pid: &str, start: Option<&str>) -> bool {
    let Ok(pid) = pid.parse::<i32>() else {
        return false;
    };
    match start {
        Some(token) => crate::process::Identity::matches_token(pid, token),
        None => {
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                != Err(nix::errno::Errno::ESRCH)
        }
    }
}

/// Whose turn `state` names, as a daemon of `actor` waits for it: its expected actor; the
/// default pair's other actor while there is no state yet (galph creates it).
fn whose(state: Option<&State>, actor: Actor) -> Actor {
    match state {
        Some(state) => state.expected_actor,
        None if actor == Actor::GALPH => Actor::RALPH,
        None => Actor::GALPH,
    }
}

/// The peer's lease, as the heartbeat shows it.
fn lease_text(state: &State) -> String {
    let Some(expires) = state.lease_expires_at.as_deref() else {
        return String::new();
    };
    let Ok(at) = humantime::parse_rfc3339(expires) else {
        return String::new();
    };
    match at.duration_since(SystemTime::now()) {
        Ok(left) => format!("peer lease expires in {}", format_duration(round(left))),
        Err(past) => format!(
            "peer lease expired {} ago",
            format_duration(round(past.duration()))
        ),
    }
}

fn round(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}

/// What a wait for one turn that was ready ([`crate::modes::role::Role::once`]) found instead:
/// the turn is no longer one of its actors' — another worker or daemon took it, or the state
/// moved on. Not a failure of anything: the caller goes on with its other work.
#[derive(Debug, thiserror::Error)]
#[error("the turn is no longer {actor}'s to take (another machine took it, or it moved on)")]
pub(crate) struct TurnTaken {
    /// Whose turn was looked for (the first of the actors).
    pub(crate) actor: Actor,
}

/// Waits until it is `actor`'s turn, pulling the remote as it moves.
pub(crate) struct Waiter<'a> {
    pub(crate) runner: &'a Session,
    pub(crate) repo: &'a Repo,
    pub(crate) sync: &'a RoleSync,
    pub(crate) probe: &'a RemoteProbe,
    pub(crate) wake: &'a Receiver<()>,
    /// Look once, never wait: a turn that is not there ends the wait with [`TurnTaken`].
    pub(crate) once: bool,
    /// The lease owner (`<host>:<pid>`) of a running turn this wait may take over: a pool
    /// worker's, on another machine, whose claim on the turn ran out (see
    /// [`crate::modes::role::Role::once`]).
    pub(crate) take_over: Option<&'a str>,
}

impl Waiter<'_> {
    /// Blocks until the turn comes or the stop flag is set (a pending `baton stop` is
    /// published first), and returns the state read then; or until a signal arrives or
    /// `git.max_wait` passes.
    ///
    /// # Errors
    /// Interrupted (128 + N), a failure (exit 1) after `max_wait`, git and state errors.
    pub(crate) fn wait(&self, actors: &[Actor]) -> Result<State> {
        // Whom the lines and events speak for: the first of this daemon's actors.
        let actor = actors.first().copied().unwrap_or(Actor::GALPH);
        let config = &self.runner.config;
        let start = Instant::now();
        let mut last_beat = start;
        let mut seen = None; // the generation last described at -v
        let mut announced = false;
        loop {
            check_signal()?;
            if let Some(reason) = self.runner.inbox.pending_stop() {
                let state = self.sync.publish_stop(self.runner, self.repo, &reason)?;
                self.runner.inbox.clear_stop()?;
                return Ok(state);
            }
            let notes = self.runner.inbox.notes();
            for note in &notes {
                let change = crate::modes::FlagChange::Note(note.clone());
                self.sync.publish_flag(self.runner, self.repo, &change)?;
            }
            self.runner.inbox.clear_notes(&notes)?;
            let mut publish = |change| {
                let published = self.sync.publish_flag(self.runner, self.repo, &change);
                published.map(drop)
            };
            crate::modes::approval::take_decision(self.runner, &mut publish)?;
            let state = self.read_state()?;
            if !announced {
                announced = true;
                self.runner.events.emit(&crate::events::Event::Waiting {
                    actor,
                    peer: whose(state.as_ref(), actor),
                    lease_owner: state.as_ref().and_then(|s| s.lease_owner.as_deref()),
                    lease_expires_at: state.as_ref().and_then(|s| s.lease_expires_at.as_deref()),
                });
            }
            if let Some(state) = &state {
                let turn = actors
                    .iter()
                    .copied()
                    .find(|a| is_turn_of(state, *a) || self.takes_over(state, *a));
                if let Some(actor) = turn {
                    tracing::info!(generation = state.generation, status = %state.status, "wait: {actor}'s turn");
                    if state.stop_requested().is_none() {
                        self.vouch(state, actor)?;
                    }
                    return Ok(state.clone());
                }
                if state.stop_requested().is_some() {
                    return Ok(state.clone());
                }
            }
            if self.once {
                return Err(Error::new(
                    crate::error::ErrorKind::Failed,
                    TurnTaken { actor },
                ));
            }
            if let Some(state) = state.as_ref().filter(|s| seen != Some(s.generation)) {
                seen = Some(state.generation);
                tracing::info!(
                    generation = state.generation,
                    expected = %state.expected_actor,
                    status = %state.status,
                    owner = state.lease_owner.as_deref().unwrap_or("-"),
                    "wait: not {actor}'s turn yet"
                );
            }
            let waited = start.elapsed();
            if let Some(max) = config.git.max_wait.filter(|m| waited >= *m) {
                let peer = whose(state.as_ref(), actor);
                let text = format!("gave up waiting for {peer} after {}", format_duration(max));
                return Err(Error::failed(text)
                    .with_hint("start the other actor's daemon, or raise git.max_wait"));
            }
            if config
                .agent
                .heartbeat
                .is_some_and(|every| last_beat.elapsed() >= every)
            {
                let peer = whose(state.as_ref(), actor);
                let (waiting_on, detail) = state.as_ref().map_or_else(
                    || (WaitingOn::Peer, String::new()),
                    |s| {
                        crate::modes::describe_limit(s)
                            .map(|d| (WaitingOn::Limit, d))
                            .or_else(|| {
                                crate::modes::describe_approval(s).map(|d| (WaitingOn::Approval, d))
                            })
                            .unwrap_or_else(|| (WaitingOn::Peer, lease_text(s)))
                    },
                );
                self.runner.events.emit(&crate::events::Event::Heartbeat {
                    actor,
                    waiting_on,
                    peer: (waiting_on == WaitingOn::Peer).then_some(peer),
                    waited_secs: waited.as_secs(),
                    detail: &detail,
                });
                last_beat = Instant::now();
            }
            self.sleep(start)?;
            let head = self.probe.head()?;
            // Nothing local is unpushed while waiting, so a divergence (the pull has already
            // refused a force-push) would leave the clone blind to every later turn.
            if let FastForward::Diverged { ahead, behind } =
                self.sync.pull(self.repo, head.as_deref())?
            {
                return Err(self.sync.diverged(self.repo, ahead, behind)?);
            }
        }
    }

    /// Whether `state` is `actor`'s turn running under the lease owner this wait takes over.
    fn takes_over(&self, state: &State, actor: Actor) -> bool {
        self.take_over.is_some_and(|owner| {
            state.expected_actor == actor
                && state.status == Status::running(actor)
                && state.lease_owner.as_deref() == Some(owner)
        })
    }

    /// Takes the turn only when Baton handed it over (see [`RoleSync::vouch`]); otherwise
    /// raises the alarm, which stops both daemons.
    fn vouch(&self, state: &State, actor: Actor) -> Result<()> {
        let approval = crate::modes::approval::required(&self.runner.config, state, actor);
        match self
            .sync
            .vouch(self.repo, state, actor, approval.is_some())?
        {
            None => Ok(()),
            Some(found) => {
                let error =
                    super::alarm::raise(self.runner, self.repo, self.sync, actor, &found, None)?;
                Err(error)
            }
        }
    }

    /// The local state; `None` while the state file does not exist yet (galph creates it).
    fn read_state(&self) -> Result<Option<State>> {
        Ok(self.runner.store.load()?.map(|l| l.state))
    }

    /// Sleeps one poll interval, or less when woken (remote change, signal) or when `max_wait`
    /// ends sooner.
    fn sleep(&self, start: Instant) -> Result<()> {
        let config = &self.runner.config;
        let mut nap = config.git.poll_interval;
        if let Some(max) = config.git.max_wait {
            nap = nap.min(max.saturating_sub(start.elapsed()) + Duration::from_millis(1));
        }
        match self.wake.recv_timeout(nap) {
            Ok(()) => {
                // Coalesce a burst of events (a push touches several files).
                while self.wake.try_recv().is_ok() {}
                Ok(())
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => Ok(()),
        }
    }
}
