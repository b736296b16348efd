//! The router override: modes and every output-contract violation.

use crate::common::TestEnv;

/// A workspace whose router prompt runs through agent `other`, answering from `ctl/answer`.
fn router_env(mode: &str, allowlist: &str) -> TestEnv {
    let extra = format!(
        "  prompts:\n    router.md: other\nrouter:\n  enabled: true\n  mode: {mode}\n  allowlist: {allowlist}\n"
    );
    let env = TestEnv::with_config(&extra);
    env.hook("other-galph", "cat \"$TEST_CTL/answer\"\n");
    env
}

#[test]
fn router_only_galph_runs_the_routers_choice_ralph_stays_deterministic() {
    let env = router_env("only", "[supervisor.md, reviewer.md]");
    std::fs::write(env.ctl.join("answer"), "reviewer\n").expect("answer");
    env.baton(&["run", "--iterations", "2"]).expect_code(0);
    assert_eq!(
        env.calls(),
        [
            "other galph router.md",
            "stub galph reviewer.md",
            "stub ralph main.md",
            "other galph router.md",
            "stub galph reviewer.md",
            "stub ralph main.md"
        ]
    );
    let journal = env.journal();
    assert_eq!(journal[0]["source"], "router");
    assert_eq!(journal[1]["source"], "deterministic");
}

#[test]
fn router_default_replaces_the_deterministic_choice() {
    let env = router_env("router-default", "[supervisor.md, reviewer.md]");
    std::fs::write(env.ctl.join("answer"), "reviewer.md").expect("answer");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(env.prompts_called()[1], "galph reviewer.md");
}

#[test]
fn router_disabled_by_flag_is_deterministic() {
    let env = router_env("only", "[supervisor.md, reviewer.md]");
    env.baton(&["run", "--iterations", "1", "--no-router"])
        .expect_code(0);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "ralph main.md"]
    );
}

#[test]
fn every_router_violation_fails_the_turn_with_exit_1() {
    let cases: &[(&str, &str)] = &[
        ("supervisor.md\nreviewer.md\n", "2 lines"),
        ("../x\n", "`..`"),
        ("/etc/reviewer.md\n", "absolute"),
        ("main\n", "not in router.allowlist"),
        ("ghost\n", "does not exist"),
        ("  \n\n", "empty"),
        ("EXIT", "router agent failed: agent exited 3"),
        ("bell\u{7}\n", "control characters"),
    ];
    for (answer, expected) in cases {
        let env = router_env("only", "[supervisor.md, reviewer.md, ghost.md, bell.md]");
        if *answer == "EXIT" {
            env.hook("other-galph", "exit 3\n");
        } else {
            std::fs::write(env.ctl.join("answer"), answer).expect("answer");
        }
        let run = env.baton(&["run", "--iterations", "1"]);
        // The router ran, so the turn is stamped: exit 2 is kept for "nothing was written".
        run.expect_code(1);
        let state = env.state();
        assert_eq!(state["status"], "failed", "{answer:?}");
        assert_eq!(state["expected_actor"], "galph");
        let error = state["last_error"].as_str().unwrap_or_default().to_owned();
        assert!(error.starts_with("router: "), "{answer:?}: {error}");
        assert!(error.contains(expected), "{answer:?}: {error}");
        assert!(run.stderr.contains(expected), "{answer:?}: {}", run.stderr);
        assert_eq!(
            env.calls(),
            ["other galph router.md"],
            "{answer:?}: no turn agent ran"
        );
        assert_eq!(env.journal()[0]["outcome"], "failed");
    }
}

#[test]
fn router_only_without_a_router_prompt_is_a_usage_error_and_writes_nothing() {
    let env = TestEnv::with_config("router:\n  enabled: true\n  mode: only\n  prompt: null\n");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(2);
    assert!(run.stderr.contains("no router prompt"), "{}", run.stderr);
    assert!(!env.path("sync/state.json").exists(), "no state written");
    assert!(
        !env.path("sync/journal.jsonl").exists(),
        "no journal written"
    );
    assert_eq!(env.subjects(), ["init"], "no commit");
    assert!(env.calls().is_empty());
}

#[test]
fn route_prints_the_next_decisions() {
    let env = TestEnv::new();
    let run = env.baton(&["route", "--next", "4", "--review-every-n", "2"]);
    run.expect_code(2); // route takes no run flags
    let run = env.baton(&["route", "--next", "4"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(lines[0].starts_with("[router] iteration=1 actor=galph prompt=supervisor.md"));
    assert!(lines[3].starts_with("[router] iteration=2 actor=ralph prompt=main.md"));
    assert!(env.calls().is_empty());
}

#[test]
fn sigint_during_the_router_prompt_is_an_interruption_not_a_router_error() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let env = router_env("only", "[supervisor.md, reviewer.md]");
    env.hook(
        "other-galph",
        "echo $$ > \"$TEST_CTL/router.pid\"\nsleep 300\n",
    );
    let mut baton = env
        .baton_cmd(&["run", "--iterations", "1"])
        .spawn()
        .expect("spawn");
    let pid_file = env.ctl.join("router.pid");
    crate::common::wait_for(30, "the router agent", || {
        crate::common::read_pid(&pid_file) > 0
    });
    let pid = Pid::from_raw(i32::try_from(baton.id()).expect("pid"));
    kill(pid, Signal::SIGINT).expect("signal");
    assert_eq!(baton.wait().expect("wait").code(), Some(130));
    let state = env.state();
    assert_eq!(state["status"], "failed");
    assert_eq!(state["last_error"], "interrupted");
    assert_eq!(env.journal()[0]["outcome"], "interrupted");
}
