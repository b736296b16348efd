//! Sync operations against clones of a real bare remote.

use std::time::{Duration, SystemTime};

use crate::git::remote::fixture::{Fixture, Peer};
use crate::git::repo::sync::InProgress;
use crate::git::{FastForward, GitError};

/// A fixture with clones `a` and `b`; `a` pushed one commit adding `file` (the SHA is returned)
/// and `b` has fetched it but not merged it.
fn behind(file: &str, contents: &str) -> (Fixture, Peer, Peer, String) {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let b = fx.clone_as("b");
    let sha = a.commit_file(file, contents, "from a");
    a.origin().push("main").expect("push");
    b.origin().fetch("main").expect("fetch");
    (fx, a, b, sha)
}

#[test]
fn in_progress_detects_a_conflicting_merge() {
    let (_fx, _a, b, _) = behind("README.md", "theirs\n");
    assert_eq!(b.repo().in_progress(), None);
    b.commit_file("README.md", "ours\n", "ours");
    let out = b.git_unchecked(&["merge", "origin/main"]);
    assert!(!out.status.success(), "the merge conflicts");
    assert_eq!(b.repo().in_progress(), Some(InProgress::Merge));
    assert_eq!(InProgress::Merge.fix(), "git merge --abort");
    b.git(&["merge", "--abort"]);
    assert_eq!(b.repo().in_progress(), None);
}

#[test]
fn tracking_id_reads_the_remote_tracking_ref() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let repo = a.repo();
    assert_eq!(
        repo.tracking_id("origin", "main").expect("id"),
        fx.remote_sha("main")
    );
    assert_eq!(repo.tracking_id("origin", "dev").expect("id"), None);
    assert_eq!(repo.tracking_id("upstream", "main").expect("id"), None);
}

#[test]
fn fast_forward_up_to_date_and_advanced() {
    let (_fx, _a, b, sha) = behind("new.txt", "new\n");
    let repo = b.repo();
    assert_eq!(
        repo.fast_forward("origin", "dev").expect("ff"),
        FastForward::UpToDate
    );
    assert_eq!(
        repo.fast_forward("origin", "main").expect("ff"),
        FastForward::Advanced
    );
    assert_eq!(b.head(), sha);
    assert_eq!(b.read("new.txt"), "new\n");
    assert_eq!(b.status(), "", "index and work tree match the new HEAD");
    assert_eq!(b.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert_eq!(
        repo.fast_forward("origin", "main").expect("ff"),
        FastForward::UpToDate
    );
}

#[test]
fn fast_forward_keeps_unrelated_local_changes() {
    let (_fx, _a, b, sha) = behind("new.txt", "new\n");
    b.write("README.md", "edited locally\n");
    b.write("scratch.txt", "untracked\n");
    let ff = b.repo().fast_forward("origin", "main").expect("ff");
    assert_eq!(ff, FastForward::Advanced);
    assert_eq!(b.head(), sha);
    assert_eq!(b.read("README.md"), "edited locally\n");
    assert_eq!(b.read("scratch.txt"), "untracked\n");
}

#[test]
fn fast_forward_ahead_and_diverged() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let b = fx.clone_as("b");
    b.commit_file("b.txt", "b\n", "b");
    let repo = b.repo();
    assert_eq!(
        repo.fast_forward("origin", "main").expect("ff"),
        FastForward::Ahead(1)
    );
    a.commit_file("a1.txt", "1\n", "a1");
    a.commit_file("a2.txt", "2\n", "a2");
    a.origin().push("main").expect("push");
    b.origin().fetch("main").expect("fetch");
    let before = b.head();
    assert_eq!(
        repo.fast_forward("origin", "main").expect("ff"),
        FastForward::Diverged {
            ahead: 1,
            behind: 2
        }
    );
    assert_eq!(b.head(), before);
}

/// Asserts that fast-forwarding `b` fails naming `path` and changes nothing.
fn assert_blocked(b: &Peer, path: &str) {
    let head = b.head();
    let contents = b.read(path);
    let status = b.status();
    let err = b
        .repo()
        .fast_forward("origin", "main")
        .expect_err("blocked");
    let GitError::WouldOverwrite(blocked) = err else {
        panic!("expected WouldOverwrite, got {err:?}");
    };
    assert_eq!(blocked.target, "origin/main");
    assert_eq!(blocked.paths, [path]);
    assert_eq!(b.head(), head);
    assert_eq!(b.read(path), contents);
    assert_eq!(b.status(), status);
}

#[test]
fn fast_forward_refuses_to_overwrite_an_untracked_file() {
    let (_fx, _a, b, _) = behind("new.txt", "from remote\n");
    b.write("new.txt", "mine, untracked\n");
    assert_blocked(&b, "new.txt");
}

