use std::collections::BTreeSet;

use pretty_assertions::assert_eq;

use super::*;

fn board(files: &[(&str, &str)]) -> Board {
    Board::from_files(
        files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec())),
    )
}

fn ids(tasks: &[&Task]) -> Vec<String> {
    tasks.iter().map(|t| t.id.clone()).collect()
}

#[test]
fn open_tasks_wait_for_their_dependencies() {
    let b = board(&[
        ("a.md", "Write the parser\n"),
        ("b.md", "depends: [a]\nUse the parser\n"),
        ("c.md", "depends: a, done-one\nMore\n"),
        ("done/done-one.md", "old\n"),
        ("notes.txt", "ignored"),
        ("deep/x.md", "ignored"),
    ]);
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    assert_eq!(ids(&b.takeable(&BTreeSet::new())), ["a"]);
    assert_eq!(b.open["b"].depends, ["a"]);
    let mut after = b.clone();
    after.open.remove("a");
    after.done.insert("a".to_owned());
    assert_eq!(ids(&after.takeable(&BTreeSet::new())), ["b", "c"]);
    let busy = BTreeSet::from(["b".to_owned()]);
    assert_eq!(ids(&after.takeable(&busy)), ["c"]);
}

#[test]
fn cycles_and_unknown_ids_are_reported_and_never_taken() {
    let b = board(&[
        ("a.md", "depends: [b]\n"),
        ("b.md", "depends: [a]\n"),
        ("c.md", "depends: [nothing]\n"),
        ("d.md", "depends: [c]\n"),
        ("e.md", "free\n"),
        ("bad name.md", "x"),
        ("f.md", "depends: [../etc]\n"),
    ]);
    assert_eq!(ids(&b.takeable(&BTreeSet::new())), ["e"]);
    let lines = b.problem_lines().join("\n");
    assert!(
        lines.contains("tasks a → b depend on each other"),
        "{lines}"
    );
    assert!(lines.contains("task `c` depends on `nothing`"), "{lines}");
    assert!(lines.contains("`bad name.md` is not a task id"), "{lines}");
    assert!(
        lines.contains("task `f`: `depends:` names `../etc`"),
        "{lines}"
    );
}

#[test]
fn a_task_both_open_and_done_is_done() {
    let b = board(&[("a.md", "again"), ("done/a.md", "was")]);
    assert!(b.open.is_empty());
    assert!(b.done.contains("a"));
}

#[test]
fn task_ids_are_safe_branch_names() {
    for good in ["a", "fix-parser", "T12.v2", "x_y"] {
        assert!(is_task_id(good), "{good}");
    }
    for bad in [
        "",
        ".hidden",
        "-x",
        "a..b",
        "a/b",
        "x.lock",
        "é",
        &"x".repeat(65),
    ] {
        assert!(!is_task_id(bad), "{bad}");
    }
}

#[test]
fn oversized_tasks_are_reported() {
    let big = "x".repeat(TASK_MAX_BYTES + 1);
    let b = Board::from_files([("big.md".to_owned(), big.into_bytes())]);
    assert!(b.open.is_empty());
    assert!(matches!(b.problems[..], [Problem::TooLarge(_)]));
}
