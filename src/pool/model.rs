//! The pool's model (docs/pool.md, "The model"): 2–4 simulated workers, each with its own
//! knowledge and clock skew, over a simulated remote whose refs change only by pushes — the
//! argument lists [`crate::pool::push::push_args`] makes, applied with git's compare-and-swap
//! and atomic rules. The workers decide with the real [`crate::pool::plan`],
//! [`crate::pool::outcome`] and [`crate::pool::claim`].
//!
//! A case is a list of tasks (with dependencies and a number of run steps), of workers, and of
//! operations in any order: fetch, plan and claim (every attempt in one push, each its own
//! compare-and-swap), renew, run a step, land (make the merge on a fresh head, then push it),
//! land a train (make a chain of merges of every task run, then push the branch and every
//! claim's deletion at once), fail a task (release), crash (forget everything; claims stay,
//! and the worker's next incarnation reads them as its ended holder's, over at once),
//! move the clock (up to two leases, or to around the end of a claim's lease), plant a claim
//! by hand (garbage, a past lease, a lease ending in 9999). Each push may lose its answer
//! (applied, the pusher told an error) or be dropped (not applied, an error too); never the
//! reverse. After every operation the invariants are checked; after the last, the workers run
//! without faults, round after round, until every task has landed. proptest shrinks a failure
//! to a short list of operations.

mod invariants;
mod land;
mod remote;
mod worker;
mod world;

use std::cell::RefCell;
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};

use world::{LEASE, Net, Rules, Stats, TaskSpec, World};

/// One operation; workers and their claims are picked by number, modulo how many there are.
#[derive(Clone, Debug)]
enum Op {
    Fetch(usize),
    Claim(usize, Net),
    Renew(usize, usize, Net),
    Step(usize, usize),
    Land(usize, usize, Net),
    /// Land every task it ran, as one train.
    Train(usize, Net),
    Fail(usize, usize, Net),
    Crash(usize),
    Advance(u64),
    /// The clock moves to `.1` ms around the end of the lease of the `.0`th claim ref on the
    /// remote (no move if that is past): where a holder and a taker could disagree.
    Expire(usize, i64),
    /// A claim pushed by hand on task `.0` (one past the last: a task that does not exist):
    /// garbage (0), a past lease (1), a lease ending in 9999 (2).
    Plant(usize, u8),
}

/// A generated case.
#[derive(Clone, Debug)]
struct Case {
    tasks: Vec<TaskSpec>,
    /// Each worker's slots and clock skew (ms).
    workers: Vec<(usize, i64)>,
    ops: Vec<Op>,
    /// Whether workers check a claimed task at a fresh read before running it (see
    /// [`Rules::check_before_run`]); both are explored.
    check_before_run: bool,
}

fn net() -> impl Strategy<Value = Net> {
    prop_oneof![6 => Just(Net::Ok), 2 => Just(Net::LostAck), 1 => Just(Net::Dropped)]
}

