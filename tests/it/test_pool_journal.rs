//! A pool landing appends its task's journal line in its merge commit, and keeps the journal in
//! segments as a run does (`docs/pool.md`, "Running and landing"): a line that would take the
//! current segment past its size archives it first, so a landing never rewrites a journal that
//! grows with every task.

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, Daemon, RoleEnv};

/// Runs `baton work` on `clone` until no task is left.
fn work(env: &RoleEnv, clone: &TestEnv) {
    Daemon::spawn(
        clone.baton_cmd(&["work", "--slots", "2", "--poll-interval", "0.2s"]),
        &env.seed.ctl,
    )
    .wait(DEADLINE)
    .expect_code(0);
}

/// A remote with `tasks` open (`tasks/<id>.md`), whose ralph writes `out/<task>.txt`, and a
/// machine that worked them all.
fn worked(tasks: &[&str]) -> (RoleEnv, TestEnv) {
    let env = RoleEnv::new();
    env.seed.hook(
        "ralph",
        "mkdir -p out && echo \"$BATON_TASK\" > \"out/$BATON_TASK.txt\"\n",
    );
    for task in tasks {
        env.seed
            .write(&format!("tasks/{task}.md"), &format!("task {task}\n"));
    }
    env.seed.commit_all("tasks");
    env.seed.git(&["push", "-q", "origin", "main"]);
    let machine = env.another_clone("m1");
    work(&env, &machine);
    (env, machine)
}

#[test]
fn pool_landings_archive_a_full_journal_segment_and_keep_every_line() {
    let (env, machine) = worked(&["first"]);
    // The journal now holds the first task's line: a laptop fills the current segment close
    // to its size with copies of it (64 KiB), and adds two tasks.
    let laptop = env.another_clone("laptop");
    let first = env.remote_file("sync/journal.jsonl").expect("the journal");
    let line = first
        .lines()
        .last()
        .expect("the first task's line")
        .to_owned();
    let copies = 64 * 1024 / (line.len() + 1);
    let full: String = std::iter::repeat_n(format!("{line}\n"), copies).collect();
    laptop.write("sync/journal.jsonl", &full);
    laptop.write("tasks/a.md", "task a\n");
    laptop.write("tasks/b.md", "task b\n");
    laptop.git(&["add", "-A"]);
    laptop.git(&["commit", "-qm", "a full journal segment, two tasks"]);
    laptop.git(&["push", "-q", "origin", "main"]);
    machine.git(&["pull", "-q", "--ff-only", "origin", "main"]);
    work(&env, &machine);

    // The full segment was archived, unchanged, as the first archive; the current segment
    // holds only the lines after it.
    assert_eq!(
        env.remote_file("sync/journal/000001.jsonl").as_deref(),
        Some(full.as_str())
    );
    let current = env
        .remote_file("sync/journal.jsonl")
        .expect("the current segment");
    assert!(current.len() < 64 * 1024, "{} bytes", current.len());
    let tasks: Vec<String> = current
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| e["tasks"][0]["task"].as_str().map(str::to_owned))
        .collect();
    let mut sorted = tasks.clone();
    sorted.sort();
    assert_eq!(sorted, ["a", "b"], "{current}");
    // The journal reads whole through the archive: `baton stats` counts every line.
    laptop.git(&["pull", "-q", "--ff-only", "origin", "main"]);
    let stats = laptop.baton(&["stats", "--json"]);
    stats.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&stats.stdout).expect("stats json");
    assert_eq!(
        json["total"]["turns"].as_u64(),
        Some(u64::try_from(copies).expect("small") + 2),
        "{}",
        stats.stdout
    );
}

#[test]
fn history_lists_each_pool_task_with_its_worker_and_the_landing_that_recorded_it() {
    let (env, _machine) = worked(&["a", "b"]);

    // Read on another clone: each task is a turn of the history, recorded by the merge that
    // landed it (a pool task's journal line is written in its landing).
    let laptop = env.another_clone("laptop");
    let run = laptop.baton(&["history", "--json"]);
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("history json");
    let turns = json["turns"].as_array().expect("turns");
    assert_eq!(turns.len(), 2, "{}", run.stdout);
    let mut seen = Vec::new();
    for turn in turns {
        let stamp = turn["stamp"].as_str().expect("a landing recorded it");
        let task = &turn["tasks"][0];
        let id = task["task"].as_str().expect("task id");
        assert_eq!(task["landing"], "landed");
        assert_eq!(task["merge"].as_str(), Some(stamp), "{}", run.stdout);
        assert!(
            task["worker"]
                .as_str()
                .is_some_and(|w| w.starts_with("ralph-")),
            "{}",
            run.stdout
        );
        let subject = laptop.git(&["log", "-1", "--format=%s", stamp]);
        assert!(
            subject.starts_with("[LAND i=") && subject.contains(&format!(": task {id} (")),
            "{subject}"
        );
        seen.push(id.to_owned());
    }
    seen.sort();
    assert_eq!(seen, ["a", "b"]);
    let text = laptop.baton(&["history"]);
    text.expect_code(0);
    assert!(
        text.stdout.contains("task a: landed, merge "),
        "{}",
        text.stdout
    );

    // A pool task's landing is a place to go back to, as a turn's stamp is.
    let first = turns[0]["stamp"].as_str().expect("stamp").to_owned();
    laptop
        .baton(&["fork", &first, "--branch", "after-one"])
        .expect_code(0);
    assert_eq!(laptop.git(&["rev-parse", "after-one"]).trim(), first);
}
