//! Turns in a pool (`baton work --as ACTOR…`, `docs/pool.md`, "Turns"): at a look where this
//! worker runs no task and has none waiting to land, a turn of one of its actors that the
//! fetched head's state gives out runs here, as role mode runs it — claimed on the shared branch
//! by a compare-and-swap push and stamped behind the fence — so a `baton run --role` daemon
//! elsewhere sees the claim, and no two machines run one turn.
//!
//! While it runs, the worker also holds the claim ref `refs/baton/claims/_turn`
//! ([`refs::TURN`]), claimed before the turn and renewed every third of `git.lease`: a worker
//! that dies in a turn (a cancelled job, a dead machine) leaves its running marker on the
//! branch, which role mode never takes from another machine; once its `_turn` claim ran out,
//! another worker takes that claim over and then the turn.
//!
//! An actor with workers (or whose tasks this worker takes) takes its turn only once the pool
//! has no task left that can still run: the pool does that turn's tasks, and the turn then
//! runs once in the main work tree, as a workers turn with no open task does, and hands over.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use super::claims::{Want, renew_due};
use super::{Held, PoolOptions};
use crate::error::Result;
use crate::git::{Remote, Repo};
use crate::modes::role::{Role, TurnTaken, guarded_sync, is_turn_of};
use crate::modes::run::Plan;
use crate::pool::claim::Holder;
use crate::pool::plan::{Attempt, Claim, ClaimRef};
use crate::pool::{push, refs};
use crate::state::{Actor, State, Status};
use crate::tasks::Board;
use crate::turn::Session;

/// How a worker's try at a turn ended.
pub(super) enum Turned {
    /// The turn ran and was stamped.
    Ran,
    /// Another machine claimed it first.
    Taken,
    /// This clone cannot run turns (role mode's guards: a detached HEAD, another branch
    /// checked out, a rebase in progress); why.
    NotHere(crate::error::Error),
}

/// A turn this worker may take now.
pub(super) struct ReadyTurn {
    /// Whose turn.
    pub(super) actor: Actor,
    /// How to claim `_turn`: fresh, or over a claim that ran out.
    claim: Claim,
    /// The claim that ran out, for the log line.
    stale: Option<ClaimRef>,
    /// The running marker's lease owner (`<host>:<pid>`) when the turn is taken over from a
    /// worker that died in it.
    take_over: Option<String>,
}

/// Where a worker's turn is claimed: the remote, its branch, and this worker's identity.
pub(super) struct TurnClaim<'a> {
    pub(super) remote: &'a Remote,
    pub(super) branch: &'a str,
    pub(super) holder: &'a Holder,
}

impl Session {
    /// The turn of `options.turns` this worker may take now, from the state at `shared` and
    /// the `_turn` claim fetched with it: an actor whose turn it is (see [`is_turn_of`]), no
    /// stop flag, no usage limit to wait out, no live `_turn` claim (another worker is taking
    /// it), and — for an actor with workers, or the one whose tasks this worker takes — no task
    /// on `board` that can still run; or a turn running under a worker whose `_turn` claim ran
    /// out. `None` also without a state file at `shared` (or one that does not parse: the run
    /// that owns it reports that).
    ///
    /// # Errors
    /// Git errors reading the commit or the refs.
    pub(super) fn ready_turn(
        &self,
        repo: &Repo,
        shared: &str,
        options: &PoolOptions,
        board: &Board,
        seen: &str,
    ) -> Result<Option<ReadyTurn>> {
        if options.turns.is_empty() {
            return Ok(None);
        }
        let Some(state) = self.state_at(repo, shared)? else {
            return Ok(None);
        };
        if state.stop_requested().is_some() || crate::modes::describe_limit(&state).is_some() {
            return Ok(None);
        }
        let turn_claim = match repo
            .seen_refs(seen)?
            .into_iter()
            .find(|r| r.name == refs::TURN)
        {
            Some(found) => Some(ClaimRef::read(
                found.sha,
                &found.message,
                &crate::process::Here::now(),
            )),
            None => None,
        };
        let over = turn_claim
            .as_ref()
            .map(|c| c.is_over(SystemTime::now(), self.config.git.lease));
        let waits_for_tasks = |actor: Actor| {
            (self.graph.workers.contains_key(&actor) || (options.tasks && actor == options.actor))
                && board.has_work()
        };
        for actor in options.turns.iter().copied() {
            if waits_for_tasks(actor) {
                continue;
            }
            let stale = |claim: &ClaimRef| Claim::TakeOver {
                stale_sha: claim.sha.clone(),
            };
            let ready = match (&turn_claim, over) {
                // Nobody holds the turn: this actor's turn, as role mode sees it.
                (None, _) if is_turn_of(&state, actor) => Some((Claim::Fresh, None)),
                // A worker died in this actor's turn: its claim ran out, its marker stays.
                (Some(claim), Some(true)) if is_turn_of(&state, actor) => {
                    Some((stale(claim), None))
                }
                (Some(claim), Some(true)) if died_in(&state, actor, claim) => {
                    Some((stale(claim), state.lease_owner.clone()))
                }
                _ => None,
            };
            if let Some((claim, take_over)) = ready {
                return Ok(Some(ReadyTurn {
                    actor,
                    claim,
                    stale: turn_claim,
                    take_over,
                }));
            }
        }
        Ok(None)
    }

