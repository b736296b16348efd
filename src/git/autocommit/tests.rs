//! Tests for the pure auto-commit planner.

use pretty_assertions::assert_eq;

use super::*;
use crate::git::testutil::{ANY_TURN, spec_defaults, strings};

const MIB: u64 = 1024 * 1024;

fn new_file(path: &str, size: u64) -> DirtyPath {
    DirtyPath {
        path: path.to_owned(),
        tracked: false,
        ignored: false,
        deleted: false,
        size,
        modified: None,
        special: None,
    }
}

fn modified(path: &str, size: u64) -> DirtyPath {
    DirtyPath {
        tracked: true,
        ..new_file(path, size)
    }
}

fn ignored(path: &str, size: u64) -> DirtyPath {
    DirtyPath {
        ignored: true,
        ..new_file(path, size)
    }
}

fn deleted(path: &str) -> DirtyPath {
    DirtyPath {
        deleted: true,
        ..modified(path, 0)
    }
}

fn group(kind: GroupKind, paths: &[&str]) -> CommitGroup {
    CommitGroup {
        kind,
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
    }
}

#[test]
fn reports_take_new_and_modified_files_with_report_extensions() {
    let dirty = [
        new_file("out/Plot.PNG", 10),
        modified("notes.md", 10),
        ignored("reports/run.log", 10),
        new_file("src/main.rs", 10),
        deleted("old.txt"),
        ignored("build.o", 10),
    ];
    let plan = plan_autocommit(&dirty, &spec_defaults(), &[], ANY_TURN);
    let want = group(
        GroupKind::Reports,
        &["notes.md", "out/Plot.PNG", "reports/run.log"],
    );
    assert_eq!(plan.groups, vec![want]);
    assert_eq!(plan.dirty_left, strings(&["old.txt", "src/main.rs"]));
    assert!(plan.warnings.is_empty());
}

#[test]
fn report_globs_restrict_reports_when_given() {
    let mut rules = spec_defaults();
    rules.report_globs = strings(&["reports/**"]);
    let dirty = [new_file("reports/a/b.txt", 1), new_file("scratch.txt", 1)];
    let plan = plan_autocommit(&dirty, &rules, &[], ANY_TURN);
    assert_eq!(
        plan.groups,
        vec![group(GroupKind::Reports, &["reports/a/b.txt"])]
    );
    assert_eq!(plan.dirty_left, strings(&["scratch.txt"]));
}

#[test]
fn report_caps_skip_files_with_warnings() {
    let dirty = [
        new_file("a.npy", 4 * MIB),
        new_file("b.npy", 6 * MIB),
        new_file("c.npy", 5 * MIB),
        new_file("d.npy", 5 * MIB),
        new_file("e.npy", 5 * MIB),
        new_file("f.txt", 1),
        new_file("g.npy", 2 * MIB),
    ];
    let plan = plan_autocommit(&dirty, &spec_defaults(), &[], ANY_TURN);
    let want = group(
        GroupKind::Reports,
        &["a.npy", "c.npy", "d.npy", "e.npy", "f.txt"],
    );
    assert_eq!(plan.groups, vec![want]);
    assert_eq!(plan.dirty_left, strings(&["b.npy", "g.npy"]));
    assert_eq!(
        plan.warnings,
        strings(&[
            "reports evidence: skipped `b.npy` (6291456 bytes): \
             over `autocommit.report_max_file_bytes` (5242880)",
            "reports evidence: skipped `g.npy` (2097152 bytes): \
             the turn's total would exceed `autocommit.report_max_total_bytes` (20971520)",
        ])
    );
}

#[test]
fn capped_files_stay_dirty_even_with_everything() {
    let mut rules = spec_defaults();
    rules.everything = true;
    let plan = plan_autocommit(&[new_file("huge.log", 6 * MIB)], &rules, &[], ANY_TURN);
    assert!(plan.groups.is_empty());
    assert_eq!(plan.dirty_left, strings(&["huge.log"]));
    assert_eq!(plan.warnings.len(), 1);
}

