//! Unit tests of running a child within bounds.

use super::*;

fn sh(script: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", script]);
    cmd
}

#[test]
fn output_is_captured_up_to_the_cap_and_the_rest_drained() {
    let bounds = Bounds {
        capture: Some(10),
        ..Bounds::default()
    };
    let done = run_bounded(
        &mut sh("head -c 1000000 /dev/zero | tr '\\0' x; echo err >&2; exit 4"),
        &bounds,
    )
    .expect("run");
    assert_eq!(done.ending, Ending::Exited);
    assert_eq!(done.code(), Some(4));
    assert_eq!(done.stdout, b"xxxxxxxxxx");
    assert_eq!(done.stderr, b"err\n");
}

#[test]
fn a_child_past_its_deadline_gets_sigterm_then_sigkill_with_its_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("term");
    let script = format!(
        "sleep 300 & trap 'echo term > {}; exit 3' TERM; wait",
        marker.display()
    );
    let bounds = Bounds {
        deadline: Some(Duration::from_millis(200)),
        grace: Duration::from_secs(5),
        ..Bounds::default()
    };
    let started = Instant::now();
    let done = run_bounded(&mut sh(&script), &bounds).expect("run");
    assert_eq!(done.ending, Ending::TimedOut);
    assert_eq!(done.code(), None, "a timed-out child has no code");
    assert!(started.elapsed() < Duration::from_secs(5), "ended at TERM");
    assert_eq!(
        std::fs::read_to_string(&marker).expect("trap ran"),
        "term\n"
    );

    let ignores = "trap '' TERM; sleep 300";
    let bounds = Bounds {
        deadline: Some(Duration::from_millis(100)),
        grace: Duration::from_millis(300),
        ..Bounds::default()
    };
    let done = run_bounded(&mut sh(ignores), &bounds).expect("run");
    assert_eq!(done.ending, Ending::TimedOut);
    assert_eq!(
        done.status
            .and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s)),
        Some(9),
        "SIGKILL after the grace"
    );
}

#[test]
fn a_cancelled_child_is_ended() {
    let cancel = || true;
    let bounds = Bounds {
        cancel: Some(&cancel),
        ..Bounds::default()
    };
    let done = run_bounded(&mut sh("sleep 300"), &bounds).expect("run");
    assert_eq!(done.ending, Ending::Cancelled);
}
