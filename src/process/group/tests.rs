//! The pid-reuse window, shown for real: in a pid namespace of our own (`unshare --user
//! --map-root-user --pid`), `/proc/sys/kernel/ns_last_pid` says which pid the next process
//! gets, so a test can hand a group leader's pid to a new process on purpose.
//!
//! The outer test re-runs this test binary there, on the inner test (ignored when run on its
//! own). Machines without unprivileged user namespaces can skip it explicitly with
//! `BATON_SKIP_PIDNS=1`; without that, a failure to enter the namespace fails the test.

use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::*;

/// Set in the namespace for the inner test.
const INNER: &str = "BATON_TEST_IN_PIDNS";

/// Makes the next process of this pid namespace get `pid`.
fn next_pid_is(pid: Pid) {
    let last = (pid.as_raw() - 1).to_string();
    std::fs::write("/proc/sys/kernel/ns_last_pid", last).expect("write ns_last_pid");
}

/// A process leading its own group, sleeping: the stranger a stray `killpg` would hit.
fn stranger() -> Child {
    let mut cmd = Command::new("sleep");
    cmd.arg("300").stdin(Stdio::null()).process_group(0);
    cmd.spawn().expect("spawn sleep")
}

/// Whether `child` dies of SIGKILL within five seconds (a signal takes effect when the
/// process is next scheduled).
fn killed(child: &mut Child) -> bool {
    let until = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status.signal() == Some(9);
        }
        if std::time::Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The process group of the live process `pid`.
fn group_of(pid: u32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    crate::process::procfs::parse_stat(&stat)
        .expect("parses")
        .pgid
}

#[test]
#[ignore = "runs inside a pid namespace, started by group_ids_are_never_signalled_once_reusable"]
fn inner_pid_reuse() {
    if std::env::var_os(INNER).is_none() {
        return;
    }
    // What notify.rs and completion.rs did: reap the leader, then SIGKILL its group id.
    let mut leader = Command::new("true")
        .process_group(0)
        .spawn()
        .expect("spawn");
    let id = Pid::from_raw(i32::try_from(leader.id()).expect("pid"));
    leader.wait().expect("reap");
    next_pid_is(id);
    let mut victim = stranger();
    assert_eq!(
        victim.id(),
        leader.id(),
        "the reaped leader's pid was reused"
    );
    let _ = killpg(id, Signal::SIGKILL);
    assert!(
        killed(&mut victim),
        "the old order killed a stranger's group"
    );

    // A Group: its leader exited, unreaped; its pid cannot be handed out.
    let group = Group::spawn(Command::new("true").stdin(Stdio::null())).expect("spawn");
    let id = group.pid();
    assert!(wait_exit(id).is_some(), "the leader exited");
    next_pid_is(id);
    let mut victim = stranger();
    assert_ne!(
        victim.id(),
        u32::try_from(id.as_raw()).expect("pid"),
        "a zombie's pid is not reused"
    );
    assert_ne!(
        group_of(victim.id()),
        id.as_raw(),
        "so no process but the group's own is in group {id}"
    );
    let status = group.end(Duration::from_secs(1));
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    assert!(
        matches!(victim.try_wait(), Ok(None)),
        "the stranger still runs after the group was ended"
    );
    let _ = victim.kill();
    let _ = victim.wait();
}

#[test]
fn group_ids_are_never_signalled_once_reusable() {
    if std::env::var_os("BATON_SKIP_PIDNS").is_some() {
        eprintln!("skipped (BATON_SKIP_PIDNS): the pid-reuse test needs user namespaces");
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--pid",
            "--fork",
            "--mount-proc",
        ])
        .arg(exe)
        .args([
            "--exact",
            "process::group::tests::inner_pid_reuse",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(INNER, "1")
        .output()
        .expect("run unshare (util-linux)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("1 passed"),
        "the test in a pid namespace failed (set BATON_SKIP_PIDNS=1 where user namespaces \
         are not available):\n{text}"
    );
}

#[test]
fn a_leader_that_exits_is_seen_without_being_reaped_and_its_group_cleaned() {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "sleep 300 >/dev/null & echo $!"])
        .stdout(Stdio::piped())
        .stdin(Stdio::null());
    let mut group = Group::spawn(&mut cmd).expect("spawn");
    let mut out = String::new();
    std::io::Read::read_to_string(group.child_mut().stdout.as_mut().expect("stdout"), &mut out)
        .expect("read");
    let left: i32 = out.trim().parse().expect("pid");
    let status = group
        .wait_exited(Some(std::time::Instant::now() + Duration::from_secs(10)))
        .expect("exited");
    assert!(status.success());
    assert!(group.exited().is_some(), "still unreaped: seen again");
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", group.pid())).expect("zombie");
    assert!(stat.contains(") Z "), "{stat}");
    group.reap();
    let gone = (0..250).any(|_| {
        let dead = std::fs::read_to_string(format!("/proc/{left}/stat"))
            .map_or(true, |s| s.contains(") Z "));
        if !dead {
            std::thread::sleep(Duration::from_millis(20));
        }
        dead
    });
    assert!(gone, "what the leader left in its group is killed");
}
