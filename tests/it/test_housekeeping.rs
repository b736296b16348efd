//! Git housekeeping at turn boundaries: after each stamp Baton starts `git gc --auto` in the
//! background; the end-of-turn sweep of agent processes spares it, Baton waits for it before
//! exiting, and it never holds a ref's lock while the next turn commits.

use std::fmt::Write as _;

use crate::common::TestEnv;

/// A `git` wrapper first on PATH makes each gc last a second and logs its start and end.
#[test]
fn git_gc_runs_after_stamps_outlives_the_next_agent_turn_and_is_waited_for() {
    let env = TestEnv::new();
    let path = crate::common::git_wrapper(
        &env.ctl.join("bin"),
        "for a in \"$@\"; do\n  if [ \"$a\" = gc ]; then\n    \
         echo \"start $*\" >> \"$TEST_CTL/gc.log\"\n    sleep 1\n    \
         echo done >> \"$TEST_CTL/gc.log\"\n    break\n  fi\ndone",
    );

    let out = env
        .baton_cmd(&["run", "--iterations", "2"])
        .env("PATH", path)
        .output()
        .expect("run baton");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let log = std::fs::read_to_string(env.ctl.join("gc.log")).expect("gc ran");
    let starts: Vec<&str> = log.lines().filter(|l| l.starts_with("start")).collect();
    let dones = log.lines().filter(|l| *l == "done").count();
    assert!(!starts.is_empty(), "{log}");
    assert!(starts.iter().all(|s| s.contains("gc --auto")), "{log}");
    assert_eq!(
        starts.len(),
        dones,
        "every gc finished: not killed by the sweep, waited for at exit\n{log}"
    );
    assert_eq!(
        env.journal().len(),
        4,
        "four turns ran while gc ran beside them"
    );
}

/// `n` file contents (`"<i>\n"`) whose git blob ids start with `17`: git's `gc --auto` counts
/// loose objects in `objects/17/` only, so two of them make the next `gc --auto` run with
/// `gc.auto=256` (git's `too_many_loose_objects`: more than `gc.auto / 256` there).
fn seventeens(n: usize) -> Vec<String> {
    (0u64..)
        .map(|i| format!("{i}\n"))
        .filter(|text| {
            git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
                .is_ok_and(|oid| oid.to_string().starts_with("17"))
        })
        .take(n)
        .collect()
}

/// A reflog of `entries` lines on `HEAD` and `main` (40 days old: kept, and checked for
/// reachability by `reflog expire`), as a workspace has after tens of thousands of turns.
fn long_reflog(env: &TestEnv, entries: usize) {
    let head = env.git(&["rev-parse", "HEAD"]);
    let head = head.trim();
    let then = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        - 40 * 86_400;
    let line = format!("{head} {head} Test <test@example.invalid> {then} +0000\tcommit: turn\n");
    let log = line.repeat(entries);
    for rel in [".git/logs/HEAD", ".git/logs/refs/heads/main"] {
        std::fs::write(env.path(rel), &log).expect("write reflog");
    }
}

/// Many turns in a long-lived workspace whose background gc really runs between turns: every
/// agent leaves two objects that make the next `gc --auto` run, and ends only once it sees that
/// gc running (`.git/gc.pid`, which git holds while gc runs). git's gc used to expire the
/// reflogs, holding `refs/heads/main.lock` for most of a second on a long reflog: the next
/// auto-commit failed with `failed to lock … main.lock … code=Locked` and the run exited 1.
#[test]
fn many_turns_never_fail_while_the_background_gc_runs() {
    let env = TestEnv::new();
    env.git(&["config", "gc.auto", "256"]);
    long_reflog(&env, 200_000);
    let turns = 24;
    let mut contents = String::new();
    for text in seventeens(2 * turns) {
        contents.push_str(&text);
    }
    std::fs::write(env.ctl.join("seventeens"), contents).expect("write");
    let mut hook = String::new();
    writeln!(
        hook,
        "n=$(cat \"$TEST_CTL/n\" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > \"$TEST_CTL/n\"\n\
         mkdir -p reports\n\
         sed -n \"$((2 * n - 1))p\" \"$TEST_CTL/seventeens\" > reports/gc-$n-a.txt\n\
         sed -n \"$((2 * n))p\" \"$TEST_CTL/seventeens\" > reports/gc-$n-b.txt\n\
         i=0\n\
         while [ ! -f .git/gc.pid ] && [ $i -lt 200 ]; do sleep 0.01; i=$((i + 1)); done\n\
         [ -f .git/gc.pid ] && echo $n >> \"$TEST_CTL/gc-seen\""
    )
    .expect("format");
    env.hook("galph", &hook);
    env.hook("ralph", &hook);

    let iterations = (turns / 2).to_string();
    let run = env.baton(&["run", "--iterations", &iterations]);
    run.expect_code(0);
    let journal = env.journal();
    assert_eq!(journal.len(), turns, "{}", run.stderr);
    assert!(journal.iter().all(|line| line["outcome"] == "ok"));
    let seen = std::fs::read_to_string(env.ctl.join("gc-seen")).unwrap_or_default();
    let seen = seen.lines().count();
    assert!(
        seen >= turns / 2,
        "gc ran beside {seen} of {turns} turns: the test did not exercise it"
    );
    let reflog = std::fs::read_to_string(env.path(".git/logs/refs/heads/main")).expect("reflog");
    assert!(
        reflog.lines().count() > 200_000,
        "Baton's gc leaves reflogs alone"
    );
}
