//! Baton owns the journal as it owns the state: an agent that truncates it, rewrites a line or
//! deletes an archived segment cannot reset the budgets that count from it — the stamp puts the
//! journal back as it was before the agent started, says so and notes it in its journal line,
//! and a start after a crash does the same from the claim's commit. And symlinks an agent plants
//! where Baton writes its own files (the event log, a turn log, the journal, the archive
//! directory, the logs tree) never make Baton write outside the workspace.

use std::path::Path;

use crate::common::TestEnv;

fn budget(turns: u32) -> String {
    format!("budget:\n  max_turns: {turns}\n")
}

/// What each journal line says was put back.
fn restored(env: &TestEnv) -> Vec<String> {
    env.journal()
        .iter()
        .flat_map(|line| {
            line["journal_restored"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn an_agent_that_truncates_the_journal_does_not_escape_max_turns() {
    let env = TestEnv::with_config(&budget(4));
    env.hook("ralph", ": > sync/journal.jsonl\n");
    let run = env.baton(&["run", "--iterations", "10"]);
    run.expect_code(3);
    assert!(
        run.stderr.contains("budget.max_turns 4"),
        "stopped by the budget: {}",
        run.stderr
    );
    assert_eq!(env.calls().len(), 4, "four turns ran, not twenty");
    assert_eq!(env.journal().len(), 4, "every line is kept");
    assert!(
        run.stderr
            .contains("put back what the turn changed in the journal"),
        "{}",
        run.stderr
    );
    assert_eq!(
        restored(&env),
        ["journal.jsonl shortened", "journal.jsonl shortened"],
        "noted in both ralph turns' lines"
    );
}

#[test]
fn a_rewritten_line_and_a_forged_one_are_put_back() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let before = env.read("sync/journal.jsonl");
    // The agent marks galph's turn failed and adds a turn that never ran.
    env.hook(
        "galph",
        "sed -i 's/\"outcome\":\"ok\"/\"outcome\":\"failed\"/' sync/journal.jsonl\n\
         head -n 1 sync/journal.jsonl >> sync/journal.jsonl\n",
    );
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    let after = env.read("sync/journal.jsonl");
    assert!(
        after.starts_with(&before),
        "the old lines are as Baton wrote them"
    );
    assert_eq!(env.journal().len(), 4);
    assert!(env.journal().iter().all(|l| l["outcome"] == "ok"));
    assert_eq!(restored(&env), ["journal.jsonl rewritten"]);
}

/// Writes an archived segment of `n` copies of the first journal line and commits it, with the
/// current segment emptied: a history of `n` turns before this one.
fn seed_archive(env: &TestEnv, n: usize) -> String {
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let line = env.read("sync/journal.jsonl");
    let line = line.lines().next().expect("a line");
    let archive: String = std::iter::repeat_n(format!("{line}\n"), n).collect();
    env.write("sync/journal/000001.jsonl", &archive);
    std::fs::remove_file(env.path("sync/journal.jsonl")).expect("rm");
    env.commit_all("history");
    archive
}

#[test]
fn a_deleted_archived_segment_comes_back_from_the_claims_commit() {
    let env = TestEnv::new();
    let archive = seed_archive(&env, 10);
    env.write("orchestration.yaml", &env.stub_config(&budget(13)));
    env.commit_all("budget");
    env.hook("ralph", "rm -rf sync/journal\n");
    let run = env.baton(&["run", "--iterations", "10"]);
    run.expect_code(3);
    assert_eq!(
        env.read("sync/journal/000001.jsonl"),
        archive,
        "the segment is back as committed"
    );
    assert_eq!(
        env.journal().len(),
        3,
        "13 turns in all: 10 archived, 3 now"
    );
    assert_eq!(restored(&env), ["journal/000001.jsonl deleted"]);
}

/// An agent that truncates the journal and then kills Baton (SIGKILL: no stamp at all): the
/// next start puts the journal back from the last stamp commit before the turn runs again.
#[test]
fn a_journal_truncated_by_an_agent_that_kills_baton_is_put_back_at_the_next_start() {
    let env = TestEnv::with_config(&budget(3));
    env.hook(
        "galph",
        "if [ -f \"$TEST_CTL/second-galph\" ] && [ ! -f \"$TEST_CTL/killed\" ]; then\n  \
         touch \"$TEST_CTL/killed\"\n  : > sync/journal.jsonl\n  kill -9 $PPID\nfi\n\
         touch \"$TEST_CTL/second-galph\"\n",
    );
    let killed = env.baton(&["run", "--iterations", "5"]);
    assert_eq!(killed.code, None, "SIGKILLed: {}", killed.stderr);
    assert_eq!(env.read("sync/journal.jsonl"), "", "the agent emptied it");
    let run = env.baton(&["run", "--iterations", "5"]);
    run.expect_code(3);
    assert!(
        run.stderr.contains("journal.jsonl shortened"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.journal().len(),
        3,
        "two before the crash, the re-run turn"
    );
}

/// Every file and directory under `dir`, recursively.
fn entries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        out.push(path.display().to_string());
        if path.is_dir() {
            out.extend(entries(&path));
        }
    }
    out
}

#[test]
fn symlinks_planted_by_an_agent_never_make_baton_write_outside_the_workspace() {
    let env = TestEnv::new();
    let out = env.ctl.join("out");
    for dir in ["logdir", "archive", "rundir"] {
        std::fs::create_dir_all(out.join(dir)).expect("mkdir");
    }
    for file in ["events.txt", "turn.txt", "journal.txt"] {
        std::fs::write(out.join(file), "precious\n").expect("write");
    }
    let o = out.display();
    // galph: the event log, its own turn log, the journal, the archive directory and Baton's
    // run directory (the turn record).
    env.hook(
        "galph",
        &format!(
            "rm -f logs/events.jsonl && ln -s '{o}/events.txt' logs/events.jsonl\n\
             rm -f \"$BATON_LOG\" && ln -s '{o}/turn.txt' \"$BATON_LOG\"\n\
             rm -f sync/journal.jsonl && ln -s '{o}/journal.txt' sync/journal.jsonl\n\
             rm -rf sync/journal && ln -s '{o}/archive' sync/journal\n\
             mv .git/baton .git/baton.moved && ln -s '{o}/rundir' .git/baton\n"
        ),
    );
    // ralph: the directory the next turn logs go to.
    env.hook(
        "ralph",
        &format!("mv logs/main logs/main.moved && ln -s '{o}/logdir' logs/main\n"),
    );
    let first = env.baton(&["run", "--iterations", "1"]);
    first.expect_code(0);
    for hook in ["galph.sh", "ralph.sh"] {
        std::fs::remove_file(env.ctl.join(hook)).expect("rm hook");
    }
    let second = env.baton(&["run", "--iterations", "1"]);
    second.expect_code(0);

    for file in ["events.txt", "turn.txt", "journal.txt"] {
        assert_eq!(
            std::fs::read_to_string(out.join(file)).expect("read"),
            "precious\n",
            "{file} untouched"
        );
    }
    assert!(entries(&out.join("logdir")).is_empty(), "no log outside");
    assert!(
        entries(&out.join("archive")).is_empty(),
        "no segment outside"
    );
    let warnings = format!("{}{}", first.stderr, second.stderr);
    for planted in ["events.jsonl", "journal.jsonl", "logs/main", ".git/baton`"] {
        assert!(
            warnings.contains(planted) && warnings.contains("symlink"),
            "a warning names {planted}: {warnings}"
        );
    }
    assert_eq!(
        env.journal().len(),
        4,
        "every turn journalled, in the workspace"
    );
    for rel in [
        "logs/events.jsonl",
        "sync/journal.jsonl",
        "logs/main",
        "sync/journal",
    ] {
        assert!(
            !std::fs::symlink_metadata(env.path(rel))
                .expect("exists")
                .file_type()
                .is_symlink(),
            "{rel} is Baton's again"
        );
    }
    let events = env.read("logs/events.jsonl");
    assert!(events.contains("\"run_started\""), "{events}");
}
