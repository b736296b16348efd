//! How a pool worker's tasks reach the shared branch (`docs/pool.md`, "Running and landing"):
//! the tasks back since its last look land together in one push (a train of at most eight,
//! the rest taking the next), and the worker takes tasks back and claims more while its train
//! is pushed; a slot keeps its
//! worktree from task to task, each task starting clean (with `completion.verify`, a task back
//! boards, and is verified in that worktree, before the slot's next task takes it); a look at
//! a remote that is gone for a moment is tried again, never taken for "nothing to do".

use crate::common::wait_for;
use crate::role_env::{DEADLINE, Daemon, RoleEnv};
use crate::test_pool::{WORKER, clone_with_name, landings, pool, remote_lines};

#[test]
fn tasks_back_while_a_landing_is_pushed_land_together_in_one_train() {
    let env = pool(&["a", "b", "c"], "");
    // Each agent waits for all three to run, then ends at once.
    env.seed.hook(
        "ralph",
        r#"touch "$TEST_CTL/started-$BATON_TASK"
while [ "$(ls "$TEST_CTL" | grep -c '^started-')" -lt 3 ]; do sleep 0.05; done
mkdir -p out && echo "$BATON_TASK" > "out/$BATON_TASK.txt"
"#,
    );
    // Whatever comes back while the first landing is held waits for the next look, and lands
    // with the others in one push.
    hold_the_first_branch_push(&env);
    one_worker_lands_each_once(&env, "3", 3);
    let pushes = branch_pushes(&env);
    assert_eq!(pushes.iter().sum::<u32>(), 3, "{pushes:?}");
    assert!(
        pushes.len() < 3 && pushes.iter().any(|n| *n >= 2),
        "fewer pushes than landings: {pushes:?}"
    );
    // Each task still has its own merge commit and journal line.
    let journal = remote_lines(&env);
    let mut tasks: Vec<&str> = journal
        .iter()
        .filter_map(|e| e["tasks"][0]["task"].as_str())
        .collect();
    tasks.sort_unstable();
    assert_eq!(tasks, ["a", "b", "c"]);
    assert_eq!(
        env.remote_git(&["for-each-ref", "refs/baton/claims/"])
            .trim(),
        ""
    );
}

#[test]
fn a_worker_takes_tasks_back_and_claims_more_while_its_train_is_pushed() {
    let env = pool(&["a", "b", "c"], "");
    env.seed.hook(
        "ralph",
        r#"before=$(ls "$TEST_CTL" | grep -c '^started-')
touch "$TEST_CTL/started-$BATON_TASK"
[ "$before" -eq 0 ] || sleep 0.3
mkdir -p out && echo "$BATON_TASK" > "out/$BATON_TASK.txt"
"#,
    );
    // One slot; the first task ends at once, the others after 0.3 s. The first landing (the
    // first task's train) is held at the remote until all three tasks have started, for at
    // most five seconds: the second starts as that train leaves, and the third only if the
    // worker takes the second back, and claims and starts the third, while its first train is
    // still on its way.
    let ctl = env.seed.ctl.display();
    on_branch_push(
        &env,
        &format!(
            r#"if [ ! -e "{ctl}/held" ]; then
  touch "{ctl}/held"
  n=0
  while [ "$(ls "{ctl}" | grep -c '^started-')" -lt 3 ] && [ $n -lt 100 ]; do
    sleep 0.05; n=$((n + 1))
  done
  [ $n -lt 100 ] && echo "all started while the first train was held" > "{ctl}/verdict"
fi"#
        ),
    );
    one_worker_lands_each_once(&env, "1", 3);
    assert_eq!(
        std::fs::read_to_string(env.seed.ctl.join("verdict")).unwrap_or_default(),
        "all started while the first train was held\n",
        "the worker's thread waited for its train"
    );
}

/// Runs one worker with `slots` slots on a clone `m1` until it is done (exit 0), and checks
/// that `tasks` tasks landed, each exactly once.
fn one_worker_lands_each_once(env: &RoleEnv, slots: &str, tasks: usize) {
    let machine = clone_with_name(env, "m1");
    let mut cmd = machine.baton_cmd(&["work", "--slots", slots, "--poll-interval", "0.2s"]);
    cmd.env("TEST_CLONE", &machine.root);
    Daemon::spawn(cmd, &env.seed.ctl)
        .wait(DEADLINE)
        .expect_code(0);
    let landed = landings(env);
    assert_eq!(landed.len(), tasks, "{landed:?}");
    assert!(landed.values().all(|n| *n == 1), "{landed:?}");
}

