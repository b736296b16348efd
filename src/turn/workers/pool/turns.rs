//! Turns in a pool (`baton work --as ACTOR…`, `docs/pool.md`, "Turns"): at a look where this
//! worker runs no task and has none waiting to land, a turn of one of its actors that the
//! fetched head's state gives out runs here, as role mode runs it — claimed on the shared branch
//! by a compare-and-swap push and stamped behind the fence — so a `baton run --role` daemon
//! elsewhere sees the claim, and no two machines run one turn.
//!
//! An actor with workers (or whose tasks this worker takes) takes its turn only once the pool
//! has no task left that can still run: the pool does that turn's tasks, and the turn then
//! runs once in the main work tree, as a workers turn with no open task does, and hands over.

use crate::error::Result;
use crate::git::Repo;
use crate::modes::role::{Role, TurnTaken, guarded_sync, is_turn_of};
use crate::modes::run::Plan;
use crate::state::{Actor, State};
use crate::tasks::Board;
use crate::turn::Session;
use crate::turn::workers::pool::PoolOptions;

impl Session {
    /// The actor of `options.turns` whose turn the state at `shared` gives out now: its turn
    /// (see [`is_turn_of`]), no stop flag, no usage limit to wait out, and — for an actor with
    /// workers, or the one whose tasks this worker takes — no task on `board` that can still
    /// run. `None` also when `shared` has no state file (or one that does not parse: the run
    /// that owns it reports that).
    ///
    /// # Errors
    /// Git errors reading the commit.
    pub(super) fn ready_turn(
        &self,
        repo: &Repo,
        shared: &str,
        options: &PoolOptions,
        board: &Board,
    ) -> Result<Option<Actor>> {
        if options.turns.is_empty() {
            return Ok(None);
        }
        let Some(state) = self.state_at(repo, shared)? else {
            return Ok(None);
        };
        if state.stop_requested().is_some() || crate::modes::describe_limit(&state).is_some() {
            return Ok(None);
        }
        let waits_for_tasks = |actor: Actor| {
            (self.graph.workers.contains_key(&actor) || (options.tasks && actor == options.actor))
                && board.has_work()
        };
        Ok(options
            .turns
            .iter()
            .copied()
            .find(|actor| is_turn_of(&state, *actor) && !waits_for_tasks(*actor)))
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

    /// Runs `actor`'s turn in role mode, looking once (see [`Role::once`]): `true` when it ran,
    /// `false` when another machine took it first.
    ///
    /// # Errors
    /// Role mode's guards (a detached HEAD, another branch checked out, a rebase in progress)
    /// and the turn's own (a failed turn: exit 1).
    pub(super) fn pool_turn(&self, repo: &Repo, actor: Actor) -> Result<bool> {
        let sync = guarded_sync(&self.config, repo)?;
        let plan = Plan {
            workflow: self.graph.clone(),
            actors: vec![actor],
            count: 1,
        };
        let mut role = Role::new(self, sync)?.once();
        match crate::modes::run::run(self, &mut role, &plan) {
            Ok(()) => Ok(true),
            Err(e) if e.is::<TurnTaken>() => {
                info_line!(self.events, "[pool] {actor}'s turn was taken elsewhere");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}
