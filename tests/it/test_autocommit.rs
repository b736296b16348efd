//! Auto-commit that is safe on a real project.

use crate::common::TestEnv;

fn last_subject_with(env: &TestEnv, needle: &str) -> Option<String> {
    env.subjects()
        .into_iter()
        .rev()
        .find(|s| s.contains(needle))
}

#[test]
fn the_engineers_source_edits_are_committed_as_its_work_not_as_reports() {
    let env = TestEnv::new();
    env.hook(
        "ralph",
        "mkdir -p src reports\necho 'x = 1' > src/lib.py\necho ok > reports/run.txt\n",
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(
        last_subject_with(&env, "work").as_deref(),
        Some("RALPH AUTO (prompt=main.md) (iter=00001): work")
    );
    let body = env.git(&["log", "-1", "--format=%B", "--grep", "): work"]);
    assert!(body.contains(" - src/lib.py"), "{body}");
    let reports = env.git(&["log", "-1", "--format=%B", "--grep", "reports evidence"]);
    assert!(reports.contains(" - reports/run.txt"), "{reports}");
    assert!(!reports.contains("src/lib.py"), "{reports}");
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn the_supervisors_source_edit_fails_its_turn_in_combined_mode() {
    let env = TestEnv::new();
    env.hook("galph", "mkdir -p src\necho 'x = 1' > src/lib.py\n");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(1);
    let state = env.state();
    assert_eq!(state["status"], "failed");
    let error = state["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("src/lib.py"), "{error}");
    let log = env.git(&["log", "--format=%B"]);
    assert!(!log.contains("src/lib.py"), "never committed: {log}");
}

#[test]
fn ignored_files_are_never_committed_unless_named() {
    let env = TestEnv::new();
    env.write(".gitignore", "logs/\n.aider*\nreports/*.tmp\n");
    env.commit_all("ignore chat history");
    env.hook(
        "ralph",
        "echo 'the whole prompt' > .aider.chat.history.md\nmkdir -p reports\necho t > reports/x.tmp\n",
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let tracked = env.git(&["ls-files"]);
    assert!(!tracked.contains(".aider.chat.history.md"), "{tracked}");
    assert!(!tracked.contains("reports/x.tmp"), "{tracked}");
    // Named explicitly: force-added as a report.
    let env = TestEnv::with_config("autocommit:\n  include_ignored: ['reports/*.tmp']\n");
    env.write(".gitignore", "logs/\nreports/*.tmp\n");
    env.commit_all("ignore tmp");
    env.hook("ralph", "mkdir -p reports\necho t > reports/x.tmp\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert!(env.git(&["ls-files"]).contains("reports/x.tmp"));
}

#[test]
fn dirt_from_before_the_turn_is_not_the_supervisors_doing() {
    let env = TestEnv::new();
    env.write("scratch/notes.txt", "a person's notes\n");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("left dirty: scratch/notes.txt"),
        "{}",
        run.stderr
    );
    let tracked = env.git(&["ls-files"]);
    assert!(
        !tracked.contains("scratch/notes.txt"),
        "not ralph's work: {tracked}"
    );
}

#[test]
fn the_python_tools_behaviour_stays_reachable() {
    let env = TestEnv::with_config(
        "report_extensions: [.py, .md]\nautocommit:\n  work: false\n  tolerate_dirty: true\n",
    );
    env.hook("galph", "mkdir -p src\necho 'x = 1' > src/lib.py\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(
        last_subject_with(&env, "reports").as_deref(),
        Some("SUPERVISOR AUTO (prompt=supervisor.md) (iter=00001): reports evidence")
    );
}
