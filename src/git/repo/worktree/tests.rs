//! Unit tests of the turns' worktrees: made, listed, removed, and replaced after a dead run.

use std::process::Command;

use pretty_assertions::assert_eq;

use crate::git::Repo;
use crate::git::testutil::TestRepo;

#[test]
fn worktrees_are_made_listed_and_removed_and_their_branches_kept() {
    let t = TestRepo::new();
    t.write("a.txt", b"a\n");
    let base = t.commit_all("base");
    let name = t.repo.free_branch_name("ralph-2", "fix").expect("name");
    assert_eq!(name, "baton/ralph-2/fix");
    let tree = t.repo.add_worktree("ralph-2", &name, &base).expect("add");
    assert!(tree.path.starts_with(t.repo.worktrees_dir()));
    assert!(tree.path.join("a.txt").is_file(), "checked out");
    let worker = Repo::open_worktree(&tree.path).expect("open");
    assert_eq!(
        worker.branch().expect("branch").as_deref(),
        Some(name.as_str())
    );
    std::fs::write(tree.path.join("b.txt"), "b\n").expect("write");
    worker
        .commit_paths(&["b.txt".to_owned()], "work")
        .expect("commit");
    assert_eq!(
        t.repo.list_worktrees().expect("list"),
        std::slice::from_ref(&tree)
    );
    let branches = t.repo.worker_branches("main").expect("branches");
    assert_eq!(branches.len(), 1);
    assert!(!branches[0].merged, "the worker's commit is not on main");
    assert_eq!(
        t.repo.free_branch_name("ralph-2", "fix").expect("name"),
        "baton/ralph-2/fix-2"
    );
    t.repo.remove_worktree("ralph-2").expect("remove");
    assert!(!tree.path.exists());
    assert!(t.repo.list_worktrees().expect("list").is_empty());
    let out = Command::new("git")
        .args(["-C"])
        .arg(t.path())
        .args(["worktree", "list", "--porcelain"])
        .output()
        .expect("git");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("ralph-2"),
        "git agrees"
    );
    t.repo
        .delete_branch(&name)
        .expect("the branch was kept, and can go");
    assert!(t.repo.worker_branches("main").expect("branches").is_empty());
}

#[test]
fn a_worktree_left_by_a_dead_run_is_replaced() {
    let t = TestRepo::new();
    t.write("a.txt", b"a\n");
    let base = t.commit_all("base");
    t.repo
        .add_worktree("sec", "baton/sec/i1", &base)
        .expect("add");
    let again = t
        .repo
        .add_worktree("sec", "baton/sec/i1-2", &base)
        .expect("again");
    assert_eq!(again.branch.as_deref(), Some("baton/sec/i1-2"));
    assert_eq!(t.repo.list_worktrees().expect("list").len(), 1);
}
