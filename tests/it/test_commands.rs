//! Dispatch precedence, `check`, `init`, `status`, `logs`.

use crate::common::TestEnv;

fn agent_of_last_call(env: &TestEnv, args: &[&str]) -> String {
    let mut full = vec!["loop", "--iterations", "1", "--no-git"];
    full.extend_from_slice(args);
    env.baton(&full).expect_code(0);
    let calls = env.calls();
    let last = calls.last().expect("a call");
    last.split(' ').next().expect("agent name").to_owned()
}

#[test]
fn dispatch_precedence_each_level_overrides_the_one_below() {
    let env = TestEnv::new();
    assert_eq!(agent_of_last_call(&env, &[]), "stub", "agent.default");
    assert_eq!(
        agent_of_last_call(&env, &["--agent", "other"]),
        "other",
        "--agent"
    );
    env.write(
        "orchestration.yaml",
        &env.stub_config("  roles:\n    loop: third\n"),
    );
    assert_eq!(
        agent_of_last_call(&env, &["--agent", "other"]),
        "third",
        "agent.roles"
    );
    let both = "  roles:\n    ralph: third\n  prompts:\n    main.md: other\n";
    env.write("orchestration.yaml", &env.stub_config(both));
    assert_eq!(agent_of_last_call(&env, &[]), "other", "agent.prompts");
    assert_eq!(
        agent_of_last_call(&env, &["--agent-role", "ralph=stub"]),
        "stub",
        "--agent-role"
    );
    let top = [
        "--agent-role",
        "ralph=stub",
        "--agent-prompt",
        "main.md=third",
    ];
    assert_eq!(agent_of_last_call(&env, &top), "third", "--agent-prompt");
}

#[test]
fn environment_variable_overrides_the_file_and_the_flag_overrides_both() {
    let env = TestEnv::new();
    let run = |args: &[&str]| {
        let mut cmd = env.baton_cmd(args);
        cmd.env("BATON_AGENT_DEFAULT", "other");
        crate::common::Run::from(cmd.output().expect("run"))
    };
    run(&["loop", "--iterations", "1", "--no-git"]).expect_code(0);
    assert!(env.calls()[0].starts_with("other "), "{:?}", env.calls());
    run(&["loop", "--iterations", "1", "--no-git", "--agent", "third"]).expect_code(0);
    assert!(env.calls()[1].starts_with("third "), "{:?}", env.calls());
}

#[test]
fn check_passes_on_a_good_workspace_and_names_a_missing_prompt() {
    let env = TestEnv::new();
    let run = env.baton(&["check"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("ok   prompt galph supervisor.md"),
        "{}",
        run.stdout
    );
    std::fs::remove_file(env.path("prompts/main.md")).expect("rm");
    let run = env.baton(&["check"]);
    run.expect_code(2);
    assert!(
        run.stdout.contains("prompt `main.md` of ralph"),
        "{}",
        run.stdout
    );
}

#[test]
fn init_writes_a_workspace_and_refuses_to_overwrite() {
    let env = TestEnv::bare();
    std::fs::remove_dir_all(env.path("prompts")).expect("rm prompts");
    env.baton(&["init"]).expect_code(0);
    for f in [
        "orchestration.yaml",
        "prompts/supervisor.md",
        "prompts/router.md",
        "sync/state.json",
    ] {
        assert!(env.path(f).is_file(), "{f}");
    }
    assert!(env.read(".gitignore").lines().any(|l| l == "logs/"));
    assert_eq!(env.state()["expected_actor"], "galph");
    env.write("prompts/main.md", "mine\n");
    let run = env.baton(&["init"]);
    run.expect_code(2);
    assert!(run.stderr.contains("prompts/main.md"), "{}", run.stderr);
    assert_eq!(env.read("prompts/main.md"), "mine\n");
    env.baton(&["init", "--force"]).expect_code(0);
    assert_ne!(env.read("prompts/main.md"), "mine\n");
    let run = env.baton(&["route"]);
    run.expect_code(0);
}

#[test]
fn status_json_reports_state_lease_and_last_turns() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let run = env.baton(&["status", "--json"]);
    run.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["state"]["iteration"], 2);
    assert_eq!(v["state"]["expected_actor"], "galph");
    assert_eq!(v["last_turns"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["last_turns"][1]["actor"], "ralph");
    let text = env.baton(&["status"]);
    text.expect_code(0);
    assert!(text.stdout.contains("turn:      galph"), "{}", text.stdout);
}

