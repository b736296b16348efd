//! Landing: in-memory merges of a worker's branch into the shared head.

use std::process::Command;

use pretty_assertions::assert_eq;

use super::land::{MergeSpec, Merged};
use crate::git::GitError;
use crate::git::testutil::TestRepo;

fn git(t: &TestRepo, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(t.path())
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// main with `shared.txt`, `sync/state.json` and `tasks/t1.md`; a branch `worker` from it
/// with `worker_change` applied; main then with `main_change` applied. Returns (ours, theirs).
fn diverged(t: &TestRepo, worker: &[(&str, &str)], main: &[(&str, &str)]) -> (String, String) {
    t.write("shared.txt", b"one\ntwo\nthree\n");
    t.write("sync/state.json", b"{\"generation\": 1}\n");
    t.write("tasks/t1.md", b"do it\n");
    t.commit_all("base");
    git(t, &["checkout", "-q", "-b", "worker"]);
    for (path, text) in worker {
        t.write(path, text.as_bytes());
    }
    let theirs = t.commit_all("worker");
    git(t, &["checkout", "-q", "main"]);
    for (path, text) in main {
        t.write(path, text.as_bytes());
    }
    let ours = if main.is_empty() {
        git(t, &["rev-parse", "HEAD"])
    } else {
        t.commit_all("main")
    };
    (ours, theirs)
}

fn spec<'a>(ours: &'a str, theirs: &'a str, keep: &'a [String]) -> MergeSpec<'a> {
    MergeSpec {
        ours,
        theirs,
        message: "land t1",
        moving: Some(("tasks/t1.md", "tasks/done/t1.md")),
        keep_ours: keep,
        replacing: &[],
    }
}

#[test]
fn a_clean_merge_is_one_commit_with_both_parents_and_the_task_moved() {
    let t = TestRepo::new();
    let (ours, theirs) = diverged(
        &t,
        &[("worker.txt", "w\n"), ("shared.txt", "one\ntwo\nthree!\n")],
        &[("main.txt", "m\n")],
    );
    let keep = vec!["sync/state.json".to_owned()];
    let Merged::Clean(merge) = t
        .repo
        .merge_for_landing(&spec(&ours, &theirs, &keep))
        .expect("merge")
    else {
        panic!("expected a clean merge");
    };
    assert_eq!(git(&t, &["rev-parse", "HEAD"]), ours, "no branch moved");
    let parents = git(&t, &["rev-list", "--parents", "-n1", &merge]);
    assert_eq!(parents, format!("{merge} {ours} {theirs}"));
    t.repo
        .advance_head(&ours, &merge, "the merge")
        .expect("advance");
    assert_eq!(git(&t, &["rev-parse", "HEAD"]), merge);
    assert_eq!(
        t.head_files(),
        [
            "main.txt",
            "shared.txt",
            "sync/state.json",
            "tasks/done/t1.md",
            "worker.txt"
        ]
    );
    let shared = std::fs::read_to_string(t.path().join("shared.txt")).expect("read");
    assert_eq!(shared, "one\ntwo\nthree!\n", "the work tree follows");
    assert!(!t.path().join("tasks/t1.md").exists());
    assert_eq!(git(&t, &["status", "--porcelain"]), "");
}

#[test]
fn a_conflict_writes_nothing_and_names_the_paths() {
    let t = TestRepo::new();
    let (ours, theirs) = diverged(
        &t,
        &[("shared.txt", "one\nTWO (worker)\nthree\n")],
        &[("shared.txt", "one\nTWO (main)\nthree\n")],
    );
    let before = git(&t, &["count-objects"]);
    let merged = t
        .repo
        .merge_for_landing(&spec(&ours, &theirs, &[]))
        .expect("merge");
    assert_eq!(merged, Merged::Conflict(vec!["shared.txt".to_owned()]));
    assert_eq!(git(&t, &["rev-parse", "HEAD"]), ours);
    assert_eq!(git(&t, &["status", "--porcelain"]), "");
    assert_eq!(git(&t, &["count-objects"]), before, "no object was written");
}

#[test]
fn batons_own_files_keep_the_shared_version_even_in_conflict() {
    let t = TestRepo::new();
    let (ours, theirs) = diverged(
        &t,
        &[
            ("sync/state.json", "{\"forged\": true}\n"),
            ("work.txt", "w\n"),
        ],
        &[("sync/state.json", "{\"generation\": 2}\n")],
    );
    let keep = vec!["sync/state.json".to_owned(), "sync/journal/".to_owned()];
    let Merged::Clean(merge) = t
        .repo
        .merge_for_landing(&spec(&ours, &theirs, &keep))
        .expect("merge")
    else {
        panic!("Baton's files never conflict: the shared version is kept");
    };
    let state = git(&t, &["show", &format!("{merge}:sync/state.json")]);
    assert_eq!(state, "{\"generation\": 2}");
    assert_eq!(git(&t, &["show", &format!("{merge}:work.txt")]), "w");
}

#[test]
fn a_branch_that_adds_nothing_still_moves_the_task() {
    let t = TestRepo::new();
    let (ours, theirs) = diverged(&t, &[], &[("main.txt", "m\n")]);
    let _ = theirs;
    let base = git(&t, &["rev-parse", "worker~1"]);
    let Merged::Clean(merge) = t
        .repo
        .merge_for_landing(&spec(&ours, &base, &[]))
        .expect("merge")
    else {
        panic!("clean");
    };
    let parents = git(&t, &["rev-list", "--parents", "-n1", &merge]);
    assert_eq!(
        parents,
        format!("{merge} {ours}"),
        "a plain commit on the shared head"
    );
    assert!(git(&t, &["ls-tree", "-r", "--name-only", &merge]).contains("tasks/done/t1.md"));
}

#[test]
fn advancing_refuses_when_the_branch_moved_or_local_files_are_in_the_way() {
    let t = TestRepo::new();
    let (ours, theirs) = diverged(&t, &[("new.txt", "theirs\n")], &[("main.txt", "m\n")]);
    let Merged::Clean(merge) = t
        .repo
        .merge_for_landing(&spec(&ours, &theirs, &[]))
        .expect("merge")
    else {
        panic!("clean");
    };
    t.write("new.txt", b"an untracked local file\n");
    let err = t
        .repo
        .advance_head(&ours, &merge, "the merge")
        .expect_err("refused");
    assert!(matches!(err, GitError::WouldOverwrite(_)), "{err}");
    assert_eq!(git(&t, &["rev-parse", "HEAD"]), ours);
    t.remove("new.txt");
    let stale = git(&t, &["rev-parse", "HEAD~1"]);
    assert!(
        t.repo.advance_head(&stale, &merge, "the merge").is_err(),
        "HEAD moved meanwhile"
    );
    assert_eq!(git(&t, &["rev-parse", "HEAD"]), ours);
}