#[test]
fn tracked_outputs_need_tracked_modified_fixtures() {
    let dirty = [
        modified("tests/fixtures/a/b.npz", 10),
        new_file("tests/fixtures/new.npz", 10),
        modified("tests/fixtures/model.pkl", 33 * MIB),
        modified("other/c.npz", 10),
        DirtyPath {
            deleted: true,
            ..modified("tests/fixtures/gone.npz", 0)
        },
    ];
    let plan = plan_autocommit(&dirty, &spec_defaults(), &[], ANY_TURN);
    let want = group(GroupKind::TrackedOutputs, &["tests/fixtures/a/b.npz"]);
    assert_eq!(plan.groups, vec![want]);
    let left = [
        "other/c.npz",
        "tests/fixtures/gone.npz",
        "tests/fixtures/model.pkl",
        "tests/fixtures/new.npz",
    ];
    assert_eq!(plan.dirty_left, strings(&left));
    assert_eq!(plan.warnings.len(), 1);
    assert!(plan.warnings[0].contains("`autocommit.tracked_max_file_bytes`"));
}

#[test]
fn tracked_json_fixture_goes_to_reports_first() {
    let plan = plan_autocommit(
        &[modified("tests/fixtures/x.json", 1)],
        &spec_defaults(),
        &[],
        ANY_TURN,
    );
    assert_eq!(
        plan.groups,
        vec![group(GroupKind::Reports, &["tests/fixtures/x.json"])]
    );
}

#[test]
fn doc_meta_takes_whitelisted_paths_and_deletions() {
    let mut rules = spec_defaults();
    rules.reports = false;
    rules.include_ignored = Vec::new();
    let dirty = [
        new_file("plans/a.md", 10),
        new_file("plans/x/y.md", 10),
        new_file("plans/x/y.txt", 10),
        deleted("prompts/old.md"),
        modified(".gitignore", 10),
        new_file("input.md", 2 * MIB),
        new_file("sub/input.md", 10),
        ignored("galph_memory.md", 10),
    ];
    let plan = plan_autocommit(&dirty, &rules, &[], ANY_TURN);
    let want = group(
        GroupKind::DocMeta,
        &[".gitignore", "plans/a.md", "plans/x/y.md", "prompts/old.md"],
    );
    assert_eq!(plan.groups, vec![want]);
    assert_eq!(
        plan.dirty_left,
        strings(&["input.md", "plans/x/y.txt", "sub/input.md"])
    );
    assert_eq!(
        plan.warnings,
        strings(&["doc/meta hygiene: skipped `input.md` (2097152 bytes): \
                   over `autocommit.doc_max_file_bytes` (1048576)"])
    );
}

#[test]
fn steps_run_in_order_and_everything_takes_the_rest() {
    let mut rules = spec_defaults();
    rules.everything = true;
    let dirty = [
        new_file("src/lib.rs", 10),
        modified("tests/fixtures/f.npz", 10),
        deleted("docs/fix_plan.md"),
        new_file("report.md", 10),
        ignored("target.o", 10),
    ];
    let plan = plan_autocommit(&dirty, &rules, &[], ANY_TURN);
    let want = vec![
        group(GroupKind::Reports, &["report.md"]),
        group(GroupKind::TrackedOutputs, &["tests/fixtures/f.npz"]),
        group(GroupKind::DocMeta, &["docs/fix_plan.md"]),
        group(GroupKind::Remaining, &["src/lib.rs"]),
    ];
    assert_eq!(plan.groups, want);
    assert!(plan.dirty_left.is_empty());
}

#[test]
fn never_prefixes_and_excludes_are_never_taken() {
    let mut rules = spec_defaults();
    rules.everything = true;
    let dirty = [
        new_file("logs/main/iter-00001.log", 10),
        ignored("tmp/scratch.md", 10),
        modified("tmp/tracked.txt", 10),
        new_file("logsbook.md", 10),
        modified("sync/state.json", 10),
        modified("sync/journal.jsonl", 10),
    ];
    let exclude = strings(&["sync/state.json", "sync/journal.jsonl"]);
    let plan = plan_autocommit(&dirty, &rules, &exclude, ANY_TURN);
    assert_eq!(
        plan.groups,
        vec![group(GroupKind::Reports, &["logsbook.md"])]
    );
    assert_eq!(plan.dirty_left, strings(&["tmp/tracked.txt"]));
}

#[test]
fn disabled_steps_take_nothing() {
    let mut rules = spec_defaults();
    rules.reports = false;
    rules.tracked_outputs = false;
    rules.doc_meta = false;
    let dirty = [
        new_file("a.md", 1),
        modified("tests/fixtures/b.npz", 1),
        new_file("input.md", 1),
    ];
    let plan = plan_autocommit(&dirty, &rules, &[], ANY_TURN);
    assert!(plan.groups.is_empty());
    assert_eq!(
        plan.dirty_left,
        strings(&["a.md", "input.md", "tests/fixtures/b.npz"])
    );
}