#[test]
fn logs_show_the_turn_output() {
    let env = TestEnv::new();
    env.hook("ralph", "echo hello-from-ralph\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let run = env.baton(&["logs", "--actor", "ralph"]);
    run.expect_code(0);
    assert!(run.stdout.contains("hello-from-ralph"), "{}", run.stdout);
    let list = env.baton(&["logs", "--list"]);
    assert_eq!(list.stdout.lines().count(), 2, "{}", list.stdout);
    assert!(
        list.stdout.contains("/main/galph/iter-00001_"),
        "{}",
        list.stdout
    );
}

#[test]
fn quiet_keeps_agent_output_out_of_the_console_but_in_the_log() {
    let env = TestEnv::new();
    env.hook("ralph", "echo hello-quiet\n");
    let run = env.baton(&["loop", "--iterations", "1", "-q"]);
    run.expect_code(0);
    assert!(!run.stdout.contains("hello-quiet"), "{}", run.stdout);
    let logs = env.baton(&["logs", "--actor", "ralph"]);
    assert!(logs.stdout.contains("hello-quiet"), "{}", logs.stdout);
}

#[test]
fn logs_follow_prints_the_newest_log_as_it_grows() {
    use std::io::Read as _;
    let env = TestEnv::new();
    env.hook("ralph", "echo first-turn\n");
    env.baton(&["loop", "--iterations", "1"]).expect_code(0);
    let mut follow = env
        .baton_cmd(&["logs", "--follow"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = follow.stdout.take().expect("stdout");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .expect("lock")
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let has = |s: &str| seen.lock().expect("lock").contains(s);
    crate::common::wait_for(20, "the existing log", || has("first-turn"));
    env.hook("ralph", "echo second-turn\n");
    env.baton(&["loop", "--iterations", "1"]).expect_code(0);
    crate::common::wait_for(20, "the new log", || has("second-turn"));
    follow.kill().expect("kill");
    follow.wait().expect("wait");
}

/// `agent.timeout` defaults to 2h (an offline agent that never exits is ended); `0` turns it
/// off, in the file or the environment, and a turn then runs without a limit.
#[test]
fn agent_timeout_defaults_to_two_hours_and_zero_turns_it_off() {
    let env = TestEnv::new();
    let check = env.baton(&["check"]);
    assert!(
        check
            .stdout
            .contains("ok   limits agent.timeout 2h, agent.heartbeat none"),
        "{}",
        check.stdout
    );
    let off = TestEnv::with_config("  timeout: 0\n");
    let check = off.baton(&["check"]);
    assert!(
        check.stdout.contains("agent.timeout none"),
        "{}",
        check.stdout
    );
    off.baton(&["run", "--iterations", "1"]).expect_code(0);
    let by_env = env
        .baton_cmd(&["check"])
        .env("BATON_AGENT_TIMEOUT", "0")
        .output()
        .expect("check");
    assert!(String::from_utf8_lossy(&by_env.stdout).contains("agent.timeout none"));
}

#[test]
fn a_start_while_the_stop_flag_is_set_says_once_why_and_how_to_resume() {
    let env = TestEnv::new();
    env.baton(&["stop", "--reason", "enough for today"])
        .expect_code(0);
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout
            .matches("stop flag set in the state: enough for today")
            .count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("baton: hint: the stop flag stays set and every start stops here; `baton resume` clears it"),
        "{}",
        run.stderr
    );
    assert!(env.calls().is_empty(), "nothing ran");
    env.baton(&["resume"]).expect_code(0);
    let again = env.baton(&["run", "--iterations", "1"]);
    again.expect_code(0);
    assert!(!again.stderr.contains("hint"), "{}", again.stderr);
    assert_eq!(env.calls().len(), 2);
}

#[test]
fn galphs_dirty_guard_failure_says_what_to_do() {
    let env = TestEnv::new();
    env.hook("galph", "echo 'planned in code' > src.rs\n");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "baton: error: dirty paths outside the auto-commit rules after galph's turn: src.rs"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("baton: hint: galph plans and reviews: its turn may change reports and doc/meta files only"),
        "{}",
        run.stderr
    );
}

#[test]
fn zero_iterations_is_a_usage_error_and_runs_nothing() {
    let env = TestEnv::new();
    for command in ["run", "loop", "supervisor", "demo"] {
        let run = env.baton(&[command, "--iterations", "0"]);
        run.expect_code(2);
        assert!(
            run.stderr.contains("0 would run nothing; give 1 or more"),
            "{command}: {}",
            run.stderr
        );
    }
    assert!(!env.path("sync").exists(), "nothing written");
    assert!(!env.path("logs").exists(), "nothing written");
    assert!(env.calls().is_empty(), "nothing ran");
}
