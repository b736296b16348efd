//! Role mode's guards: wrong branch, an operation in progress, a pull that would overwrite local
//! files, a dirty tree after galph's turn, a second daemon on the same clone.

use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};

#[test]
fn role_wrong_branch_exits_2_before_anything() {
    let env = RoleEnv::new();
    let run = env.run_galph(&["--iterations", "1", "--branch", "other"]);
    run.expect_code(2);
    assert!(run.stderr.contains("other"), "{}", run.stderr);
    assert!(env.calls_empty());
    assert_eq!(env.remote_subjects(), ["seed"]);
    assert_eq!(env.galph.subjects(), ["seed"]);
}

#[test]
fn role_rebase_in_progress_exits_1_with_the_fix() {
    let env = RoleEnv::new();
    env.galph.write("conflict.txt", "galph's line\n");
    env.galph.commit_all("galph: local change");
    env.seed.write("conflict.txt", "person's line\n");
    env.seed.commit_all("person: conflicting change");
    env.seed.git(&["push", "-q", "origin", "main"]);
    env.galph.git(&["fetch", "-q"]);
    let rebase = env
        .galph
        .command("git")
        .args(["rebase", "origin/main"])
        .output()
        .expect("run git rebase");
    assert!(!rebase.status.success(), "the rebase stops on the conflict");
    assert!(
        env.galph.path(".git/rebase-merge").exists()
            || env.galph.path(".git/rebase-apply").exists()
    );

    let run = env.run_galph(&["--iterations", "1"]);
    run.expect_code(1);
    assert!(run.stderr.contains("git rebase --abort"), "{}", run.stderr);
    assert!(env.calls_empty());
    assert_eq!(env.remote_tip(), "person: conflicting change");
}

#[test]
fn role_pull_that_would_overwrite_an_untracked_file_exits_1_naming_it() {
    let env = RoleEnv::new();
    env.seed.hook(
        "galph",
        "mkdir -p reports; echo \"from galph\" > reports/notes.txt\n",
    );
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    assert_eq!(
        env.remote_file("reports/notes.txt").as_deref(),
        Some("from galph\n")
    );
    env.ralph.write("reports/notes.txt", "ralph's own notes\n");

    let run = env.run_ralph(&["--iterations", "1", "--max-wait", "10s"]);
    run.expect_code(1);
    assert!(run.stderr.contains("reports/notes.txt"), "{}", run.stderr);
    assert!(!run.stderr.contains("gave up waiting"), "{}", run.stderr);
    assert_eq!(
        env.ralph.read("reports/notes.txt"),
        "ralph's own notes\n",
        "untouched"
    );
    assert_eq!(env.prompts_called(), ["galph supervisor.md"]);
}

const DIRTY: &str = "mkdir -p src\necho 'fn x() {}' > src/x.rs\n";

#[test]
fn role_dirty_tree_after_galph_turn_fails_the_turn() {
    let env = RoleEnv::new();
    env.seed.hook("galph", DIRTY);
    let run = env.run_galph(&["--iterations", "1"]);
    run.expect_code(1);
    let state = env.remote_state();
    assert_eq!(state["status"], "failed", "{state:#}");
    assert_eq!(state["expected_actor"], "galph");
    let error = state["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("src/x.rs"), "{state:#}");
    assert!(env.remote_file("src/x.rs").is_none(), "not pushed");
}

#[test]
fn role_dirty_tree_after_galph_turn_passes_with_tolerate_dirty() {
    let env = RoleEnv::with_config("autocommit:\n  tolerate_dirty: true\n");
    env.seed.hook("galph", DIRTY);
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    let state = env.remote_state();
    assert_eq!(state["status"], "waiting-ralph", "{state:#}");
    assert_eq!(state["expected_actor"], "ralph");
}

#[test]
fn role_second_daemon_on_the_same_clone_refuses() {
    let env = RoleEnv::new();
    env.seed.hook("galph", WAIT_FOR_GO);
    let mut first = env.galph_daemon(&["--iterations", "1"]);
    env.wait_agent_started(&mut first, "galph");
    let second = env.run_galph(&["--iterations", "1"]);
    second.expect_code(1);
    assert!(second.stderr.contains("baton.lock"), "{}", second.stderr);
    env.touch("go");
    first.wait(DEADLINE).expect_code(0);
    assert_eq!(env.prompts_called(), ["galph supervisor.md"]);
    assert_eq!(env.remote_state()["status"], "waiting-ralph");
}
