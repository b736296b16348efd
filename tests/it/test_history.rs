//! Time travel: `baton history` finds each turn's stamp commit, `baton fork` branches at one
//! and `baton rewind` goes back to one with a new commit — the tree, state and journal exactly
//! the stamp's, the history kept — here and through a role-mode remote.

use serde_json::Value;

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};

/// ralph's hook: a file of its own per iteration, and one file changed every time.
const RALPH_WORK: &str = "echo \"work $BATON_ITERATION\" > \"work-$BATON_ITERATION.txt\"\n\
                          echo \"$BATON_ITERATION\" >> progress.txt\n";

/// A workspace after `iterations` iterations of galph and ralph.
fn ran(iterations: &str) -> TestEnv {
    let env = TestEnv::new();
    env.hook("ralph", RALPH_WORK);
    env.baton(&["run", "--iterations", iterations])
        .expect_code(0);
    env
}

/// `baton history --json` of `env`.
fn history(env: &TestEnv, extra: &[&str]) -> Value {
    let mut args = vec!["history", "--json"];
    args.extend_from_slice(extra);
    let run = env.baton(&args);
    run.expect_code(0);
    serde_json::from_str(&run.stdout).expect("history json")
}

/// The stamp commit of the last turn of `iteration` in `history`.
fn stamp_of(history: &Value, iteration: u64) -> String {
    let turns = history["turns"].as_array().expect("turns");
    let turn = turns
        .iter()
        .rev()
        .find(|t| t["iteration"] == iteration)
        .expect("a turn of that iteration");
    turn["stamp"].as_str().expect("a stamp").to_owned()
}

/// `git show <rev>:<path>`, as bytes.
fn show(env: &TestEnv, rev: &str, path: &str) -> Vec<u8> {
    let out = env
        .command("git")
        .args(["show", &format!("{rev}:{path}")])
        .output()
        .expect("git show");
    assert!(out.status.success(), "{rev}:{path}");
    out.stdout
}

