//! `Remote` against a real bare repository and clones made with the system `git`.

use std::os::unix::fs::PermissionsExt;

use super::fixture::Fixture;
use super::{Remote, SyncError};

#[test]
fn url_and_local_path_of_a_path_remote() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let origin = a.origin();
    assert_eq!(origin.name(), "origin");
    assert_eq!(origin.url().expect("url"), fx.bare().display().to_string());
    let canonical = fx.bare().canonicalize().expect("canonical");
    assert_eq!(origin.local_path(), Some(canonical.clone()));
    a.git(&["remote", "add", "rel", "../remote.git"]);
    assert_eq!(Remote::new(&a.path, "rel").local_path(), Some(canonical));
}

#[test]
fn local_path_of_file_url_and_network_urls() {
    let fx = Fixture::new();
    let url = format!("file://{}", fx.bare().display());
    let a = fx.clone_url("a", &url);
    assert_eq!(a.origin().url().expect("url"), url);
    let canonical = fx.bare().canonicalize().expect("canonical");
    assert_eq!(a.origin().local_path(), Some(canonical));
    a.git(&["remote", "add", "web", "https://example.invalid/team/r.git"]);
    a.git(&["remote", "add", "scp", "git@example.invalid:team/r.git"]);
    assert_eq!(Remote::new(&a.path, "web").local_path(), None);
    assert_eq!(Remote::new(&a.path, "scp").local_path(), None);
}

#[test]
fn url_of_a_missing_remote_fails_with_stderr() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let err = Remote::new(&a.path, "nope")
        .url()
        .expect_err("no such remote");
    let SyncError::Failed {
        command,
        code,
        stderr,
    } = err
    else {
        panic!("expected Failed, got {err:?}");
    };
    assert_eq!(command, "git remote get-url nope");
    assert_ne!(code, 0);
    assert!(stderr.contains("nope"), "{stderr}");
}

#[test]
fn missing_git_binary_is_git_not_found() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let remote = a.origin().with_program("baton-no-such-git-binary");
    let err = remote.ls_remote("main").expect_err("no git");
    assert!(matches!(err, SyncError::GitNotFound), "{err:?}");
}

#[test]
fn ls_remote_before_and_after_a_push() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let origin = a.origin();
    assert_eq!(origin.ls_remote("main").expect("ls"), fx.remote_sha("main"));
    assert_eq!(origin.ls_remote("dev").expect("ls"), None);
    let sha = a.commit_file("a.txt", "a\n", "a");
    assert_ne!(
        origin.ls_remote("main").expect("ls").as_deref(),
        Some(sha.as_str())
    );
    origin.push("main").expect("push");
    assert_eq!(origin.ls_remote("main").expect("ls"), Some(sha));
}

#[test]
fn fetch_updates_the_tracking_ref() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let b = fx.clone_as("b");
    let sha = a.commit_file("a.txt", "a\n", "a");
    a.origin().push("main").expect("push");
    assert_ne!(b.rev("refs/remotes/origin/main"), Some(sha.clone()));
    b.origin().fetch("main").expect("fetch");
    assert_eq!(b.rev("refs/remotes/origin/main"), Some(sha));
    let err = b.origin().fetch("dev").expect_err("no such branch");
    assert!(matches!(err, SyncError::Failed { .. }), "{err:?}");
}

#[test]
fn push_updates_remote_and_tracking_refs() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let sha = a.commit_file("a.txt", "a\n", "a");
    a.origin().push("main").expect("push");
    assert_eq!(fx.remote_sha("main"), Some(sha.clone()));
    assert_eq!(a.rev("refs/remotes/origin/main"), Some(sha.clone()));
    // A new branch, and a push that has nothing to send.
    a.origin().push("feature").expect("push new branch");
    assert_eq!(fx.remote_sha("feature"), Some(sha.clone()));
    a.origin().push("main").expect("push up to date");
    assert_eq!(fx.remote_sha("main"), Some(sha));
}

#[test]
fn push_sets_tracking_ref_when_the_remote_has_no_fetch_refspec() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    a.git(&["remote", "add", "plain", &fx.bare().display().to_string()]);
    a.git(&["config", "--unset-all", "remote.plain.fetch"]);
    let sha = a.commit_file("a.txt", "a\n", "a");
    Remote::new(&a.path, "plain").push("main").expect("push");
    assert_eq!(fx.remote_sha("main"), Some(sha.clone()));
    assert_eq!(a.rev("refs/remotes/plain/main"), Some(sha));
}

#[test]
fn push_behind_the_remote_is_rejected_fetch_first_then_non_fast_forward() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let b = fx.clone_as("b");
    let theirs = a.commit_file("a.txt", "a\n", "a");
    a.origin().push("main").expect("push a");
    b.commit_file("b.txt", "b\n", "b");
    let err = b.origin().push("main").expect_err("rejected");
    let SyncError::PushRejected {
        refname, reason, ..
    } = &err
    else {
        panic!("expected PushRejected, got {err:?}");
    };
    assert_eq!(refname, "refs/heads/main");
    assert_eq!(reason, "fetch first");
    assert_eq!(
        err.to_string(),
        "push of refs/heads/main rejected: fetch first"
    );
    assert_eq!(fx.remote_sha("main"), Some(theirs.clone()));
    // Once the remote commit is known locally, git calls it a non-fast-forward.
    b.origin().fetch("main").expect("fetch");
    let err = b.origin().push("main").expect_err("rejected");
    assert!(
        matches!(&err, SyncError::PushRejected { reason, .. } if reason == "non-fast-forward"),
        "{err:?}"
    );
    assert_eq!(fx.remote_sha("main"), Some(theirs));
}

