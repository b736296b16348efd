//! The first-parent line, a tree committed on HEAD, refs and branches (`travel.rs`).

use crate::git::testutil::TestRepo;

#[test]
fn a_line_lists_first_parents_oldest_first_with_the_blob_of_a_path() {
    let t = TestRepo::new();
    t.write("j", b"1\n");
    let one = t.commit_all("one");
    t.write("other", b"x");
    let two = t.commit_all("two");
    t.write("j", b"1\n2\n");
    let three = t.commit_all("three\n\nbody");
    let line = t.repo.first_parent_line(&three, "j").expect("line");
    let shas: Vec<&str> = line.iter().map(|c| c.sha.as_str()).collect();
    assert_eq!(shas, [one.as_str(), two.as_str(), three.as_str()]);
    assert_eq!(line[0].parent, None);
    assert_eq!(line[2].parent.as_deref(), Some(two.as_str()));
    assert_eq!(line[0].blob, line[1].blob, "`j` unchanged by two");
    assert_ne!(line[1].blob, line[2].blob);
    assert_eq!(line[2].message, "three\n\nbody");
    let blob = line[2].blob.as_deref().expect("a blob");
    assert_eq!(t.repo.blob(blob).expect("blob"), b"1\n2\n");
    assert_eq!(
        t.repo.first_parent_line(&one, "none").expect("line")[0].blob,
        None
    );
}

#[test]
fn a_commit_takes_an_earlier_tree_on_top_of_head_and_moves_nothing() {
    let t = TestRepo::new();
    t.write("a", b"1");
    let one = t.commit_all("one");
    t.write("a", b"2");
    let two = t.commit_all("two");
    let back = t.repo.commit_tree_on_head(&one, "back").expect("commit");
    assert_eq!(
        t.repo.head_id().expect("head").as_deref(),
        Some(two.as_str())
    );
    assert!(t.repo.same_tree(&back, &one).expect("trees"));
    assert!(!t.repo.same_tree(&back, &two).expect("trees"));
    let line = t.repo.first_parent_line(&back, "a").expect("line");
    assert_eq!(
        line[2].parent.as_deref(),
        Some(two.as_str()),
        "history kept"
    );

    t.repo.move_head_to(&back, "test").expect("move");
    assert_eq!(
        t.repo.head_id().expect("head").as_deref(),
        Some(back.as_str())
    );
    assert_eq!(std::fs::read(t.dir.path().join("a")).expect("a"), b"1");
}

#[test]
fn refs_branches_and_revisions() {
    let t = TestRepo::new();
    t.write("a", b"1");
    let one = t.commit_all("one");
    assert_eq!(
        t.repo.commit_id(&one[..7]).expect("rev").as_deref(),
        Some(one.as_str())
    );
    assert_eq!(t.repo.commit_id("nope").expect("rev"), None);
    assert_eq!(t.repo.commit_id("HEAD:a").expect("a blob"), None);
    let name = t.repo.free_backup_name("rewind").expect("name");
    assert_eq!(name, "refs/baton/backup/rewind-1");
    t.repo.create_ref(&name, &one, "test").expect("ref");
    assert!(t.repo.create_ref(&name, &one, "test").is_err(), "exists");
    assert_eq!(
        t.repo.free_backup_name("rewind").expect("name"),
        "refs/baton/backup/rewind-2"
    );
    assert_eq!(
        t.repo.named_ref(&name).expect("ref"),
        Some((name.clone(), one.clone()))
    );
    assert_eq!(
        t.repo.named_ref("main").expect("ref"),
        Some(("refs/heads/main".to_owned(), one.clone()))
    );
    assert_eq!(t.repo.named_ref("nope").expect("ref"), None);
    assert_eq!(t.repo.branch_tip("fork").expect("branches"), None);
    t.repo.create_branch("fork", &one).expect("branch");
    assert_eq!(
        t.repo.branch_tip("fork").expect("branches"),
        Some(one.clone())
    );
    assert!(t.repo.create_branch("fork", &one).is_err(), "exists");
    assert!(crate::git::valid_branch_name("feature/x"));
    for bad in ["", "-x", "a..b", "a b", "x.lock", "HEAD~1"] {
        assert!(!crate::git::valid_branch_name(bad), "{bad}");
    }
}
