//! The pool (`docs/pool.md`): `baton work` on several clones of one bare remote takes open
//! tasks through the remote — each claimed by a compare-and-swap on its own ref — and lands each
//! exactly once with an atomic push; a worker stopped past its lease loses its claim to another
//! and its late landing is refused and kept on a backup ref.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{TestEnv, wait_for};
use crate::role_env::{DEADLINE, Daemon, RoleEnv};

/// A remote whose shared branch holds `tasks` (ids), with `extra` configuration.
pub(crate) fn pool(tasks: &[&str], extra: &str) -> RoleEnv {
    let env = RoleEnv::with_config(extra);
    for id in tasks {
        env.seed
            .write(&format!("tasks/{id}.md"), &format!("write out/{id}.txt\n"));
    }
    env.seed.commit_all("tasks");
    env.seed.git(&["push", "-q", "origin", "main"]);
    env
}

pub(crate) fn remote_lines(env: &RoleEnv) -> Vec<Value> {
    env.remote_journal()
}

/// How many times each task landed, from the merge commits on the remote's branch.
pub(crate) fn landings(env: &RoleEnv) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for subject in env.remote_subjects() {
        if let Some(rest) = subject.strip_prefix("[LAND ") {
            let task = rest
                .split(": task ")
                .nth(1)
                .and_then(|t| t.split(' ').next())
                .unwrap_or_default()
                .to_owned();
            *out.entry(task).or_insert(0) += 1;
        }
    }
    out
}

pub(crate) const WORKER: &str = r#"mkdir -p out && echo "$BATON_TASK by $BATON_WORKER on $(basename "$TEST_CLONE")" > "out/$BATON_TASK.txt"
sleep 0.3
"#;

pub(crate) fn clone_with_name(env: &RoleEnv, name: &str) -> TestEnv {
    env.another_clone(name)
}

#[test]
fn three_clones_with_two_slots_each_land_every_task_exactly_once() {
    let ids: Vec<String> = (1..=12).map(|i| format!("t{i:02}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let env = pool(&refs, "");
    env.seed.hook("ralph", WORKER);
    let clones: Vec<TestEnv> = ["m1", "m2", "m3"]
        .iter()
        .map(|n| clone_with_name(&env, n))
        .collect();
    let daemons: Vec<Daemon> = clones
        .iter()
        .map(|c| {
            let mut cmd = c.baton_cmd(&["work", "--slots", "2", "--poll-interval", "0.2s"]);
            cmd.env("TEST_CLONE", &c.root);
            Daemon::spawn(cmd, &env.seed.ctl)
        })
        .collect();
    for daemon in daemons {
        daemon.wait(DEADLINE).expect_code(0);
    }
    let landed = landings(&env);
    assert_eq!(landed.len(), 12, "{landed:?}");
    assert!(landed.values().all(|n| *n == 1), "{landed:?}");
    for id in &ids {
        assert!(
            env.remote_file(&format!("tasks/done/{id}.md")).is_some(),
            "{id}"
        );
        assert!(env.remote_file(&format!("tasks/{id}.md")).is_none(), "{id}");
        assert!(
            env.remote_file(&format!("out/{id}.txt")).is_some(),
            "{id}: {}",
            env.remote_git(&["log", "--stat", "--format=%H %P %s", "-40", "main"])
        );
    }
    // No claim is left; every task has its journal line in the merge that landed it.
    assert_eq!(
        env.remote_git(&["for-each-ref", "refs/baton/claims/"])
            .trim(),
        ""
    );
    let journal = remote_lines(&env);
    let tasks: Vec<&str> = journal
        .iter()
        .filter_map(|e| e["tasks"][0]["task"].as_str())
        .collect();
    assert_eq!(tasks.len(), 12, "{journal:#?}");
    // The work was spread over the machines.
    let machines: std::collections::BTreeSet<String> = ids
        .iter()
        .filter_map(|id| env.remote_file(&format!("out/{id}.txt")))
        .filter_map(|t| t.split(" on ").nth(1).map(|m| m.trim().to_owned()))
        .collect();
    assert!(machines.len() >= 2, "{machines:?}");
}

#[test]
fn a_worker_stopped_past_its_lease_loses_the_task_and_its_late_landing_is_refused() {
    let env = pool(&["slow"], "git:\n  lease: 2s\n");
    // The first worker's agent waits for `go`; the second's finishes at once.
    env.seed.hook(
        "ralph",
        r#"if [ "$(basename "$TEST_CLONE")" = first ]; then
  echo $$ > "$TEST_CTL/first-agent"
  while [ ! -f "$TEST_CTL/go" ]; do sleep 0.05; done
fi
mkdir -p out && echo "by $(basename "$TEST_CLONE")" > out/slow.txt
"#,
    );
    let first = clone_with_name(&env, "first");
    let second = clone_with_name(&env, "second");
    let mut cmd = first.baton_cmd(&["work", "--once", "--poll-interval", "0.2s"]);
    cmd.env("TEST_CLONE", &first.root);
    let first_run = Daemon::spawn(cmd, &env.seed.ctl);
    wait_for(30, "the first worker's agent running", || {
        env.seed.ctl.join("first-agent").is_file()
    });
    // Freeze the first worker (a machine that hangs): its lease runs out.
    let pid = first_run.pid();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGSTOP,
    )
    .expect("SIGSTOP");
    std::thread::sleep(std::time::Duration::from_secs(3));
    let mut cmd = second.baton_cmd(&["work", "--once", "--poll-interval", "0.2s"]);
    cmd.env("TEST_CLONE", &second.root);
    Daemon::spawn(cmd, &env.seed.ctl)
        .wait(DEADLINE)
        .expect_code(0);
    assert_eq!(
        env.remote_file("out/slow.txt").as_deref(),
        Some("by second\n")
    );
    // The first worker wakes up, finishes, and must not land: its claim is gone.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGCONT,
    )
    .expect("SIGCONT");
    std::fs::write(env.seed.ctl.join("go"), "").expect("go");
    let late = first_run.wait(DEADLINE);
    late.expect_code(1);
    assert_eq!(landings(&env).get("slow"), Some(&1));
    assert_eq!(
        env.remote_file("out/slow.txt").as_deref(),
        Some("by second\n")
    );
    let backups = env.remote_git(&["for-each-ref", "--format=%(refname)", "refs/baton/backup/"]);
    assert!(backups.contains("refs/baton/backup/slow-"), "{backups}");
}