#[test]
fn a_branch_moved_between_the_lease_check_and_the_remotes_transaction_is_a_stale_lease() {
    // The remote's pre-receive hook moves `main` after the client checked its lease and before
    // receive-pack's transaction: the race of two landings on a busy remote.
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let other = a.commit_file("other.txt", "other\n", "another landing");
    a.git(&["push", "-q", "origin", "HEAD:refs/heads/elsewhere"]);
    let fetched = a.rev("refs/remotes/origin/main").expect("tracked main");
    a.git(&["reset", "-q", "--hard", &fetched]);
    let hook = fx.bare().join("hooks").join("pre-receive");
    std::fs::create_dir_all(hook.parent().expect("hooks dir")).expect("mkdir hooks");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nenv -u GIT_QUARANTINE_PATH git update-ref refs/heads/main {other}\n"),
    )
    .expect("write hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let ours = a.commit_file("a.txt", "a\n", "our landing");
    let mut updates = crate::pool::push::train("main", &ours, &fetched, &[]);
    // A second ref makes it an --atomic push, as a train with its claims is.
    updates.push(crate::pool::push::RefUpdate {
        refname: "refs/baton/claims/t1".to_owned(),
        new: Some(ours.clone()),
        expect: crate::pool::push::Expect::Absent,
    });
    let pushed = a
        .origin()
        .push_leased(&updates)
        .expect("a lease, not an error");
    assert!(matches!(pushed, super::Pushed::Stale { .. }), "{pushed:?}");
    assert_eq!(fx.remote_sha("main"), Some(other));
    let claims = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(fx.bare())
        .args(["for-each-ref", "refs/baton/"])
        .output()
        .expect("for-each-ref");
    assert!(claims.stdout.is_empty(), "nothing of the train went in");
}

#[test]
fn push_rejected_by_a_pre_receive_hook_carries_its_message() {
    let fx = Fixture::new();
    let hook = fx.bare().join("hooks").join("pre-receive");
    std::fs::create_dir_all(hook.parent().expect("hooks dir")).expect("mkdir hooks");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'policy: no pushes today' >&2\nexit 1\n",
    )
    .expect("write hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let a = fx.clone_as("a");
    let before = fx.remote_sha("main");
    a.commit_file("a.txt", "a\n", "a");
    let err = a.origin().push("main").expect_err("hook declines");
    let SyncError::PushRejected {
        refname,
        reason,
        remote_message,
    } = &err
    else {
        panic!("expected PushRejected, got {err:?}");
    };
    assert_eq!(refname, "refs/heads/main");
    assert!(reason.contains("pre-receive hook declined"), "{reason}");
    assert_eq!(remote_message, &["policy: no pushes today"]);
    assert!(
        err.to_string()
            .ends_with("; remote says: policy: no pushes today"),
        "{err}"
    );
    assert_eq!(fx.remote_sha("main"), before);
    assert_eq!(a.rev("refs/remotes/origin/main"), before);
}

#[test]
fn a_cancelled_command_ends_with_its_process_group() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let pids = a.path.join("pids");
    let script = a.path.join("slow-git");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > '{0}'; sleep 60 & echo $! >> '{0}'; wait\n",
            pids.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let flag = Arc::new(AtomicBool::new(false));
    let remote = a
        .origin()
        .with_program(&script.display().to_string())
        .cancelled_by(Arc::clone(&flag));
    let cancel = std::thread::spawn(move || {
        while std::fs::read_to_string(&pids).map_or(0, |t| t.lines().count()) < 2 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        flag.store(true, Ordering::Relaxed);
        pids
    });
    let err = remote.ls_remote("main").expect_err("cancelled");
    assert!(matches!(err, SyncError::Cancelled { .. }), "{err}");
    let pids = cancel.join().expect("join");
    // SIGKILL takes effect when each process is next scheduled: a moment, on a loaded machine.
    let gone = |pid: &str| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.is_empty() || stat.contains(") Z ")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    for pid in std::fs::read_to_string(&pids).expect("pids").lines() {
        while !gone(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(gone(pid), "{pid} is gone");
    }
}

#[test]
fn a_command_past_its_deadline_times_out_and_ends_with_its_process_group() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let pids = a.path.join("pids");
    let script = a.path.join("hung-git");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > '{0}'; sleep 60 & echo $! >> '{0}'; wait\n",
            pids.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let remote = a
        .origin()
        .with_program(&script.display().to_string())
        .with_deadline(std::time::Duration::from_secs(1));
    let started = std::time::Instant::now();
    let err = remote.ls_remote("main").expect_err("timed out");
    assert!(
        matches!(err, SyncError::TimedOut { .. }),
        "{err}: a timeout, not a cancel"
    );
    assert!(err.to_string().contains("timed out after 1s"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "well under the 60 s the command would take"
    );
    let gone = |pid: &str| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.is_empty() || stat.contains(") Z ")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    for pid in std::fs::read_to_string(&pids).expect("pids").lines() {
        while !gone(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(gone(pid), "{pid} is gone");
    }
}