fn op() -> impl Strategy<Value = Op> {
    let lease_ms = u64::try_from(LEASE.as_millis()).unwrap_or(u64::MAX);
    let w = 0usize..4;
    let n = 0usize..2;
    prop_oneof![
        2 => w.clone().prop_map(Op::Fetch),
        4 => (w.clone(), net()).prop_map(|(w, net)| Op::Claim(w, net)),
        2 => (w.clone(), n.clone(), net()).prop_map(|(w, n, net)| Op::Renew(w, n, net)),
        8 => (w.clone(), n.clone()).prop_map(|(w, n)| Op::Step(w, n)),
                6 => (w.clone(), n.clone(), net()).prop_map(|(w, n, net)| Op::Land(w, n, net)),
        4 => (w.clone(), net()).prop_map(|(w, net)| Op::Train(w, net)),
        1 => (w.clone(), n, net()).prop_map(|(w, n, net)| Op::Fail(w, n, net)),
        1 => w.prop_map(Op::Crash),
        2 => prop_oneof![4 => 0..=lease_ms / 10, 1 => 0..=2 * lease_ms].prop_map(Op::Advance),
        1 => (0usize..4, -1500i64..=1500).prop_map(|(k, ms)| Op::Expire(k, ms)),
        1 => (0usize..7, 0u8..3).prop_map(|(t, k)| Op::Plant(t, k)),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    // Skews within a sixth of a lease either way: at most a third between two clocks.
    let skew_ms = i64::try_from(LEASE.as_millis() / 6).unwrap_or(0);
    let skew = prop_oneof![3 => Just(0i64), 1 => -skew_ms..=skew_ms];
    // Few tasks, often: more workers race for each.
    let count = prop_oneof![1usize..=3, 1usize..=6];
    let tasks = count.prop_flat_map(|n| proptest::collection::vec((any::<u8>(), 1u8..=3), n));
    let workers = proptest::collection::vec((1usize..=2, skew), 2..=4);
    let ops = proptest::collection::vec(op(), 0..=200);
    (tasks, workers, ops, any::<bool>()).prop_map(|(tasks, workers, ops, check_before_run)| Case {
        tasks: tasks
            .into_iter()
            .enumerate()
            .map(|(i, (mask, steps))| TaskSpec {
                id: format!("t{i}"),
                depends: (0..i)
                    .filter(|j| mask & (1 << j) != 0)
                    .map(|j| format!("t{j}"))
                    .collect(),
                steps,
            })
            .collect(),
        workers,
        ops,
        check_before_run,
    })
}

impl World {
    fn apply(&mut self, op: &Op) -> Result<(), String> {
        let n = self.workers.len();
        // A worker settles its pushes in doubt before anything else it does.
        if let Op::Fetch(w)
        | Op::Claim(w, _)
        | Op::Renew(w, ..)
        | Op::Step(w, _)
        | Op::Land(w, ..)
        | Op::Train(w, _)
        | Op::Fail(w, ..) = *op
        {
            self.settle(w % n)?;
        }
        let held = |world: &World, w: usize, i: usize| world.workers[w % n].nth(i);
        match *op {
            Op::Fetch(w) => self.fetch(w % n),
            Op::Claim(w, net) => self.claim(w % n, net)?,
            Op::Renew(w, i, net) => {
                if let Some(task) = held(self, w, i) {
                    self.renew(w % n, &task, net)?;
                }
            }
            Op::Step(w, i) => {
                if let Some(task) = held(self, w, i) {
                    self.step(w % n, &task)?;
                }
            }
            Op::Land(w, i, net) => {
                if let Some(task) = held(self, w, i) {
                    self.land(w % n, &task, net)?;
                }
            }
            Op::Train(w, net) => self.train(w % n, net)?,
            Op::Fail(w, i, net) => {
                if let Some(task) = held(self, w, i) {
                    self.fail(w % n, &task, net)?;
                }
            }
            Op::Crash(w) => self.crash(w % n),
            Op::Advance(ms) => self.advance(ms),
            Op::Expire(k, ms) => self.expire(k, ms),
            Op::Plant(t, kind) => {
                let task = self
                    .tasks
                    .get(t)
                    .map_or_else(|| "ghost".to_owned(), |t| t.id.clone());
                self.plant(&task, kind)?;
            }
        }
        Ok(())
    }
}

/// Runs one case: every operation, the invariants after each, then the fault-free end.
fn run(case: &Case, check_open: bool, stats: &RefCell<Stats>) -> Result<(), TestCaseError> {
    let rules = Rules {
        check_open,
        check_before_run: case.check_before_run,
    };
    let mut world = World::new(case.tasks.clone(), &case.workers, rules);
    for (i, op) in case.ops.iter().enumerate() {
        world
            .apply(op)
            .and_then(|()| world.check())
            .map_err(|e| TestCaseError::fail(format!("after operation {i} ({op:?}): {e}")))?;
    }
    world
        .drain()
        .map_err(|e| TestCaseError::fail(format!("at the end: {e}")))?;
    stats.borrow_mut().add(&world.stats);
    Ok(())
}

/// The seed of the default run: a fixed one, so a run in CI finds what the last one found and
/// the coverage below holds; `PROPTEST_RNG_SEED=<n>` (and `PROPTEST_CASES=<n>`, default 256)
/// explore further.
const SEED: u64 = 0x00ba_7051;

/// proptest's runner: 256 cases (or `PROPTEST_CASES`), the fixed seed (or
/// `PROPTEST_RNG_SEED`), no regression files; and whether that is the default run.
fn runner() -> (TestRunner, bool) {
    let config = Config::default();
    let default = config.rng_seed == RngSeed::Random && config.cases == 256;
    let rng_seed = match config.rng_seed {
        RngSeed::Random => RngSeed::Fixed(SEED),
        fixed @ RngSeed::Fixed(_) => fixed,
    };
    let config = Config {
        failure_persistence: None,
        rng_seed,
        ..config
    };
    (TestRunner::new(config), default)
}

#[test]
fn the_protocol_keeps_its_invariants() {
    let stats = RefCell::new(Stats::default());
    let started = Instant::now();
    let (mut runner, default) = runner();
    let result = runner.run(&case(), |case| run(&case, true, &stats));
    if let Err(e) = result {
        panic!("{e}");
    }
    let s = stats.into_inner();
    eprintln!("the model's cases took {:?}: {s:?}", started.elapsed());
    if !default {
        return;
    }
    // Every path of the protocol ran (the model is no model otherwise).
    for what in [
        "fresh claims",
        "take-overs",
        "take-overs from an ended holder",
        "lost answers",
        "pushes settled as applied",
        "renewals that found the claim lost",
        "landings rejected",
        "landings",
        "trains",
        "landings found after a lost answer",
        "claims found lost",
        "claims of tasks gone",
        "sweeps",
        "backups",
    ] {
        assert!(
            s.0.get(what).is_some_and(|n| *n > 0),
            "no {what} in 256 cases: {s:?}"
        );
    }
}

/// Without the check that a claimed task is still open at the head it lands on, a worker
/// that claimed from an older fetch lands a task a second time: the model finds it.
#[test]
fn the_design_as_first_written_lands_a_task_twice() {
    let stats = RefCell::new(Stats::default());
    let (mut runner, _) = runner();
    let result = runner.run(&case(), |case| run(&case, false, &stats));
    match result {
        Err(TestError::Fail(why, case)) => {
            eprintln!("{why}\n{case:#?}");
            assert!(why.message().contains("landed twice"), "{why}");
        }
        other => panic!("the model found no double landing: {other:?}"),
    }
}