#[test]
fn a_job_killed_mid_task_loses_nothing_a_fresh_clone_on_its_machine_takes_the_task_at_once() {
    // A lease far longer than the test's deadline: the dead job's process is gone from this
    // machine, which any worker here tells at once (same boot, same pid namespace), so its
    // claim is over without waiting for the lease. (A holder that lives on, or on another
    // machine, keeps its lease: `a_worker_stopped_past_its_lease_…`, and the `_turn` take-over
    // test.)
    let env = pool(&["a", "b"], "git:\n  lease: 10m\n");
    // A shared bare repository refuses non-fast-forwards: a take-over must not need one.
    env.remote_git(&["config", "receive.denyNonFastForwards", "true"]);
    env.seed.hook(
        "ralph",
        r#"if [ "$(basename "$TEST_CLONE")" = doomed ]; then
  echo $$ > "$TEST_CTL/doomed-agent"
  sleep 300
fi
mkdir -p out && echo "$BATON_TASK by $(basename "$TEST_CLONE")" > "out/$BATON_TASK.txt"
"#,
    );
    let doomed = clone_with_name(&env, "doomed");
    let mut cmd = doomed.baton_cmd(&["work", "--once", "--poll-interval", "0.2s"]);
    cmd.env("TEST_CLONE", &doomed.root);
    let job = Daemon::spawn(cmd, &env.seed.ctl);
    wait_for(30, "the doomed job's agent running", || {
        env.seed.ctl.join("doomed-agent").is_file()
    });
    // The runner cancels the job: SIGKILL, no chance to release anything.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(job.pid()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("SIGKILL");
    drop(job);
    let claims = env.remote_git(&["for-each-ref", "--format=%(refname)", "refs/baton/claims/"]);
    assert_eq!(
        claims.lines().count(),
        1,
        "the dead job's claim stays: {claims}"
    );
    // A fresh job (a new clone) takes both tasks, the dead one's at once. Its `baton status`
    // lists the dead job's claim first.
    let fresh = clone_with_name(&env, "fresh");
    let status = fresh.baton(&["status", "--json"]);
    status.expect_code(0);
    let status: Value = serde_json::from_str(&status.stdout).expect("status json");
    let pool = &status["pool"]["workers"];
    assert_eq!(pool.as_array().map(Vec::len), Some(1), "{pool:?}");
    assert_eq!(pool[0]["names"], serde_json::json!(["ralph-1"]));
    assert!(pool[0]["pid"].as_u64().is_some_and(|p| p > 0), "{pool:?}");
    let text = fresh.baton(&["status"]);
    assert!(
        text.stdout
            .contains("pool: 1 claim(s) on origin by 1 worker(s)"),
        "{}",
        text.stdout
    );
    let mut cmd = fresh.baton_cmd(&["work", "--slots", "2", "--poll-interval", "0.2s"]);
    cmd.env("TEST_CLONE", &fresh.root);
    let run = Daemon::spawn(cmd, &env.seed.ctl).wait(DEADLINE);
    run.expect_code(0);
    assert!(
        run.stdout.contains("(taken over from ralph-1@") && run.stdout.contains("which has ended)"),
        "{}",
        run.stdout
    );
    let landed = landings(&env);
    assert_eq!(landed.get("a"), Some(&1), "{landed:?}");
    assert_eq!(landed.get("b"), Some(&1), "{landed:?}");
    assert_eq!(
        env.remote_file("out/a.txt").as_deref(),
        Some("a by fresh\n")
    );
    assert_eq!(
        env.remote_git(&["for-each-ref", "refs/baton/claims/"])
            .trim(),
        ""
    );
    // A claim ref left on a task that is done (here a planted one, no claim at all) is swept by
    // `baton cleanup`.
    fresh.git(&["push", "-q", "origin", "HEAD:refs/baton/claims/a"]);
    let swept = fresh.baton(&["cleanup"]);
    swept.expect_code(0);
    assert!(
        swept.stdout.contains("deleted the stale claim on task a"),
        "{}",
        swept.stdout
    );
    assert_eq!(
        env.remote_git(&["for-each-ref", "refs/baton/claims/"])
            .trim(),
        ""
    );
}
