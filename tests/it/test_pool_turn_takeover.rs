//! A pool worker killed in a turn (`docs/pool.md`, "Turns"): on one machine it leaves the turn
//! marked running under it, which role mode never takes from another machine; once the worker's
//! claim on the turn (`refs/baton/claims/_turn`) ran out, a worker on another machine takes the
//! turn over and the run goes on, the turn stamped once.

use crate::common::wait_for;
use crate::role_env::{DEADLINE, Daemon};
use crate::test_pool::{clone_with_name, landings};
use crate::test_pool_turns::{PLANNER, WORK, assert_complete, planned_with, turns};

#[test]
fn a_worker_killed_in_a_turn_on_one_machine_leaves_it_to_another_once_its_claim_ran_out() {
    let env = planned_with("git:\n  lease: 2s\n");
    // galph's first attempt hangs (its worker is killed in it); the next one plans.
    env.seed.hook(
        "galph",
        &format!(
            r#"if [ ! -f "$TEST_CTL/hung" ]; then
  touch "$TEST_CTL/hung"
  i=0; while [ ! -f "$TEST_CTL/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
  exit 1
fi
{PLANNER}"#
        ),
    );
    // Machine A: a clone whose worker runs under another host name (a UTS namespace), so
    // that role mode's "a dead process of this machine" rule cannot hand the turn back, and in
    // a pid namespace of its own, so that no worker outside can tell whether it still runs
    // (the pool's own "an ended process of this machine" rule): as on another machine, only
    // the lease ends its claim. `--kill-child`: killing `unshare` kills the worker.
    let a = clone_with_name(&env, "machine-a");
    let mut cmd = a.command("unshare");
    cmd.args([
        "--uts",
        "--pid",
        "--fork",
        "--mount-proc",
        "--kill-child",
        "sh",
        "-c",
        "hostname machine-a && exec \"$@\"",
        "sh",
    ])
    .arg(env!("CARGO_BIN_EXE_baton"))
    .args(WORK);
    let mut worker_a = Daemon::spawn(cmd, &env.seed.ctl);
    worker_a.wait_until(DEADLINE, "galph's turn on machine A", || {
        env.seed.ctl.join("hung").exists()
            && env
                .remote_syncs()
                .iter()
                .any(|s| s.starts_with("[SYNC i=1] actor=galph status=running"))
    });
    worker_a.kill9();
    let claim = env.remote_git(&["log", "-1", "--format=%B", "refs/baton/claims/_turn"]);
    assert!(claim.contains("machine-a"), "the turn's claim: {claim}");
    // Any clone's status lists it, under its holder.
    let status = env.seed.baton(&["status"]);
    assert!(status.stdout.contains("machine-a pid"), "{}", status.stdout);
    assert!(
        status.stdout.contains("galph's turn, lease"),
        "{}",
        status.stdout
    );
    // Machine B, started at once: it waits for the claim on the turn to run out, takes it
    // over, and runs the turn and the rest of the loop.
    let b = clone_with_name(&env, "machine-b");
    let mut cmd = b.baton_cmd(&WORK);
    cmd.env("TEST_CLONE", &b.root);
    let run = Daemon::spawn(cmd, &env.seed.ctl).wait(DEADLINE);
    std::fs::write(env.seed.ctl.join("go"), "").expect("release the orphaned agent");
    run.expect_code(0);
    assert!(
        run.stdout.contains("taken over from galph@machine-a")
            && run.stdout.contains("whose lease on _turn ran out)"),
        "{}",
        run.stdout
    );
    assert_complete(&env);
    let landed = landings(&env);
    assert_eq!(landed.len(), 2, "{landed:?}");
    assert!(landed.values().all(|n| *n == 1), "{landed:?}");
    // galph's first turn was claimed twice (machine A's, then B's take-over) and stamped once.
    let (claimed, done) = turns(&env);
    assert_eq!(
        claimed.get(&("1".to_owned(), "galph".to_owned())),
        Some(&2),
        "{claimed:#?}"
    );
    assert_eq!(done, 3, "each turn stamped once");
    wait_for(10, "the turn's claim released", || {
        env.remote_git(&["for-each-ref", "refs/baton/claims/"])
            .trim()
            .is_empty()
    });
}
