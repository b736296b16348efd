//! Turns in a pool (`docs/pool.md`, "Turns"): `baton work --as galph --as ralph` takes the
//! ready turns of its actors as well as the open tasks — each turn claimed on the shared branch
//! as role mode claims it, so that two workers never both stamp one — and an actor whose tasks
//! the pool does takes its turn only once they have all landed (a worker killed in a turn:
//! `test_pool_turn_takeover.rs`).

use std::collections::BTreeMap;

use crate::role_env::{DEADLINE, Daemon, RoleEnv};
use crate::test_pool::{clone_with_name, landings};

/// galph: hands out tasks a and b at its first turn, and makes the completion promise at the
/// next (its final message).
pub(crate) const PLANNER: &str = r#"if [ ! -f "$TEST_CTL/planned" ]; then
  touch "$TEST_CTL/planned"
  mkdir -p tasks
  echo "write out/a.txt" > tasks/a.md
  echo "write out/b.txt" > tasks/b.md
else
  echo "Every task landed."
  echo "<promise>COMPLETE</promise>"
fi
"#;

/// ralph: a task's output as a worker of the pool; a report at its own turn.
const ENGINEER: &str = r#"if [ -n "$BATON_TASK" ]; then
  mkdir -p out && echo "$BATON_TASK" > "out/$BATON_TASK.txt"
else
  mkdir -p reports && echo "integrated" > "reports/turn-$BATON_ITERATION.md"
fi
"#;

/// The turns claimed on the remote (`[SYNC i=<it>] actor=<a> status=running`), counted by
/// `(iteration, actor)`, and how many turns were stamped done (`status=ok`).
pub(crate) fn turns(env: &RoleEnv) -> (BTreeMap<(String, String), usize>, usize) {
    let syncs = env.remote_syncs();
    let done = syncs.iter().filter(|s| s.contains(" status=ok ")).count();
    let mut out = BTreeMap::new();
    for subject in syncs.iter().filter(|s| s.ends_with(" status=running")) {
        // What follows `key` in the subject, up to `end`.
        let field = |key: &str, end: char| {
            let rest = subject.split(key).nth(1).unwrap_or_default();
            rest.split(end).next().unwrap_or_default().to_owned()
        };
        *out.entry((field("i=", ']'), field("actor=", ' ')))
            .or_insert(0) += 1;
    }
    (out, done)
}

/// A remote whose run galph and ralph play (galph's promise taken at its word), planner and
/// engineer hooks in place, with `extra` configuration.
pub(crate) fn planned_with(extra: &str) -> RoleEnv {
    let env = RoleEnv::with_config(&format!(
        "completion:\n  verify:\n    - [\"true\"]\n{extra}"
    ));
    env.seed.hook("galph", PLANNER);
    env.seed.hook("ralph", ENGINEER);
    env
}

fn planned() -> RoleEnv {
    planned_with("")
}

/// `baton work --as galph --as ralph` (two slots, waiting until the stop flag) on a clone.
pub(crate) const WORK: [&str; 10] = [
    "work",
    "--as",
    "galph",
    "--as",
    "ralph",
    "--slots",
    "2",
    "--wait",
    "--poll-interval",
    "0.2s",
];

