//! `baton watch` during a worker step (`workflow.workers`): the workflow's step, one line per
//! worker as it starts, each worker's own transcript lines (`| ralph-2: …`, never mixed into
//! the main turn's), and each worker's landing when it ends — before the step's stamp.

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, Daemon};

/// A workspace with `workers` ralphs; galph's first turn commits `tasks` as task files; each
/// worker says which task it works on, marks `started-<task>` and waits for `go-<task>`.
pub(crate) fn paced_workers(workers: u32, tasks: &[&str]) -> TestEnv {
    let env = TestEnv::with_config(&format!("workflow:\n  workers: {{ralph: {workers}}}\n"));
    let mut galph = String::from("if [ ! -e \"$TEST_CTL/planned\" ]; then\n  mkdir -p tasks\n");
    for task in tasks {
        galph.push_str(&format!("  echo 'do {task}' > tasks/{task}.md\n"));
    }
    galph.push_str("  touch \"$TEST_CTL/planned\"\nfi\necho \"galph planned\"\n");
    env.hook("galph", &galph);
    env.hook(
        "ralph",
        "echo \"working on $BATON_TASK as $BATON_WORKER\"\n\
         touch \"$TEST_CTL/started-$BATON_TASK\"\n\
         while [ ! -f \"$TEST_CTL/go-$BATON_TASK\" ]; do sleep 0.05; done\n\
         echo \"done $BATON_TASK\"\n\
         mkdir -p out && echo \"$BATON_TASK\" > \"out/$BATON_TASK.txt\"\n",
    );
    env
}

/// Waits until `watch` printed a line starting with `prefix`.
fn wait_line(watch: &mut Daemon, prefix: &str) {
    let what = format!("a watch line starting with `{prefix}`");
    let out = watch.stdout_path();
    watch.wait_until(DEADLINE, &what, || {
        let seen = std::fs::read_to_string(&out).unwrap_or_default();
        seen.lines().any(|l| l.starts_with(prefix))
    });
}

/// The index of the first line starting with `prefix` (panics when none).
fn position(out: &str, prefix: &str) -> usize {
    out.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with `{prefix}` in:\n{out}"))
}

#[test]
fn watch_shows_the_step_a_row_per_worker_its_own_transcript_and_its_landing() {
    let env = paced_workers(2, &["a", "b"]);
    let mut run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl);
    run.wait_until(DEADLINE, "both workers' agents", || {
        env.ctl.join("started-a").exists() && env.ctl.join("started-b").exists()
    });

    // One snapshot: the step, and each running worker.
    let once = env.baton(&["watch", "--once"]);
    once.expect_code(0);
    let out = &once.stdout;
    assert!(out.contains("\nstep: running ralph\n"), "{out}");
    assert!(
        out.contains("\nworker: ralph-1  task a  on baton/ralph-1/a\n")
            && out.contains("\nworker: ralph-2  task b  on baton/ralph-2/b\n"),
        "{out}"
    );

    let mut watch = Daemon::spawn(env.baton_cmd(&["watch"]), &env.ctl);
    wait_line(&mut watch, "| ralph-2: working on b as ralph-2");
    wait_line(&mut watch, "| ralph-1: working on a as ralph-1");
    std::fs::write(env.ctl.join("go-a"), "").expect("go a");
    wait_line(&mut watch, "landing: ralph-1  task a  landed after ");
    let so_far = watch.stdout();
    assert!(
        !so_far.contains("landing: ralph-2"),
        "ralph-2 still runs:\n{so_far}"
    );
    std::fs::write(env.ctl.join("go-b"), "").expect("go b");
    run.wait(DEADLINE).expect_code(0);
    wait_line(&mut watch, "ended: run ended at ");
    let done = watch.sigterm(DEADLINE);
    done.expect_code(0);
    let out = &done.stdout;
    assert!(
        position(out, "stamped: i=1 galph") < position(out, "worker: ralph-1  task a")
            && position(out, "| ralph-1: done a") < position(out, "landing: ralph-1  task a")
            && position(out, "| ralph-2: done b") < position(out, "landing: ralph-2  task b")
            && position(out, "landing: ralph-2  task b  landed after ")
                < position(out, "stamped: i=1 ralph main.md ok"),
        "in the order it happened:\n{out}"
    );
    // A worker's lines are its own: never a main-turn transcript line, each shown once.
    assert!(!out.lines().any(|l| l.starts_with("| working on")), "{out}");
    assert_eq!(out.matches("| ralph-1: done a\n").count(), 1, "{out}");
    assert_eq!(out.matches("landing: ralph-1 ").count(), 1, "{out}");
    // The log the watch read is the one the documentation describes, workers' events included.
    let events = crate::event_log::events(&env);
    let started = crate::event_log::of_kind(&events, "worker_started");
    assert_eq!(started.len(), 2);
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "transcript" && e["worker"] == "ralph-1" && e["task"] == "a"),
        "a worker's transcript is tagged"
    );
    let merge = env.git(&["log", "--merges", "--format=%h %s", "-n", "2"]);
    let short = merge
        .lines()
        .find(|l| l.contains("task a"))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("a's merge in {merge}"))
        .to_owned();
    assert!(
        out.lines()
            .any(|l| l.starts_with("landing: ralph-1  task a  landed after ")
                && l.ends_with(&format!(", merge {short}"))),
        "the landing names its merge commit {short}:\n{out}"
    );
}