#[test]
fn an_invalid_glob_is_reported_and_dropped() {
    let mut rules = spec_defaults();
    rules.reports = false;
    rules.doc_whitelist = strings(&["input.md", "plans/[a.md"]);
    let plan = plan_autocommit(&[new_file("input.md", 1)], &rules, &[], ANY_TURN);
    assert_eq!(plan.groups, vec![group(GroupKind::DocMeta, &["input.md"])]);
    assert_eq!(plan.warnings.len(), 1);
    assert!(
        plan.warnings[0]
            .starts_with("ignored invalid glob `plans/[a.md` in `autocommit.doc_whitelist`")
    );
}

/// The defaults are safe on a real project. Reports are files under `reports/` (any extension);
/// source edits are never "reports"; ignored files are never added unless named; what ralph
/// changed during its turn is its `work`; what galph changed outside the rules is reported for
/// its guard; dirt older than the turn is left alone.
#[test]
fn defaults_commit_reports_work_and_guard_the_supervisor() {
    let rules = crate::config::Config::defaults(std::path::Path::new("/ws")).autocommit;
    let start = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000);
    let at = |secs| Some(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs));
    let during = |d: DirtyPath| DirtyPath {
        modified: at(1001),
        ..d
    };
    let dirty = [
        during(new_file("reports/bench.csv", 10)),
        during(modified("src/lib.py", 10)),
        during(new_file("tools/run.sh", 10)),
        during(ignored(".chat_history.md", 10)),
        during(ignored("reports/raw.log", 10)),
        during(modified("docs/fix_plan.md", 10)),
        DirtyPath {
            modified: at(999),
            ..new_file("notes-from-before.txt", 10)
        },
    ];
    let ralph = TurnOf {
        actor: Actor::RALPH,
        work: true,
        since: Some(start),
    };
    let plan = plan_autocommit(&dirty, &rules, &[], ralph);
    assert_eq!(
        plan.groups,
        vec![
            group(GroupKind::Reports, &["reports/bench.csv"]),
            group(GroupKind::DocMeta, &["docs/fix_plan.md"]),
            group(GroupKind::Work, &["src/lib.py", "tools/run.sh"]),
        ]
    );
    assert_eq!(plan.dirty_left, strings(&["notes-from-before.txt"]));
    assert!(plan.turn_left.is_empty());
    let galph = TurnOf {
        actor: Actor::GALPH,
        work: false,
        since: Some(start),
    };
    let plan = plan_autocommit(&dirty, &rules, &[], galph);
    assert_eq!(
        plan.groups,
        vec![
            group(GroupKind::Reports, &["reports/bench.csv"]),
            group(GroupKind::DocMeta, &["docs/fix_plan.md"]),
        ]
    );
    assert_eq!(plan.turn_left, strings(&["src/lib.py", "tools/run.sh"]));
    assert_eq!(
        plan.dirty_left,
        strings(&["notes-from-before.txt", "src/lib.py", "tools/run.sh"])
    );
    let mut named = rules.clone();
    named.include_ignored = strings(&["reports/*.log"]);
    let plan = plan_autocommit(&dirty, &named, &[], galph);
    assert_eq!(
        plan.groups[0],
        group(
            GroupKind::Reports,
            &["reports/bench.csv", "reports/raw.log"]
        )
    );
}

#[test]
fn files_git_cannot_commit_are_skipped_with_a_warning() {
    let dirty = [
        DirtyPath {
            special: Some("FIFO"),
            ..modified("prompts/main.md", 0)
        },
        DirtyPath {
            special: Some("socket"),
            ..new_file("agent.sock", 0)
        },
        new_file("out/plot.png", 10),
    ];
    let plan = plan_autocommit(&dirty, &spec_defaults(), &[], ANY_TURN);
    let taken: Vec<&str> = plan
        .groups
        .iter()
        .flat_map(|g| g.paths.iter().map(String::as_str))
        .collect();
    assert_eq!(taken, ["out/plot.png"]);
    assert_eq!(
        plan.dirty_left,
        strings(&["prompts/main.md"]),
        "tracked: left dirty"
    );
    assert_eq!(plan.warnings.len(), 2, "{:?}", plan.warnings);
    assert!(plan.warnings[0].contains("`prompts/main.md`") && plan.warnings[0].contains("FIFO"));
}
