//! Git housekeeping at turn boundaries (issue 6 §5): after each stamp Baton starts
//! `git gc --auto` in the background; the end-of-turn sweep of agent processes spares it, and
//! Baton waits for it before exiting. A `git` wrapper first on PATH makes each gc last a second
//! and logs its start and end.

use crate::common::TestEnv;

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