/// The run ended complete: galph's promise set the stop flag.
pub(crate) fn assert_complete(env: &RoleEnv) {
    let state = env.remote_state();
    let reason = state["exit_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("complete:"), "{state:#}");
}

fn pool_run(env: &RoleEnv, names: &[&str]) {
    let machines: Vec<_> = names.iter().map(|n| clone_with_name(env, n)).collect();
    let daemons: Vec<Daemon> = machines
        .iter()
        .map(|m| {
            let mut cmd = m.baton_cmd(&WORK);
            cmd.env("TEST_CLONE", &m.root);
            Daemon::spawn(cmd, &env.seed.ctl)
        })
        .collect();
    for daemon in daemons {
        daemon.wait(DEADLINE).expect_code(0);
    }
}

#[test]
fn one_worker_takes_the_planners_turn_the_tasks_and_then_the_engineers_turn() {
    let env = planned();
    pool_run(&env, &["m1"]);
    let landed = landings(&env);
    assert_eq!(landed.len(), 2, "{landed:?}");
    assert!(landed.values().all(|n| *n == 1), "{landed:?}");
    assert_eq!(env.remote_file("out/a.txt").as_deref(), Some("a\n"));
    // galph planned; the pool did the tasks; ralph's own turn came after both landed; galph
    // then declared the work complete, which stopped the worker (`--wait` ends at the flag).
    let subjects = env.remote_subjects();
    let position = |prefix: &str| {
        subjects
            .iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in {subjects:#?}"))
    };
    let last_landing = subjects
        .iter()
        .rposition(|s| s.starts_with("[LAND"))
        .expect("landings");
    assert!(position("[SYNC i=1] actor=galph") < position("[LAND"));
    assert!(
        last_landing < position("[SYNC i=1] actor=ralph"),
        "{subjects:#?}"
    );
    assert_eq!(
        env.remote_file("reports/turn-1.md").as_deref(),
        Some("integrated\n")
    );
    assert_complete(&env);
    // Two galph turns and one ralph turn, each claimed and stamped once.
    let (claimed, done) = turns(&env);
    assert_eq!(claimed.len(), 3, "{claimed:#?}");
    assert!(claimed.values().all(|n| *n == 1), "{claimed:#?}");
    assert_eq!(done, 3);
}

#[test]
fn three_workers_racing_for_every_turn_stamp_each_turn_once() {
    let env = planned();
    pool_run(&env, &["m1", "m2", "m3"]);
    let landed = landings(&env);
    assert_eq!(landed.len(), 2, "{landed:?}");
    assert!(landed.values().all(|n| *n == 1), "{landed:?}");
    let (claimed, done) = turns(&env);
    assert_eq!(claimed.len(), 3, "{claimed:#?}");
    assert!(
        claimed.values().all(|n| *n == 1),
        "a turn claimed twice: {claimed:#?}"
    );
    assert_eq!(done, 3, "each turn stamped once");
    assert_complete(&env);
}

#[test]
fn a_clone_that_cannot_run_turns_takes_only_tasks_and_says_why() {
    let env = crate::test_pool::pool(&["a"], "");
    env.seed.hook("ralph", ENGINEER);
    // Another branch checked out: role mode's guards refuse turns here; tasks are taken
    // through the remote whatever is checked out.
    let m = clone_with_name(&env, "m1");
    m.git(&["switch", "-q", "-c", "elsewhere"]);
    let mut cmd = m.baton_cmd(&[
        "work",
        "--as",
        "galph",
        "--as",
        "ralph",
        "--poll-interval",
        "0.2s",
    ]);
    cmd.env("BATON_GIT_BRANCH", "main")
        .env("TEST_CLONE", &m.root);
    let run = Daemon::spawn(cmd, &env.seed.ctl).wait(DEADLINE);
    run.expect_code(0);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(
        said.contains("this clone takes no turns, only tasks"),
        "{said}"
    );
    assert!(
        said.contains("1 task(s) run here, 1 landed; 0 turn(s)"),
        "{said}"
    );
    assert_eq!(landings(&env).len(), 1);
    // galph's turn was left alone: nothing claimed it.
    assert!(env.remote_syncs().is_empty(), "{:#?}", env.remote_syncs());
    assert_eq!(env.remote_state()["expected_actor"], "galph");
}

#[test]
fn with_wait_an_idle_worker_stays_for_turns_and_tasks_until_the_stop_flag() {
    let env = planned();
    let work = |name: &str, actor: &str| {
        let m = clone_with_name(&env, name);
        let mut cmd = m.baton_cmd(&[
            "work",
            "--as",
            actor,
            "--slots",
            "2",
            "--wait",
            "--poll-interval",
            "0.2s",
        ]);
        cmd.env("TEST_CLONE", &m.root);
        Daemon::spawn(cmd, &env.seed.ctl)
    };
    // ralph's worker first: nothing is there for it (galph's turn is next, and nobody takes it).
    let engineer = work("m-ralph", "ralph");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(env.remote_syncs().is_empty(), "{:#?}", env.remote_syncs());
    // galph's worker: its turn hands out the tasks, which ralph's worker takes, then its turn.
    let planner = work("m-galph", "galph");
    let engineer = engineer.wait(DEADLINE);
    let planner = planner.wait(DEADLINE);
    engineer.expect_code(0);
    planner.expect_code(0);
    assert!(
        engineer
            .stdout
            .contains("2 task(s) run here, 2 landed; 1 turn(s)"),
        "{}",
        engineer.stdout
    );
    assert!(
        planner
            .stdout
            .contains("0 task(s) run here, 0 landed; 2 turn(s)"),
        "{}",
        planner.stdout
    );
    assert_complete(&env);
}
