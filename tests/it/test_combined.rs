//! Combined mode end to end.

use crate::common::TestEnv;

#[test]
fn combined_two_iterations_standard() {
    let env = TestEnv::new();
    env.hook(
        "ralph",
        "mkdir -p reports; echo \"report $BATON_ITERATION\" > \"reports/report-$BATON_ITERATION.md\"\n",
    );
    env.baton(&["run", "--iterations", "2"]).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        [
            "galph supervisor.md",
            "ralph main.md",
            "galph supervisor.md",
            "ralph main.md"
        ]
    );
    let state = env.state();
    assert_eq!(state["iteration"], 3);
    assert_eq!(state["expected_actor"], "galph");
    assert_eq!(state["status"], "complete");
    assert_eq!(state["last_prompt"], "main.md");
    let journal = env.journal();
    assert_eq!(journal.len(), 4);
    assert!(
        journal
            .iter()
            .all(|j| j["outcome"] == "ok" && j["agent"] == "stub")
    );
    assert_eq!(journal[1]["prompt"], "main.md");
    assert_eq!(journal[1]["source"], "deterministic");
    assert_eq!(
        journal[1]["files_changed"], 1,
        "reports/report-1.md: {}",
        journal[1]
    );
    assert_eq!(journal[1]["insertions"], 1);
    let subjects = env.subjects();
    assert!(
        subjects.contains(&"RALPH AUTO (prompt=main.md) (iter=00001): reports evidence".to_owned()),
        "{subjects:#?}"
    );
    let body = env.git(&["log", "-1", "--format=%B", "--grep", "iter=00002): reports"]);
    assert!(body.contains("Files:\n - reports/report-2.md"), "{body}");
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("[SYNC i=1] actor=galph → next=ralph status=ok"))
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("[SYNC i=3] actor=ralph → next=galph status=ok"))
    );
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "",
        "the workspace is left clean"
    );
    let log = env.root.join(journal[0]["log"].as_str().expect("log path"));
    let text = std::fs::read_to_string(&log).expect("turn log");
    assert!(text.starts_with("$ sh "), "{text}");
}

#[test]
fn review_cadence_every_two_over_three_iterations() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "3", "--review-every-n", "2"])
        .expect_code(0);
    assert_eq!(
        env.prompts_called(),
        [
            "galph supervisor.md",
            "ralph main.md",
            "galph reviewer.md",
            "ralph main.md",
            "galph supervisor.md",
            "ralph main.md"
        ]
    );
    let reasons: Vec<String> = env
        .journal()
        .iter()
        .map(|j| j["reason"].to_string())
        .collect();
    assert!(reasons[2].contains("review cadence 2%2==0"), "{reasons:?}");
}

#[test]
fn failed_ralph_turn_stops_and_resumes_with_ralph() {
    let env = TestEnv::new();
    env.hook("ralph", "exit 7\n");
    let run = env.baton(&["run", "--iterations", "2"]);
    run.expect_code(1);
    assert!(run.stderr.contains("agent exited 7"), "{}", run.stderr);
    let state = env.state();
    assert_eq!(state["status"], "failed");
    assert_eq!(state["expected_actor"], "ralph");
    assert_eq!(state["last_error"], "agent exited 7");
    assert_eq!(env.journal()[1]["outcome"], "failed");
    assert_eq!(env.journal()[1]["exit_code"], 7);
    assert!(
        env.subjects()
            .iter()
            .any(|s| s.starts_with("[SYNC i=1] actor=ralph status=fail"))
    );

    std::fs::remove_file(env.ctl.join("ralph.sh")).expect("remove hook");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let calls = env.prompts_called();
    assert_eq!(
        calls[2..],
        ["ralph main.md"],
        "the next run resumes with ralph"
    );
    assert_eq!(env.state()["iteration"], 2);
    assert_eq!(env.state()["last_error"], serde_json::Value::Null);
}

#[test]
fn exit_flag_stops_before_any_agent_runs() {
    let env = TestEnv::new();
    env.write(
        "sync/state.json",
        r#"{"iteration": 2, "expected_actor": "galph", "status": "complete", "exit": true, "exit_reason": "plan done"}"#,
    );
    let run = env.baton(&["run"]);
    run.expect_code(0);
    assert!(run.stdout.contains("plan done"), "{}", run.stdout);
    assert!(env.calls().is_empty());
}

#[test]
fn exit_flag_set_by_an_agent_stops_at_the_next_boundary() {
    let env = TestEnv::new();
    let set_flag = "sed -i 's/\"status\"/\"exit\": true, \"exit_reason\": \"galph says done\", \"status\"/' \"$BATON_STATE_FILE\"\n";
    env.hook("galph", set_flag);
    let run = env.baton(&["run", "--iterations", "5"]);
    run.expect_code(0);
    assert!(run.stdout.contains("galph says done"), "{}", run.stdout);
    assert_eq!(env.prompts_called(), ["galph supervisor.md"]);
    assert_eq!(env.state()["exit"], true, "the flag survives the stamp");
    assert_eq!(env.state()["status"], "waiting-ralph");
}

#[test]
fn commit_dry_run_prints_and_commits_nothing() {
    let env = TestEnv::new();
    env.hook("ralph", "echo r > notes.md\n");
    let before = env.subjects().len();
    let run = env.baton(&["run", "--iterations", "1", "--commit-dry-run"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("would commit: RALPH AUTO (prompt=main.md)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" - notes.md"), "{}", run.stdout);
    assert_eq!(env.subjects().len(), before);
}

#[test]
fn no_git_runs_without_commits() {
    let env = TestEnv::new();
    env.hook("ralph", "echo r > notes.md\n");
    let before = env.subjects().len();
    env.baton(&["run", "--iterations", "1", "--no-git"])
        .expect_code(0);
    assert_eq!(env.subjects().len(), before);
    assert_eq!(env.state()["iteration"], 2);
    assert_eq!(env.journal().len(), 2);
}

#[test]
fn an_agent_deleting_the_state_file_does_not_reset_the_workflow() {
    let env = TestEnv::new();
    env.write("sync/state.json", "{\"iteration\": 5}\n");
    env.hook("galph", "rm -f \"$BATON_STATE_FILE\"\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let state = env.state();
    assert_eq!(
        state["iteration"], 6,
        "stamped from the claimed state, not a fresh default"
    );
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "ralph main.md"]
    );
}

#[test]
fn a_workspace_in_a_subdirectory_keeps_its_rules_relative_to_itself() {
    let env = TestEnv::bare();
    let sub = env.root.join("tools/agents");
    std::fs::create_dir_all(sub.join("prompts")).expect("mkdir");
    for p in ["supervisor", "main", "reviewer"] {
        std::fs::write(sub.join(format!("prompts/{p}.md")), "PROMPT\n").expect("prompt");
    }
    std::fs::write(sub.join("orchestration.yaml"), env.stub_config("")).expect("config");
    env.commit_all("init");
    env.hook(
        "galph",
        "echo plan > input.md\nmkdir -p tmp\necho scratch > tmp/scratch.md\n",
    );
    let mut cmd = env.baton_cmd(&["run", "--iterations", "1"]);
    crate::common::Run::from(cmd.current_dir(&sub).output().expect("run")).expect_code(0);
    let files = env.git(&["log", "--name-only", "--format="]);
    assert!(files.contains("tools/agents/input.md"), "{files}");
    assert!(files.contains("tools/agents/sync/state.json"), "{files}");
    assert!(
        !files.contains("scratch.md"),
        "tmp/ is never committed: {files}"
    );
}
