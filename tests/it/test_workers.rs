//! Parallel workers (`docs/workflows.md`, "Workers"): the supervisor's task files are taken by
//! up to `workflow.workers` engineers at once, each in its own worktree and branch, and each
//! finished branch lands on the shared branch with git's 3-way merge — or, on a conflict, a red
//! verify or a failure, is kept, with the supervisor told and nothing resolved silently.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{TestEnv, alive, wait_for};

/// A workspace with `workers` ralphs; galph's hook (first turn only) writes `tasks` as task
/// files `(id, text)`; ralph's hook is `ralph`.
fn workspace(workers: u32, extra: &str, tasks: &[(&str, &str)], ralph: &str) -> TestEnv {
    let env = TestEnv::with_config(&format!(
        "workflow:\n  workers: {{ralph: {workers}}}\n{extra}"
    ));
    let mut galph = String::from("if [ ! -e \"$TEST_CTL/planned\" ]; then\n  mkdir -p tasks\n");
    for (id, text) in tasks {
        galph.push_str(&format!("  printf '%s\\n' '{text}' > tasks/{id}.md\n"));
    }
    galph.push_str("  touch \"$TEST_CTL/planned\"\nfi\n");
    galph.push_str("printf '%s' \"$BATON_CONFLICTS\" > \"$TEST_CTL/conflicts-$BATON_ITERATION\"\n");
    env.hook("galph", &galph);
    env.hook("ralph", ralph);
    env
}

/// The tasks of the turns of `journal`, flattened.
fn task_runs(journal: &[Value]) -> Vec<Value> {
    journal
        .iter()
        .filter_map(|e| e["tasks"].as_array())
        .flatten()
        .cloned()
        .collect()
}