    /// Whether the run whose state is at `shared` goes on: a state without the stop flag
    /// (`baton work --wait` keeps looking while it does).
    ///
    /// # Errors
    /// Git errors reading the commit.
    pub(super) fn run_goes_on(&self, repo: &Repo, shared: &str) -> Result<bool> {
        Ok(self
            .state_at(repo, shared)?
            .is_some_and(|state| state.stop_requested().is_none()))
    }

    /// The state file at commit `shared`; `None` without one, or with one that does not parse
    /// (the run that owns it reports that).
    fn state_at(&self, repo: &Repo, shared: &str) -> Result<Option<State>> {
        let Some(rel) = repo.relative(&self.config.state_file) else {
            return Ok(None);
        };
        let Some(bytes) = repo.read_at(shared, &rel)? else {
            return Ok(None);
        };
        let parsed = crate::state::parse_state(std::path::Path::new(&rel), &bytes);
        Ok(parsed.ok().map(|loaded| loaded.state))
    }

    /// Claims `_turn`, runs the turn in role mode looking once (see [`Role::once`]) while a
    /// thread renews the claim, and releases it.
    ///
    /// # Errors
    /// The turn's own (a failed turn: exit 1), git errors.
    pub(super) fn pool_turn(
        &self,
        repo: &Repo,
        at: &TurnClaim<'_>,
        ready: ReadyTurn,
    ) -> Result<Turned> {
        let actor = ready.actor;
        let sync = match guarded_sync(&self.config, repo) {
            Ok(sync) => sync,
            Err(e) => return Ok(Turned::NotHere(e)),
        };
        let mut role = Role::new(self, sync)?.once(ready.take_over);
        let want = Want {
            attempt: Attempt {
                task: refs::TURN.to_owned(),
                claim: ready.claim,
            },
            worker: actor.as_str().to_owned(),
            stale: ready.stale.as_ref(),
        };
        let mut held = BTreeMap::new();
        let won = self.claim_all(repo, at.remote, at.branch, at.holder, 1, &[want], &mut held)?;
        let Some(claim) = won.into_iter().next().flatten() else {
            info_line!(self.events, "[pool] {actor}'s turn is claimed elsewhere");
            return Ok(Turned::Taken);
        };
        held.insert(refs::TURN.to_owned(), claim);
        let plan = Plan {
            workflow: self.graph.clone(),
            actors: vec![actor],
            count: 1,
        };
        let ended = AtomicBool::new(false);
        let renewer = Renewer {
            workdir: repo.workdir().to_path_buf(),
            remote: at.remote,
            branch: at.branch,
            lease: self.config.git.lease,
            events: self.events.clone(),
        };
        // Nothing between the renewer's start and `ended` may return early: the scope would
        // wait for the renewer for ever.
        let (ran, held) = std::thread::scope(|scope| {
            let renewing = scope.spawn(|| renewer.run(held, &ended));
            let ran = crate::modes::run::run(self, &mut role, &plan);
            ended.store(true, Ordering::Relaxed);
            (ran, renewing.join().unwrap_or_default())
        });
        // The turn is stamped (or not taken): its claim goes, expected at our last renewal.
        if let Some(claim) = held.get(refs::TURN).filter(|c| !c.lost) {
            let release = push::release(refs::TURN, &claim.sha);
            if let Err(e) = at.remote.push_each(&[release]) {
                warn_line!(self.events, "[pool] releasing the turn's claim: {e}");
            }
        }
        match ran {
            Ok(()) => Ok(Turned::Ran),
            Err(e) if e.is::<TurnTaken>() => {
                info_line!(self.events, "[pool] {actor}'s turn was taken elsewhere");
                Ok(Turned::Taken)
            }
            Err(e) => Err(e),
        }
    }
}

/// What renews a turn's `_turn` claim on a thread of its own while the turn runs.
struct Renewer<'a> {
    workdir: std::path::PathBuf,
    remote: &'a Remote,
    branch: &'a str,
    lease: Duration,
    events: crate::events::Events,
}

impl Renewer<'_> {
    /// Renews the `_turn` claim in `held` while the turn runs (until `ended`), from a
    /// repository of its own (a repository handle is not shared between threads); the claim
    /// as last renewed.
    fn run(&self, mut held: BTreeMap<String, Held>, ended: &AtomicBool) -> BTreeMap<String, Held> {
        let nap = (self.lease / 6).clamp(Duration::from_millis(50), Duration::from_secs(1));
        let Ok(Some(repo)) = Repo::discover(&self.workdir) else {
            return held;
        };
        let mut last = std::time::Instant::now();
        while !ended.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
            if last.elapsed() < nap {
                continue;
            }
            last = std::time::Instant::now();
            let renewed = renew_due(
                &repo,
                self.remote,
                self.branch,
                &mut held,
                self.lease,
                &self.events,
            );
            if let Err(e) = renewed {
                warn_line!(self.events, "[pool] renewing the turn's claim: {e}");
            }
        }
        held
    }
}

/// Whether `state` is `actor`'s turn running under the holder of the `_turn` `claim` (its
/// host and pid are the running marker's lease owner): a worker that died in that turn.
fn died_in(state: &State, actor: Actor, claim: &ClaimRef) -> bool {
    let Some(record) = &claim.record else {
        return false;
    };
    let holder = record.holder();
    state.expected_actor == actor
        && state.status == Status::running(actor)
        && state.lease_owner.as_deref() == Some(&format!("{}:{}", holder.host(), holder.pid()))
}