#[test]
fn fast_forward_refuses_to_overwrite_a_modified_tracked_file() {
    let (_fx, _a, b, _) = behind("README.md", "from remote\n");
    b.write("README.md", "mine, uncommitted\n");
    assert_blocked(&b, "README.md");
}

#[test]
fn fast_forward_refuses_to_overwrite_an_ignored_file() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let b = fx.clone_as("b");
    a.commit_file(".gitignore", "*.log\n", "ignore logs");
    a.origin().push("main").expect("push");
    b.origin().fetch("main").expect("fetch");
    b.repo().fast_forward("origin", "main").expect("ff");
    a.write("report.log", "from remote\n");
    a.git(&["add", "-f", "report.log"]);
    a.git(&["commit", "--quiet", "-m", "forced report"]);
    a.origin().push("main").expect("push");
    b.origin().fetch("main").expect("fetch");
    b.write("report.log", "mine, ignored\n");
    assert_blocked(&b, "report.log");
}

#[test]
fn read_at_reads_blobs_at_refs_and_shas() {
    let (_fx, _a, b, sha) = behind("README.md", "theirs\n");
    let repo = b.repo();
    let read = |rev: &str, path: &str| repo.read_at(rev, path).expect("read_at");
    assert_eq!(read("HEAD", "README.md"), Some(b"base\n".to_vec()));
    assert_eq!(read("origin/main", "README.md"), Some(b"theirs\n".to_vec()));
    assert_eq!(
        read("refs/remotes/origin/main", "README.md"),
        Some(b"theirs\n".to_vec())
    );
    assert_eq!(read(&sha, "README.md"), Some(b"theirs\n".to_vec()));
    assert_eq!(read("HEAD", "missing.txt"), None);
    assert_eq!(read("refs/remotes/origin/nope", "README.md"), None);
    b.commit_file("dir/f.txt", "f\n", "nested");
    assert_eq!(read("HEAD", "dir/f.txt"), Some(b"f\n".to_vec()));
    assert_eq!(read("HEAD", "dir"), None, "a directory is not a file");
    let list = |rev: &str, dir: &str| repo.list_at(rev, dir).expect("list_at");
    assert_eq!(list("HEAD", "dir"), ["f.txt"]);
    assert!(list("HEAD", "nope").is_empty());
    assert!(
        list("HEAD", "dir/f.txt").is_empty(),
        "a file is not a directory"
    );
    assert!(list("refs/remotes/origin/nope", "dir").is_empty());
}

#[test]
fn backup_head_names_refs_by_utc_time_with_suffixes() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let repo = a.repo();
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_255_445);
    let first = repo.backup_head_at(at).expect("backup");
    assert_eq!(first, "refs/baton/backup/20261121T100405Z");
    let second = repo.backup_head_at(at).expect("backup");
    assert_eq!(second, "refs/baton/backup/20261121T100405Z-2");
    assert_eq!(
        repo.backup_head_at(at).expect("backup"),
        format!("{first}-3")
    );
    let now = repo.backup_head().expect("backup");
    assert!(now.starts_with("refs/baton/backup/20"), "{now}");
    for name in [&first, &second, &now] {
        assert_eq!(a.rev(name), Some(a.head()));
    }
}

#[test]
fn replay_puts_local_commits_on_top_of_the_remote() {
    let (_fx, _a, b, c) = behind("c.txt", "c\n");
    let base = b.head();
    b.write("a.txt", "a\n");
    b.git(&["add", "a.txt"]);
    b.git(&[
        "-c",
        "user.name=Author A",
        "commit",
        "--quiet",
        "-m",
        "A\n\nbody of A",
    ]);
    b.write("b.txt", "b\n");
    b.git(&["add", "b.txt"]);
    b.git(&["-c", "user.name=Author B", "commit", "--quiet", "-m", "B"]);
    b.git(&["config", "user.name", "Replayer"]);
    b.write("untracked.txt", "stays\n");
    let replayed = b
        .repo()
        .replay_onto_tracking_with("origin", "main", None)
        .expect("replay");
    assert_eq!(replayed, 2);
    let log = b.git(&["log", "--first-parent", "--format=%s|%an|%cn"]);
    let expected = [
        "B|Author B|Replayer",
        "A|Author A|Replayer",
        "from a|Test User|Test User",
        "base|Test User|Test User",
    ];
    assert_eq!(log.lines().collect::<Vec<_>>(), expected);
    assert_eq!(b.rev("HEAD~2"), Some(c));
    assert_eq!(b.rev("HEAD~3"), Some(base));
    assert_eq!(
        b.git(&["log", "-1", "--format=%B", "HEAD~1"]),
        "A\n\nbody of A"
    );
    for (file, contents) in [("a.txt", "a\n"), ("b.txt", "b\n"), ("c.txt", "c\n")] {
        assert_eq!(b.read(file), contents);
    }
    assert_eq!(b.status(), "?? untracked.txt");
    assert_eq!(b.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
}

#[test]
fn replay_with_nothing_local_fast_forwards() {
    let (_fx, _a, b, c) = behind("c.txt", "c\n");
    assert_eq!(
        b.repo()
            .replay_onto_tracking_with("origin", "main", None)
            .expect("replay"),
        0
    );
    assert_eq!(b.head(), c);
    assert_eq!(b.read("c.txt"), "c\n");
}

#[test]
fn replay_conflict_changes_nothing() {
    let (_fx, _a, b, _) = behind("README.md", "theirs\n");
    b.commit_file("mine.txt", "mine\n", "first");
    let head = b.commit_file("README.md", "ours\n", "edit readme");
    let err = b
        .repo()
        .replay_onto_tracking_with("origin", "main", None)
        .expect_err("conflict");
    let text = format!("{:#}", anyhow::Error::new(err));
    assert!(text.contains("edit readme"), "{text}");
    assert!(text.contains("conflict in README.md"), "{text}");
    assert_eq!(b.head(), head);
    assert_eq!(b.read("README.md"), "ours\n");
    assert_eq!(b.status(), "");
}

#[test]
fn reset_hard_moves_branch_index_and_work_tree() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let base = a.head();
    a.commit_file("a.txt", "a\n", "a");
    a.write("README.md", "dirty\n");
    a.repo().reset_hard(&base).expect("reset");
    assert_eq!(a.head(), base);
    assert!(!a.path.join("a.txt").exists());
    assert_eq!(a.read("README.md"), "base\n");
    assert_eq!(a.status(), "");
    assert!(a.repo().reset_hard("refs/heads/nope").is_err());
}