fn landings(journal: &[Value]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = task_runs(journal)
        .iter()
        .map(|r| {
            (
                r["task"].as_str().unwrap_or_default().to_owned(),
                r["landing"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A ralph that notes how many workers run beside it, waits a little, and writes its own file.
const DISJOINT: &str = r#"mkdir -p "$TEST_CTL/running" && touch "$TEST_CTL/running/$BATON_TASK"
ls "$TEST_CTL/running" | wc -l >> "$TEST_CTL/beside"
echo "$BATON_WORKER $BATON_TASK $(pwd)" >> "$TEST_CTL/workers"
sleep 0.6
mkdir -p out && echo "done $BATON_TASK" > "out/$BATON_TASK.txt"
rm -f "$TEST_CTL/running/$BATON_TASK"
"#;

#[test]
fn four_workers_take_four_tasks_at_once_and_every_branch_lands_with_its_task_done() {
    let tasks = [("a", "do a"), ("b", "do b"), ("c", "do c"), ("d", "do d")];
    let env = workspace(4, "", &tasks, DISJOINT);
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    for (id, _) in tasks {
        assert_eq!(env.read(&format!("out/{id}.txt")), format!("done {id}\n"));
        assert!(
            env.path(&format!("tasks/done/{id}.md")).is_file(),
            "{id} done"
        );
        assert!(!env.path(&format!("tasks/{id}.md")).exists(), "{id} open");
    }
    let journal = env.journal();
    assert_eq!(
        landings(&journal),
        [
            ("a", "landed"),
            ("b", "landed"),
            ("c", "landed"),
            ("d", "landed")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let beside: Vec<u32> = env
        .read_ctl("beside")
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    assert!(
        beside.iter().any(|n| *n >= 2),
        "workers ran one at a time: {beside:?}"
    );
    // Each worker ran in a worktree of its own, not in the main work tree.
    let workers = env.read_ctl("workers");
    let dirs: BTreeSet<&str> = workers
        .lines()
        .filter_map(|l| l.split(' ').nth(2))
        .collect();
    assert_eq!(dirs.len(), 4, "{workers}");
    let root = env.root.canonicalize().expect("root");
    assert!(
        !dirs.iter().any(|d| std::path::Path::new(d) == root),
        "{workers}"
    );
    // One merge commit per task; worktrees removed and landed branches deleted.
    let lands = env
        .subjects()
        .into_iter()
        .filter(|s| s.starts_with("[LAND i=1] ralph-"))
        .count();
    assert_eq!(lands, 4);
    let merges = env.git(&["rev-list", "--merges", "--count", "HEAD"]);
    assert_eq!(merges.trim(), "4");
    assert_eq!(env.git(&["branch", "--list", "baton/*"]).trim(), "");
    assert_eq!(env.git(&["status", "--porcelain"]).trim(), "");
    let trees = std::fs::read_dir(env.path(".git/baton/worktrees"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(trees, 0, "landed worktrees are removed");
    // The step is one turn of ralph in the state and the journal; its usage sums the tasks'.
    let ralph: Vec<&Value> = journal.iter().filter(|e| e["actor"] == "ralph").collect();
    assert_eq!(ralph.len(), 1, "{journal:#?}");
    assert_eq!(ralph[0]["outcome"], "ok");
    assert_eq!(env.state()["status"], "complete");
}

/// A ralph whose tasks all write one file.
const SAME_FILE: &str = r#"echo "$BATON_TASK wrote this" > shared.txt
sleep 0.3
"#;

#[test]
fn conflicting_branches_land_one_and_keep_the_other_for_the_supervisor_then_it_lands_later() {
    let env = workspace(2, "", &[("x", "write x"), ("y", "write y")], SAME_FILE);
    env.write("shared.txt", "base\n");
    env.commit_all("shared file");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let journal = env.journal();
    let got = landings(&journal);
    assert_eq!(got.len(), 2, "{got:?}");
    let landed: Vec<&(String, String)> = got.iter().filter(|(_, l)| l == "landed").collect();
    let conflict: Vec<&(String, String)> = got.iter().filter(|(_, l)| l == "conflict").collect();
    assert_eq!((landed.len(), conflict.len()), (1, 1), "{got:?}");
    let (lost, _) = conflict[0];
    let (won, _) = landed[0];
    // Nothing resolved silently: the shared file is the winner's, the loser's branch is kept,
    // its task still open, and the run's work tree clean.
    assert_eq!(env.read("shared.txt"), format!("{won} wrote this\n"));
    assert!(env.path(&format!("tasks/{lost}.md")).is_file());
    let branches = env.git(&["branch", "--list", "baton/*"]);
    assert!(branches.contains(&format!("/{lost}")), "{branches}");
    assert_eq!(env.git(&["status", "--porcelain"]).trim(), "");
    let run = task_runs(&journal)
        .into_iter()
        .find(|r| r["landing"] == "conflict")
        .expect("conflict run");
    assert_eq!(run["conflicts"], serde_json::json!(["shared.txt"]));
    // The supervisor's next turn is told, in its prompt and BATON_CONFLICTS; the task then
    // runs again from the new shared head and lands.
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let told = env.read_ctl("conflicts-2");
    assert!(
        told.contains(&format!("task {lost}")) && told.contains("shared.txt"),
        "{told}"
    );
    assert_eq!(env.read("shared.txt"), format!("{lost} wrote this\n"));
    assert!(env.path(&format!("tasks/done/{lost}.md")).is_file());
}

#[test]
fn a_task_waits_for_its_dependencies_and_a_cycle_is_reported_not_run() {
    let ralph = r#"echo "$BATON_TASK" >> "$TEST_CTL/order"
ls tasks/done > "$TEST_CTL/done-before-$BATON_TASK" 2>/dev/null || true
mkdir -p out && echo "$BATON_TASK" > "out/$BATON_TASK.txt"
"#;
    let tasks = [
        ("base", "the base"),
        ("top", "depends: [base]"),
        ("p", "depends: [q]"),
        ("q", "depends: [p]"),
    ];
    let env = workspace(3, "", &tasks, ralph);
    env.baton(&["run", "--iterations", "2"]).expect_code(0);
    let order = env.read_ctl("order");
    assert_eq!(
        order.lines().collect::<Vec<_>>(),
        ["base", "top"],
        "{order}"
    );
    assert!(env.read_ctl("done-before-top").contains("base.md"));
    let journal = env.journal();
    let problems: Vec<String> = journal
        .iter()
        .filter_map(|e| e["task_problems"].as_array())
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    assert!(
        problems.iter().any(|p| p.contains("depend on each other")),
        "{problems:?}"
    );
    let told = env.read_ctl("conflicts-2");
    assert!(told.contains("depend on each other"), "{told}");
}

#[test]
fn a_red_verify_keeps_the_branch_and_a_failed_worker_reopens_its_task() {
    let ralph = r#"case "$BATON_TASK" in
  good) echo fine > good.txt ;;
  bad) echo broken > bad.txt ;;
  dies) echo partial > dies.txt; exit 3 ;;
esac
"#;
    let env = workspace(
        3,
        "completion:\n  verify: [[sh, -c, \"test ! -e bad.txt\"]]\n",
        &[("good", "g"), ("bad", "b"), ("dies", "d")],
        ralph,
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let got = landings(&env.journal());
    assert_eq!(
        got,
        [("bad", "red"), ("dies", "failed"), ("good", "landed")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(env.read("good.txt"), "fine\n");
    assert!(!env.path("bad.txt").exists() && !env.path("dies.txt").exists());
    assert!(env.path("tasks/bad.md").is_file() && env.path("tasks/dies.md").is_file());
    let red = task_runs(&env.journal())
        .into_iter()
        .find(|r| r["landing"] == "red")
        .expect("red");
    let log = red["verify_log"].as_str().expect("verify log");
    assert!(env.path(log).is_file(), "{log}");
    let branches = env.git(&["branch", "--list", "baton/*"]);
    assert!(
        branches.contains("baton/ralph-") && branches.contains("/bad"),
        "{branches}"
    );
    assert!(branches.contains("/dies"), "{branches}");
    // The failed worker's worktree is kept for people to look at.
    let kept = env.git(&["worktree", "list"]);
    assert!(kept.contains(".git/baton/worktrees/"), "{kept}");
    // Each worker's log is its own.
    let logs = env.baton(&["logs", "--worker", "ralph-1", "--list"]);
    logs.expect_code(0);
    assert!(logs.stdout.contains("/ralph-1/"), "{}", logs.stdout);
    // cleanup: worktrees go, a merged worker branch goes, unlanded work stays and is named.
    env.git(&["branch", "baton/ralph-9/old", "HEAD~1"]);
    let young = env.baton(&["cleanup", "--older-than", "1h"]);
    young.expect_code(0);
    assert!(
        env.git(&["branch", "--list", "baton/ralph-9/old"])
            .contains("old")
    );
    let out = env.baton(&["cleanup"]);
    out.expect_code(0);
    assert!(
        out.stdout
            .contains("deleted merged branch baton/ralph-9/old"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("kept baton/ralph-"), "{}", out.stdout);
    assert!(
        !env.git(&["worktree", "list"])
            .contains(".git/baton/worktrees/")
    );
    // The failed worker committed nothing (a failed turn is not auto-committed): its branch
    // holds nothing the shared branch lacks, and goes too.
    let branches = env.git(&["branch", "--list", "baton/*"]);
    assert!(branches.contains("/bad"), "{branches}");
    assert!(
        !branches.contains("old") && !branches.contains("/dies"),
        "{branches}"
    );
}

#[test]
fn after_a_sigkill_mid_task_the_next_start_ends_the_workers_and_runs_their_tasks_again() {
    let ralph = r#"if [ ! -e "$TEST_CTL/killed" ]; then
  sh -c 'echo $$ > "$TEST_CTL/pid-$BATON_TASK"; exec sleep 300' &
  wait
fi
mkdir -p out && echo "$BATON_TASK" > "out/$BATON_TASK.txt"
"#;
    let env = workspace(2, "", &[("one", "1"), ("two", "2")], ralph);
    let mut child = env
        .baton_cmd(&["run", "--iterations", "1"])
        .spawn()
        .expect("spawn baton");
    wait_for(60, "both workers' agents running", || {
        env.ctl.join("pid-one").is_file() && env.ctl.join("pid-two").is_file()
    });
    child.kill().expect("SIGKILL baton");
    child.wait().expect("reap baton");
    let pids: Vec<i32> = ["one", "two"]
        .iter()
        .map(|t| crate::common::read_pid(&env.ctl.join(format!("pid-{t}"))))
        .collect();
    std::fs::write(env.ctl.join("killed"), "").expect("mark");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    for pid in pids {
        assert!(!alive(pid), "worker agent {pid} outlived the run");
    }
    assert_eq!(env.read("out/one.txt"), "one\n");
    assert_eq!(env.read("out/two.txt"), "two\n");
    assert!(env.path("tasks/done/one.md").is_file());
    assert!(env.path("tasks/done/two.md").is_file());
    assert_eq!(env.git(&["status", "--porcelain"]).trim(), "");
}

#[test]
fn without_task_files_a_worker_step_runs_once_in_the_main_work_tree() {
    let env = TestEnv::with_config("workflow:\n  workers: {ralph: 4}\n");
    env.hook("ralph", "pwd > \"$TEST_CTL/where\"\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let journal = env.journal();
    assert_eq!(journal.len(), 2);
    assert!(journal.iter().all(|e| e.get("tasks").is_none()));
    let root = env.root.canonicalize().expect("root");
    assert_eq!(env.read_ctl("where").trim(), root.to_string_lossy());
}

#[test]
fn in_role_mode_the_workers_step_is_one_claimed_turn_whose_stamp_pushes_every_landing() {
    use crate::role_env::{DEADLINE, RoleEnv};
    let env = RoleEnv::with_config("workflow:\n  workers: {ralph: 3}\n");
    env.seed.hook(
        "galph",
        "if [ \"$BATON_ITERATION\" = 1 ]; then mkdir -p tasks; for t in a b c; do echo \"do $t\" > tasks/$t.md; done; fi\n",
    );
    env.seed.hook(
        "ralph",
        "mkdir -p out && echo \"$BATON_WORKER\" > \"out/$BATON_TASK.txt\"\n",
    );
    let galph = env.galph_daemon(&["--iterations", "2", "--max-wait", "30s"]);
    let ralph = env.ralph_daemon(&["--iterations", "2", "--max-wait", "30s"]);
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    for t in ["a", "b", "c"] {
        assert!(env.remote_file(&format!("out/{t}.txt")).is_some(), "{t}");
        assert!(
            env.remote_file(&format!("tasks/done/{t}.md")).is_some(),
            "{t}"
        );
    }
    let subjects = env.remote_subjects();
    let lands = subjects
        .iter()
        .filter(|s| s.starts_with("[LAND i=1]"))
        .count();
    assert_eq!(lands, 3, "{subjects:#?}");
    let journal = env.remote_journal();
    let ralph_turns: Vec<&Value> = journal.iter().filter(|e| e["actor"] == "ralph").collect();
    assert_eq!(ralph_turns[0]["tasks"].as_array().map(Vec::len), Some(3));
    assert_eq!(env.remote_state()["status"], "complete");
}

#[test]
fn a_step_whose_every_worker_fails_fails_its_turn_and_the_tasks_stay_open() {
    let env = workspace(2, "", &[("x", "x"), ("y", "y")], "exit 9\n");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("every task's worker failed"),
        "{}",
        run.stderr
    );
    let journal = env.journal();
    let ralph = journal
        .iter()
        .find(|e| e["actor"] == "ralph")
        .expect("ralph's step");
    assert_eq!(ralph["outcome"], "failed");
    assert_eq!(landings(&journal).len(), 2);
    assert!(env.path("tasks/x.md").is_file() && env.path("tasks/y.md").is_file());
    assert_eq!(env.state()["status"], "failed");
}
