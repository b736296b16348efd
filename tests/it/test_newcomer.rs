//! A newcomer and a container are not surprised. Outside a workspace nothing is
//! created; `init` writes a fix plan and says to commit; turn logs end with a footer; `claude`'s
//! refusal to run as root is warned about by `check` and explained when a turn fails on it.

use crate::common::TestEnv;

/// The one turn log under `logs/` whose path contains `actor`.
fn turn_log(env: &TestEnv, actor: &str) -> String {
    let list = env.baton(&["logs", "--list"]);
    list.expect_code(0);
    let path = list
        .stdout
        .lines()
        .find(|l| l.contains(&format!("/{actor}/")))
        .unwrap_or_else(|| panic!("no {actor} log in {}", list.stdout))
        .trim()
        .to_owned();
    std::fs::read_to_string(env.path(&path))
        .or_else(|_| std::fs::read_to_string(&path))
        .expect("read the log")
}

#[test]
fn outside_a_workspace_run_status_and_route_exit_2_and_create_nothing() {
    let env = TestEnv::bare();
    let searched = format!("no orchestration.yaml in {}", env.root.display());
    for args in [
        &["run", "--iterations", "1"][..],
        &["loop", "--iterations", "1"],
        &["supervisor", "--iterations", "1"],
        &["status"],
        &["route"],
    ] {
        let run = env.baton(args);
        run.expect_code(2);
        assert!(
            run.stderr.contains("not a Baton workspace"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(&searched), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("baton init"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            !run.stdout.contains("turn:"),
            "no made-up state: {}",
            run.stdout
        );
    }
    for created in ["sync", "logs", ".git/baton.lock"] {
        assert!(!env.path(created).exists(), "{created} was created");
    }
    assert!(env.calls().is_empty(), "nothing ran");
    let check = env.baton(&["check"]);
    assert!(
        check.stdout.contains("ok   config defaults"),
        "{}",
        check.stdout
    );
    assert!(
        !check.stderr.contains("not a Baton workspace"),
        "{}",
        check.stderr
    );
}

#[test]
fn outside_a_workspace_every_command_that_changes_a_run_exits_2_and_writes_nothing() {
    let env = TestEnv::new();
    let empty = tempfile::tempdir().expect("tempdir");
    let searched = format!("no orchestration.yaml in {}", empty.path().display());
    for args in [
        &["stop"][..],
        &["stop", "--reason", "bed time"],
        &["resume"],
        &["note", "look at the parser"],
        &["note", "hi", "--to", "ralph"],
        &["approve"],
        &["approve", "--note", "go"],
        &["reject", "--note", "split it"],
        &["stamp", "ralph", "ok"],
        &["run", "--iterations", "1"],
        &["loop"],
        &["supervisor"],
        &["status"],
        &["stats"],
        &["route"],
        &["watch", "--once"],
        &["history"],
        &["rewind", "1"],
        &["fork", "1", "--branch", "x"],
    ] {
        let mut cmd = env.baton_cmd(args);
        cmd.current_dir(empty.path());
        let run = crate::common::Run::from(cmd.output().expect("run baton"));
        run.expect_code(2);
        assert!(
            run.stderr
                .starts_with("baton: error: not a Baton workspace: ")
                && run.stderr.contains(&searched),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("baton: hint: run `baton init`"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        let left: Vec<_> = std::fs::read_dir(empty.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert!(left.is_empty(), "{args:?} wrote {left:?}");
    }
    assert!(env.calls().is_empty(), "nothing ran");
}

#[test]
fn init_writes_a_fix_plan_keeps_an_existing_one_and_says_to_commit() {
    let env = TestEnv::bare();
    std::fs::remove_dir_all(env.path("prompts")).expect("rm prompts");
    let run = env.baton(&["init"]);
    run.expect_code(0);
    assert!(env.read("docs/fix_plan.md").starts_with("# Fix plan"));
    assert!(
        run.stdout.contains("wrote docs/fix_plan.md"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("git add -A && git commit"),
        "{}",
        run.stdout
    );

    env.write("docs/fix_plan.md", "# my plan\n");
    let again = env.baton(&["init", "--force"]);
    again.expect_code(0);
    assert_eq!(
        env.read("docs/fix_plan.md"),
        "# my plan\n",
        "never overwritten"
    );
    assert!(
        again.stdout.contains("kept docs/fix_plan.md"),
        "{}",
        again.stdout
    );
}

#[test]
fn each_turn_log_ends_with_a_footer() {
    let env = TestEnv::new();
    env.hook("ralph", "echo working\nexit 7\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(1);
    let journal = env.journal();
    for (actor, outcome, exit) in [("galph", "ok", "0"), ("ralph", "failed", "7")] {
        let entry = journal
            .iter()
            .find(|j| j["actor"] == actor)
            .expect("journalled");
        let head = |k: &str| {
            let full = entry[k].as_str().expect("a full SHA in the journal");
            assert_eq!(full.len(), 40, "{k}: {full}");
            full[..7].to_owned()
        };
        let log = turn_log(&env, actor);
        let last = log.lines().last().unwrap_or_default();
        let expected_start = format!("== baton: outcome {outcome}, exit {exit}, ");
        let expected_end = format!("s, head {} -> {}", head("head_before"), head("head_after"));
        assert!(
            last.starts_with(&expected_start) && last.ends_with(&expected_end),
            "{actor}: {last:?}\n{log}"
        );
    }
}

#[test]
fn a_turn_that_fails_on_claudes_root_refusal_says_how_to_fix_it() {
    let env = TestEnv::new();
    env.hook(
        "galph",
        "echo '--dangerously-skip-permissions cannot be used with root/sudo privileges for \
         security reasons' >&2\nexit 1\n",
    );
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("baton: error: agent exited 1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("baton: hint: claude refuses --dangerously-skip-permissions as root")
            && run.stderr.contains("IS_SANDBOX=1"),
        "{}",
        run.stderr
    );
    env.hook("galph", "exit 1\n");
    let other = env.baton(&["run", "--iterations", "1"]);
    other.expect_code(1);
    assert!(
        !other.stderr.contains("IS_SANDBOX"),
        "only for that failure: {}",
        other.stderr
    );
}

#[test]
fn check_warns_about_claude_as_root_outside_a_sandbox() {
    let env = TestEnv::new();
    let agent = env.ctl.join("agent.sh");
    let yolo = format!(
        "agent:\n  default: yolo\n  heartbeat: 0\n  commands:\n    yolo: [sh, \"{}\", yolo, \
         --dangerously-skip-permissions]\n",
        agent.display()
    );
    env.write("orchestration.yaml", &yolo);
    let root = nix::unistd::geteuid().is_root() && nix::unistd::getuid().is_root();
    let plain = env.baton(&["check"]);
    plain.expect_code(0);
    assert_eq!(
        plain.stdout.contains("warn agent yolo: running as root"),
        root,
        "as root: {root}\n{}",
        plain.stdout
    );
    let mut sandboxed = env.baton_cmd(&["check"]);
    sandboxed.env("IS_SANDBOX", "1");
    let sandboxed = crate::common::Run::from(sandboxed.output().expect("run"));
    sandboxed.expect_code(0);
    assert!(!sandboxed.stdout.contains("warn"), "{}", sandboxed.stdout);
}