/// Has the remote log how many landings each push of the branch carries (first-parent commits
/// added; read by [`branch_pushes`]) and hold the first such push for two seconds.
fn hold_the_first_branch_push(env: &RoleEnv) {
    let log = env.seed.ctl.join("branch-pushes");
    on_branch_push(
        env,
        &format!(
            r#"git rev-list --first-parent --count "$old..$new" >> "{log}"
[ "$(wc -l < "{log}")" -eq 1 ] && sleep 2"#,
            log = log.display()
        ),
    );
}

/// Has the remote's `pre-receive` hook run the shell `on_main` (with `$old` and `$new`) for
/// each push of the branch, then take the push.
fn on_branch_push(env: &RoleEnv, on_main: &str) {
    crate::common::write_script(
        &env.remote.join("hooks"),
        "pre-receive",
        &format!(
            "#!/bin/sh\nwhile read old new ref; do\n  if [ \"$ref\" = refs/heads/main ]; then\n\
             {on_main}\n  fi\ndone\nexit 0\n"
        ),
    );
}

/// How many landings each push of the branch carried, in order (see
/// [`hold_the_first_branch_push`]).
fn branch_pushes(env: &RoleEnv) -> Vec<u32> {
    std::fs::read_to_string(env.seed.ctl.join("branch-pushes"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().parse().expect("a count"))
        .collect()
}

#[test]
fn a_train_carries_at_most_eight_tasks_and_the_rest_take_the_next() {
    const TASKS: [&str; 10] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let env = pool(&TASKS, "");
    // Task a ends at once; the others end once a's landing is at the remote, held there: nine
    // tasks wait to land, more than one train takes.
    env.seed.hook(
        "ralph",
        r#"if [ "$BATON_TASK" != a ]; then
  while [ ! -s "$TEST_CTL/branch-pushes" ]; do sleep 0.05; done
fi
mkdir -p out && echo "$BATON_TASK" > "out/$BATON_TASK.txt"
"#,
    );
    hold_the_first_branch_push(&env);
    one_worker_lands_each_once(&env, "10", 10);
    let pushes = branch_pushes(&env);
    assert_eq!(pushes.first(), Some(&1), "a alone first: {pushes:?}");
    assert_eq!(pushes.iter().sum::<u32>(), 10, "{pushes:?}");
    assert!(
        pushes.iter().all(|n| *n <= 8),
        "at most eight a train: {pushes:?}"
    );
    assert!(pushes.len() <= 4, "trains, not one push a task: {pushes:?}");
    // Each journal line counts its task's own change (one file), not the landings that went in
    // between its start and its train.
    for line in remote_lines(&env) {
        assert_eq!(line["files_changed"], 1, "{line}");
    }
    for task in TASKS {
        assert_eq!(
            env.remote_git(&["show", &format!("main:out/{task}.txt")])
                .trim(),
            task
        );
    }
}

#[test]
fn a_remote_gone_for_a_moment_is_looked_at_again_and_every_task_lands() {
    let env = pool(&["a", "b"], "");
    env.seed.hook("ralph", WORKER);
    let machine = clone_with_name(&env, "m1");
    // The remote disappears before the worker's first look, and comes back a moment later.
    let away = env.remote.with_extension("away");
    std::fs::rename(&env.remote, &away).expect("take the remote away");
    let mut cmd = machine.baton_cmd(&["work", "--slots", "2", "--poll-interval", "0.2s"]);
    cmd.env("TEST_CLONE", &machine.root);
    let work = Daemon::spawn(cmd, &env.seed.ctl);
    // Several looks fail (one every 0.2 s), each a warning; none ends the worker.
    wait_for(30, "failed looks", || {
        work.stderr()
            .matches("[pool] fetching main and the claims:")
            .count()
            >= 5
    });
    std::fs::rename(&away, &env.remote).expect("bring the remote back");
    let run = work.wait(DEADLINE);
    run.expect_code(0);
    let landed = landings(&env);
    assert_eq!(landed.len(), 2, "{landed:?}");
}

#[test]
fn a_slot_keeps_its_worktree_from_task_to_task_and_each_task_starts_clean() {
    let env = RoleEnv::with_config("");
    env.seed.write(".gitignore", "*.log\n");
    env.seed.write("tasks/a.md", "task a\n");
    env.seed.write("tasks/b.md", "depends: [a]\ntask b\n");
    env.seed.commit_all("two tasks, b after a");
    env.seed.git(&["push", "-q", "origin", "main"]);
    // Each agent says where it works, notes leftovers of the task before (an ignored file, an
    // untracked one), and leaves both behind.
    env.seed.hook(
        "ralph",
        r#"pwd >> "$TEST_CTL/where"
mkdir -p out
for f in leftover.log stray.tmp; do [ -e "$f" ] && echo "$f" >> "out/$BATON_TASK.dirty"; done
[ -f out/a.txt ] && echo "a landed" >> "$TEST_CTL/b-saw"
echo junk > leftover.log
echo "$BATON_TASK" > "out/$BATON_TASK.txt"
"#,
    );
    let machine = clone_with_name(&env, "m1");
    let mut cmd = machine.baton_cmd(&["work", "--slots", "1", "--poll-interval", "0.2s"]);
    cmd.env("TEST_CLONE", &machine.root);
    Daemon::spawn(cmd, &env.seed.ctl)
        .wait(DEADLINE)
        .expect_code(0);
    let landed = landings(&env);
    assert_eq!(landed.len(), 2, "{landed:?}");
    // One worktree served both tasks; the second started from the first's landing, with
    // nothing of the first's untracked or ignored files.
    let where_ = std::fs::read_to_string(env.seed.ctl.join("where")).expect("where");
    let dirs: Vec<&str> = where_.lines().collect();
    assert_eq!(dirs.len(), 2, "{where_}");
    assert_eq!(dirs[0], dirs[1]);
    assert!(dirs[0].ends_with("ralph-1+_pool"), "{}", dirs[0]);
    assert!(env.seed.ctl.join("b-saw").is_file(), "b ran on a's landing");
    assert_eq!(env.remote_file("out/b.dirty"), None);
    // Between tasks the kept worktree is on no branch; the landed tasks' branches are gone.
    let branches = machine.git(&["branch", "--list", "baton/*"]);
    assert_eq!(branches.trim(), "", "{branches}");
    let trees = machine.git(&["worktree", "list", "--porcelain"]);
    assert!(trees.contains("ralph-1+_pool\nHEAD"), "{trees}");
    assert!(trees.contains("\ndetached"), "{trees}");
}

#[test]
fn with_verify_a_task_back_boards_before_its_slot_takes_the_next_task() {
    // A task is verified in its slot's worktree as it boards; the slot's next task takes that
    // worktree. Here one of the first two tasks ends at once while the other runs until the
    // third has started (in the slot the first left): had the first waited to board a fuller
    // train, its verify would find the worktree on the third task's branch.
    let env = pool(&["a", "b", "c"], VERIFY);
    counted_tasks(
        &env,
        r#"touch "$TEST_CTL/started-$BATON_TASK"
if mkdir "$TEST_CTL/slow" 2>/dev/null; then
  i=0
  while [ "$(ls "$TEST_CTL" | grep -c '^started-')" -lt 3 ] && [ $i -lt 300 ]; do
    sleep 0.1; i=$((i+1))
  done
fi"#,
    );
    one_worker_lands_each_once(&env, "2", 3);
    each_ran_once(&env, &["a", "b", "c"]);
}

#[test]
fn with_verify_a_task_back_while_a_train_is_pushed_boards_before_its_slot_takes_the_next() {
    // One slot; the first task ends at once, the others after 0.3 s, and the remote holds the
    // first train's push for 1.5 s. The second task comes back while that train is on its way:
    // it must board (and be verified in the slot's worktree) before the third task takes the
    // slot — so with `completion.verify` the worker waits for its train at the look.
    let env = pool(&["a", "b", "c"], VERIFY);
    counted_tasks(
        &env,
        r#"before=$(ls "$TEST_CTL" | grep -c '^runs-')
[ "$before" -le 1 ] || sleep 0.3"#,
    );
    let ctl = env.seed.ctl.display();
    on_branch_push(
        &env,
        &format!(r#"mkdir "{ctl}/held" 2>/dev/null && sleep 1.5"#),
    );
    one_worker_lands_each_once(&env, "1", 3);
    each_ran_once(&env, &["a", "b", "c"]);
}

/// A configuration whose tasks are verified (by `true`) as they board.
const VERIFY: &str = "completion:\n  verify:\n    - [\"true\"]\n";

/// Makes ralph's agent append a line to `runs-<task>` in the test's control directory (read by
/// [`each_ran_once`]), run the shell lines `body`, and write `out/<task>.txt`.
fn counted_tasks(env: &RoleEnv, body: &str) {
    let script = format!(
        "echo run >> \"$TEST_CTL/runs-$BATON_TASK\"\n{body}\n\
         mkdir -p out && echo \"$BATON_TASK\" > \"out/$BATON_TASK.txt\"\n"
    );
    env.seed.hook("ralph", &script);
}

/// Checks that each of `tasks` ran once (see [`counted_tasks`]).
fn each_ran_once(env: &RoleEnv, tasks: &[&str]) {
    for task in tasks {
        let runs =
            std::fs::read_to_string(env.seed.ctl.join(format!("runs-{task}"))).unwrap_or_default();
        assert_eq!(runs.lines().count(), 1, "task {task} ran once");
    }
}