/// The files of the work tree and of commit `rev` are the same, byte for byte, and nothing is
/// left uncommitted.
fn assert_tree_is(env: &TestEnv, rev: &str) {
    for path in ["sync/state.json", "sync/journal.jsonl", "progress.txt"] {
        let here = std::fs::read(env.path(path)).expect("read");
        assert!(here == show(env, rev, path), "{path} differs from {rev}'s");
    }
    assert_eq!(env.git(&["diff", "--stat", rev]), "", "tree of {rev}");
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn history_names_each_turns_stamp_commit_and_its_heads() {
    let env = ran("2");
    // A line without a stamp commit (as a --no-git run writes), with a worker's task.
    let mut line: Value = env.journal()[3].clone();
    line["ended_at"] = "2030-01-01T00:00:00Z".into();
    line["tasks"] = serde_json::json!([{
        "worker": "ralph-1", "task": "a", "landing": "landed", "branch": "baton/ralph-1/a",
        "merge": "0123456789abcdef0123456789abcdef01234567", "agent": "stub", "log": "l",
        "duration_ms": 1, "usage": {}, "attempts": 1
    }]);
    let text = env.read("sync/journal.jsonl") + &line.to_string() + "\n";
    env.write("sync/journal.jsonl", &text);

    let history = history(&env, &[]);
    assert_eq!(history["branch"], "main");
    let turns = history["turns"].as_array().expect("turns");
    assert_eq!(turns.len(), 5);
    let journal = env.journal();
    for (turn, entry) in turns.iter().zip(&journal).take(4) {
        assert_eq!(turn["actor"], entry["actor"]);
        assert_eq!(turn["iteration"], entry["iteration"]);
        assert_eq!(turn["head_before"], entry["head_before"]);
        assert_eq!(turn["head_after"], entry["head_after"]);
        let stamp = turn["stamp"].as_str().expect("stamped");
        let subject = env.git(&["log", "-1", "--format=%s", stamp]);
        assert!(subject.starts_with("[SYNC i="), "{subject}");
        assert!(subject.contains(&format!(
            "actor={}",
            entry["actor"].as_str().expect("actor")
        )));
        // The stamp's journal ends with this very turn.
        let at_stamp = String::from_utf8(show(&env, stamp, "sync/journal.jsonl")).expect("utf-8");
        let last: Value =
            serde_json::from_str(at_stamp.lines().last().expect("a line")).expect("json");
        assert_eq!(&last, entry);
    }
    assert_eq!(turns[4]["stamp"], Value::Null, "never committed");
    assert_eq!(turns[4]["tasks"][0]["worker"], "ralph-1");
    assert_eq!(turns[4]["tasks"][0]["landing"], "landed");

    let text = env.baton(&["history"]);
    text.expect_code(0);
    let stamp = turns[1]["stamp"].as_str().expect("stamp");
    assert!(text.stdout.contains(&stamp[..7]), "{}", text.stdout);
    assert!(
        text.stdout
            .contains("└ ralph-1 task a: landed, merge 0123456"),
        "{}",
        text.stdout
    );
}

#[test]
fn fork_makes_a_branch_whose_state_journal_and_tree_are_the_stamps() {
    let env = ran("3");
    let stamp = stamp_of(&history(&env, &[]), 2);
    let run = env.baton(&["fork", "2", "--branch", "alt"]);
    run.expect_code(0);
    assert!(run.stdout.contains("git switch alt"), "{}", run.stdout);
    assert_eq!(env.git(&["rev-parse", "alt"]).trim(), stamp);
    assert_eq!(env.git(&["branch", "--show-current"]).trim(), "main");

    env.git(&["switch", "-q", "alt"]);
    assert_tree_is(&env, &stamp);
    assert_eq!(
        env.journal().len(),
        4,
        "galph and ralph of iterations 1 and 2"
    );
    assert_eq!(env.state()["iteration"], 3);

    // Its own line of work from there, and the costs of both lines side by side.
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let turns = |branch: &str| {
        let run = env.baton(&["stats", "--json", "--branch", branch]);
        run.expect_code(0);
        let stats: Value = serde_json::from_str(&run.stdout).expect("stats json");
        stats["total"]["turns"].clone()
    };
    assert_eq!(turns("main"), 6);
    assert_eq!(turns("alt"), 6);
    assert_eq!(turns(&stamp), 4);
    // Compared in one command: a row a branch, in the order given.
    let both = env.baton(&["stats", "--branch", &stamp, "--branch", "alt"]);
    both.expect_code(0);
    let rows: Vec<&str> = both
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("branch"))
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 2, "{}", both.stdout);
    assert!(rows[0].starts_with(&stamp[..12]), "{}", both.stdout);
    assert_eq!(
        rows[0].split_whitespace().nth(1),
        Some("4"),
        "{}",
        both.stdout
    );
    assert!(rows[1].starts_with("alt "), "{}", both.stdout);
    assert_eq!(
        rows[1].split_whitespace().nth(1),
        Some("6"),
        "{}",
        both.stdout
    );
    let json = env.baton(&["stats", "--json", "--branch", "main", "--branch", "alt"]);
    json.expect_code(0);
    let json: Value = serde_json::from_str(&json.stdout).expect("stats json");
    let branches = json["branches"].as_array().expect("branches");
    assert_eq!(branches.len(), 2);
    assert_eq!(branches[0]["branch"], "main");
    assert_eq!(branches[1]["branch"], "alt");
    assert_eq!(branches[1]["commit"], env.git(&["rev-parse", "alt"]).trim());
    assert_eq!(branches[1]["total"]["turns"], 6);
    assert!(branches[0]["by_actor"].is_object(), "{json}");
    assert_ne!(
        env.git(&["rev-parse", "alt"]),
        env.git(&["rev-parse", "main"])
    );

    let taken = env.baton(&["fork", "1", "--branch", "main"]);
    taken.expect_code(2);
    assert!(
        taken.stderr.contains("a branch `main` exists already"),
        "{}",
        taken.stderr
    );
    env.baton(&["fork", "1", "--branch", "no..pe"])
        .expect_code(2);
    let unknown = env.baton(&["stats", "--branch", "nope"]);
    unknown.expect_code(2);
    assert!(
        unknown.stderr.contains("no branch, ref or commit `nope`"),
        "{}",
        unknown.stderr
    );
    // One unknown name among several: exit 2 and nothing printed.
    let one_unknown = env.baton(&["stats", "--branch", "main", "--branch", "nope"]);
    one_unknown.expect_code(2);
    assert_eq!(one_unknown.stdout, "", "{}", one_unknown.stdout);
}

