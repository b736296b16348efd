//! Tests for auto-commit messages and for applying plans in real repositories.

use pretty_assertions::assert_eq;

use super::*;
use crate::git::testutil::{ANY_TURN, TestRepo, spec_defaults, strings};

#[test]
fn subjects_and_bodies_have_the_exact_text() {
    let g = CommitGroup {
        kind: GroupKind::Reports,
        paths: strings(&["a.md", "reports/b.log"]),
    };
    assert_eq!(
        commit_message(Actor::GALPH, "supervisor.md", 7, &g),
        "SUPERVISOR AUTO (prompt=supervisor.md) (iter=00007): reports evidence\n\
         \n\
         Files:\n - a.md\n - reports/b.log\n"
    );
    let subject = |kind| commit_subject(Actor::RALPH, "main.md", 123_456, kind);
    assert_eq!(
        subject(GroupKind::TrackedOutputs),
        "RALPH AUTO (prompt=main.md) (iter=123456): tracked outputs"
    );
    assert_eq!(
        subject(GroupKind::DocMeta),
        "RALPH AUTO (prompt=main.md) (iter=123456): doc/meta hygiene"
    );
    assert_eq!(
        subject(GroupKind::Remaining),
        "RALPH AUTO (prompt=main.md) (iter=123456): remaining changes"
    );
}

#[test]
fn apply_plan_commits_each_group_in_order() {
    let t = TestRepo::new();
    t.write(".gitignore", b"*.log\n");
    t.write("keep.txt", b"base\n");
    t.commit_all("base");
    t.write("reports/run.log", b"evidence\n");
    t.write(".gitignore", b"*.log\ntarget/\n");
    t.write("src/wip.rs", b"fn main() {}\n");
    let dirty = t.repo.dirty_paths().expect("status");
    let plan = plan_autocommit(&dirty, &spec_defaults(), &[], ANY_TURN);
    assert_eq!(plan.dirty_left, strings(&["src/wip.rs"]));
    let subjects = apply_plan(
        &t.repo,
        &plan,
        Actor::RALPH,
        "main.md",
        3,
        false,
        &crate::events::Events::console(),
    )
    .expect("apply");
    assert_eq!(
        subjects,
        strings(&[
            "RALPH AUTO (prompt=main.md) (iter=00003): reports evidence",
            "RALPH AUTO (prompt=main.md) (iter=00003): doc/meta hygiene",
        ])
    );
    assert_eq!(t.commit_count(), 3);
    assert_eq!(
        t.message_at(0),
        "RALPH AUTO (prompt=main.md) (iter=00003): doc/meta hygiene\n\nFiles:\n - .gitignore\n"
    );
    assert_eq!(
        t.message_at(1),
        "RALPH AUTO (prompt=main.md) (iter=00003): reports evidence\n\nFiles:\n - reports/run.log\n"
    );
    assert_eq!(
        t.head_files(),
        strings(&[".gitignore", "keep.txt", "reports/run.log"])
    );
    let left: Vec<String> = t
        .repo
        .dirty_paths()
        .expect("status")
        .into_iter()
        .map(|d| d.path)
        .collect();
    assert_eq!(left, strings(&["src/wip.rs"]));
}

#[test]
fn apply_plan_dry_run_commits_nothing() {
    let t = TestRepo::new();
    t.write("a.md", b"x\n");
    let dirty = t.repo.dirty_paths().expect("status");
    let plan = plan_autocommit(&dirty, &spec_defaults(), &[], ANY_TURN);
    let subjects = apply_plan(
        &t.repo,
        &plan,
        Actor::GALPH,
        "supervisor.md",
        0,
        true,
        &crate::events::Events::console(),
    )
    .expect("dry run");
    assert_eq!(
        subjects,
        strings(&["SUPERVISOR AUTO (prompt=supervisor.md) (iter=00000): reports evidence"])
    );
    assert_eq!(t.commit_count(), 0);
    assert_eq!(t.repo.head_id().expect("head"), None);
}
