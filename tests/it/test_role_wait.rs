//! A daemon waiting for its peer: it sleeps between polls, and SIGTERM ends it cleanly.

use std::time::{Duration, Instant};

use crate::role_env::RoleEnv;

#[test]
fn role_waiting_daemon_idles_and_sigterm_frees_the_clone() {
    let env = RoleEnv::new();
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    let (cpu0, start) = (ralph.cpu_secs(), Instant::now());
    // A measurement window, not synchronisation: galph never runs, so ralph only waits.
    std::thread::sleep(Duration::from_secs(3));
    let share = (ralph.cpu_secs() - cpu0) / start.elapsed().as_secs_f64();
    assert!(
        share < 0.25,
        "a waiting daemon used {:.0}% of a CPU (waiting should cost next to none); stderr:\n{}",
        share * 100.0,
        ralph.stderr()
    );
    let run = ralph.sigterm(30);
    run.expect_code(143);
    assert!(env.calls_empty());
    assert_eq!(env.remote_subjects(), ["seed"], "nothing pushed");

    let again = env.run_ralph(&["--iterations", "1", "--max-wait", "1s"]);
    again.expect_code(1);
    assert!(
        again.stderr.contains("gave up waiting"),
        "the lock is free: {}",
        again.stderr
    );
}