#[test]
fn rewind_restores_the_stamps_tree_state_and_journal_and_keeps_the_history() {
    let env = ran("3");
    let before = history(&env, &[]);
    let stamp = stamp_of(&before, 1);
    let old_head = env.git(&["rev-parse", "HEAD"]).trim().to_owned();

    let run = env.baton(&["rewind", "1"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("refs/baton/backup/rewind-1"),
        "{}",
        run.stdout
    );
    assert_tree_is(&env, &stamp);
    assert!(!env.path("work-2.txt").exists() && env.path("work-1.txt").exists());
    assert_eq!(env.journal().len(), 2, "the journal as the stamp left it");
    assert_eq!(env.state()["iteration"], 2);
    assert_eq!(env.state()["expected_actor"], "galph");

    // A new commit on top: nothing rewritten, the old head its parent and on the backup ref.
    assert_eq!(env.git(&["rev-parse", "HEAD^"]).trim(), old_head);
    assert_eq!(
        env.git(&["rev-parse", "refs/baton/backup/rewind-1"]).trim(),
        old_head
    );
    let message = env.git(&["log", "-1", "--format=%B"]);
    let subject = format!("[SYNC i=2] rewind to i=1 ({})", &stamp[..7]);
    assert!(message.starts_with(&subject), "{message}");
    assert!(
        message.contains(&format!("Baton-Rewind: {stamp}")),
        "{message}"
    );
    assert!(
        message.contains(&old_head[..7]),
        "the commits gone back over are listed"
    );

    // The run goes on from the stamp; history shows the rewind where it happened.
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let iterations: Vec<Value> = env
        .journal()
        .iter()
        .map(|e| e["iteration"].clone())
        .collect();
    assert_eq!(iterations, [1, 1, 2, 2]);
    let after = history(&env, &[]);
    assert_eq!(after["rewinds"][0]["to"], stamp.as_str());
    assert_eq!(after["rewinds"][0]["to_turn"], 2);
    assert_eq!(after["rewinds"][0]["before"], old_head.as_str());
    let text = env.baton(&["history"]).stdout;
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[3].starts_with("rewind "), "after turn 2: {text}");
    // What was gone back over is still there to read and to count.
    let gone = history(&env, &["--branch", "refs/baton/backup/rewind-1"]);
    assert_eq!(gone["turns"].as_array().map(Vec::len), Some(6));
    let stats = env.baton(&["stats", "--json", "--branch", "refs/baton/backup/rewind-1"]);
    let stats: Value = serde_json::from_str(&stats.stdout).expect("stats json");
    assert_eq!(stats["total"]["turns"], 6);

    // Going back to a stamp that was rewound over undoes the rewind.
    let last = stamp_of(&before, 3);
    env.baton(&["rewind", &last[..10]]).expect_code(0);
    assert_tree_is(&env, &last);
    assert_eq!(
        env.git(&["rev-parse", "refs/baton/backup/rewind-2"])
            .trim()
            .len(),
        40
    );
    let again = env.baton(&["rewind", &last]);
    again.expect_code(0);
    assert!(
        again.stdout.contains("nothing to rewind"),
        "{}",
        again.stdout
    );
}