#[test]
fn rewritten_tip_finds_commits_the_remote_lost_after_a_force_push() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let b = fx.clone_as("b");
    let tracking = "refs/remotes/origin/main";
    let shared = a.commit_file("f.txt", "1\n", "shared");
    a.origin().push("main").expect("push");
    b.origin().fetch("main").expect("fetch");
    assert_eq!(
        b.repo().fast_forward("origin", "main").expect("ff"),
        FastForward::Advanced
    );
    assert_eq!(
        b.repo().rewritten_tip(tracking).expect("reflog"),
        None,
        "moved forward only"
    );
    // a rewrites the branch without `shared`; b fetches the forced update.
    a.git(&["reset", "-q", "--hard", "HEAD~1"]);
    a.commit_file("g.txt", "2\n", "rewritten");
    a.git(&["push", "-q", "--force", "origin", "main"]);
    b.origin().fetch("main").expect("fetch");
    let repo = b.repo();
    assert_eq!(
        repo.rewritten_tip(tracking).expect("reflog"),
        Some(shared.clone())
    );
    assert!(matches!(
        repo.fast_forward("origin", "main").expect("ff"),
        FastForward::Diverged {
            ahead: 1,
            behind: 1
        }
    ));
    b.git(&["reset", "-q", "--hard", "origin/main"]);
    let tip = |peer: &Peer| peer.repo().rewritten_tip(tracking).expect("reflog");
    assert_eq!(tip(&b), None, "after the reset");
    b.git(&["merge", "-q", "--no-edit", &shared]);
    assert_eq!(tip(&b), Some(shared.clone()), "merged back locally only");
    // The remote gets the lost commit back too: nothing is lost any more.
    a.git(&["merge", "-q", "--no-edit", &shared]);
    a.origin().push("main").expect("push");
    b.origin().fetch("main").expect("fetch");
    assert_eq!(tip(&b), None, "merged back on the remote");
    assert_eq!(
        a.repo()
            .rewritten_tip("refs/remotes/origin/dev")
            .expect("no ref"),
        None
    );
}

#[test]
fn fast_forward_writes_renames_deletions_and_same_tree_commits() {
    let fx = Fixture::new();
    let a = fx.clone_as("a");
    let b = fx.clone_as("b");
    a.commit_file("dir/old.txt", "x\n", "add");
    a.origin().push("main").expect("push");
    b.origin().fetch("main").expect("fetch");
    b.repo().fast_forward("origin", "main").expect("ff");
    a.git(&["mv", "dir/old.txt", "dir/new.txt"]);
    a.git(&["commit", "-q", "-m", "rename"]);
    a.git(&["commit", "-q", "--allow-empty", "-m", "same tree"]);
    a.origin().push("main").expect("push");
    b.origin().fetch("main").expect("fetch");
    assert_eq!(
        b.repo().fast_forward("origin", "main").expect("ff"),
        FastForward::Advanced
    );
    assert_eq!(b.head(), a.head());
    assert_eq!(b.read("dir/new.txt"), "x\n");
    assert!(
        !b.path.join("dir/old.txt").exists(),
        "the old side is removed"
    );
    assert_eq!(b.status(), "", "index and work tree match the new HEAD");
}