#[test]
fn rewind_refuses_what_names_no_stamp_a_running_baton_and_files_in_the_way() {
    let env = ran("2");
    let head = env.git(&["rev-parse", "HEAD"]);
    let init = env.git(&["rev-list", "--max-parents=0", "HEAD"]);
    for (args, text) in [
        (&["rewind", "9"][..], "no stamp of iteration 9 on main"),
        (
            &["rewind", "i=9"],
            "its journal's turns are of iterations 1 to 2",
        ),
        (&["rewind", init.trim()], "is not a stamp (`init`)"),
        (&["rewind", "0123abc"], "no commit `0123abc`"),
        (
            &["fork", "9", "--branch", "x"],
            "no stamp of iteration 9 on main",
        ),
        (&["rewind", "0"], "iterations count from 1"),
    ] {
        let run = env.baton(args);
        run.expect_code(2);
        assert!(run.stderr.contains(text), "{args:?}: {}", run.stderr);
    }
    // A file the rewind would overwrite.
    env.write("progress.txt", "a person's edit\n");
    let run = env.baton(&["rewind", "1"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("in the way of the rewind: progress.txt"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("git stash -u"), "{}", run.stderr);
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head, "nothing changed");
    assert_eq!(env.read("progress.txt"), "a person's edit\n");
    env.git(&["checkout", "--", "progress.txt"]);

    // While a run holds the workspace (its agent tries it).
    let baton = env!("CARGO_BIN_EXE_baton");
    env.hook(
        "galph",
        &format!(
            "'{baton}' rewind 1 > \"$TEST_CTL/rewind.err\" 2>&1\necho $? > \"$TEST_CTL/rewind.code\"\n"
        ),
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(env.read_ctl("rewind.code").trim(), "1");
    let err = env.read_ctl("rewind.err");
    assert!(err.contains("another baton holds the lock"), "{err}");
    assert!(err.contains("baton stop"), "{err}");
    assert!(
        !env.git(&["log", "--format=%s"]).contains("rewind to"),
        "no rewind"
    );
}

#[test]
fn rewind_in_role_mode_is_pushed_refused_over_a_running_turn_and_the_daemons_go_on() {
    let env = RoleEnv::new();
    env.seed.hook("ralph", WAIT_FOR_GO);
    let galph = env.galph_daemon(&["--iterations", "2"]);
    let mut ralph = env.ralph_daemon(&["--iterations", "2"]);
    env.wait_agent_started(&mut ralph, "ralph");
    let laptop = env.another_clone("laptop");
    let refused = env.run_in(&laptop, &["rewind", "1"]);
    refused.expect_code(1);
    assert!(
        refused
            .stderr
            .contains("ralph's turn (iteration 1) runs on"),
        "{}",
        refused.stderr
    );
    env.touch("go");
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    assert_eq!(env.remote_journal().len(), 4);

    let run = env.run_in(&laptop, &["rewind", "1"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("pushed to origin/main"),
        "{}",
        run.stdout
    );
    let tip = env.remote_tip();
    assert!(tip.starts_with("[SYNC i=2] rewind to i=1 ("), "{tip}");
    let stamp = stamp_of(&history(&laptop, &["--branch", "origin/main"]), 1);
    assert_eq!(
        env.remote_file("sync/state.json").map(String::into_bytes),
        Some(show(&laptop, &stamp, "sync/state.json"))
    );
    assert_eq!(env.remote_journal().len(), 2);
    assert_eq!(
        laptop.git(&["rev-parse", "HEAD"]),
        env.remote_git(&["rev-parse", "main"])
    );

    // Both daemons take the rewound state as it is and go on from it.
    let galph = env.galph_daemon(&["--iterations", "1"]);
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    let iterations: Vec<Value> = env
        .remote_journal()
        .iter()
        .map(|e| e["iteration"].clone())
        .collect();
    assert_eq!(iterations, [1, 1, 2, 2]);
}
