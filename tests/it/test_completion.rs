//! The completion contract: the supervisor's final message ends with the promise; the claim
//! counts only when every verify command passes (stop, exit 0, `complete:`), otherwise the
//! loop goes on and the next turn is told why.

use crate::common::TestEnv;
use crate::event_log::{events, of_kind};

fn workspace(verify: &str) -> TestEnv {
    let env = TestEnv::bare();
    let ctl = env.ctl.display().to_string();
    env.write(
        "orchestration.yaml",
        &format!(
            "agent:\n  default: worker\n  heartbeat: 0\n  roles:\n    galph: planner\n  commands:\n    \
             planner: [sh, -c, 'cat > /dev/null; echo \"All tasks are done.\"; echo \"<promise>COMPLETE</promise>\"']\n    \
             worker: [sh, -c, 'cat > \"{ctl}/ralph-prompt.txt\"; echo \"$BATON_VERIFY_LOG\" > \"{ctl}/verify-log\"']\n\
             completion:\n  verify:\n{verify}\
             notify:\n  command: [sh, -c, 'echo \"$BATON_EVENT\" >> \"{ctl}/notified\"']\n"
        ),
    );
    env.commit_all("init");
    env
}

#[test]
fn a_promise_whose_checks_pass_stops_the_run_as_complete() {
    let env = workspace("    - [sh, -c, 'echo checking; exit 0']\n");
    let run = env.baton(&["run", "--iterations", "3"]);
    run.expect_code(0);
    let journal = env.journal();
    assert_eq!(journal.len(), 1, "nothing runs after a verified claim");
    assert_eq!(journal[0]["completion"]["verified"], true);
    let state = env.state();
    assert!(
        state["exit_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("complete:")),
        "{state:#}"
    );
    assert!(
        run.stdout.contains("stop flag set in the state: complete:"),
        "{}",
        run.stdout
    );
    let notified = std::fs::read_to_string(env.ctl.join("notified")).unwrap_or_default();
    assert_eq!(notified.trim(), "complete");
    let events = events(&env);
    let completed = of_kind(&events, "completed");
    assert_eq!(completed.len(), 1, "{events:#?}");
    assert_eq!(
        completed[0]["actor"], "galph",
        "the first turn made the promise"
    );
    assert_eq!(of_kind(&events, "stopped")[0]["why"], "complete");
}

#[test]
fn a_promise_whose_check_fails_goes_on_and_tells_the_next_turn() {
    let env = workspace("    - [sh, -c, 'echo the build is broken; exit 3']\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let journal = env.journal();
    assert_eq!(journal.len(), 2, "ralph's turn ran");
    let completion = &journal[0]["completion"];
    assert_eq!(completion["verified"], false);
    assert_eq!(completion["exit_code"], 3);
    assert!(
        completion["failed"]
            .as_str()
            .is_some_and(|c| c.contains("exit 3"))
    );
    let prompt = std::fs::read_to_string(env.ctl.join("ralph-prompt.txt")).expect("prompt");
    assert!(
        prompt.contains("completion claim in iteration 1 was rejected"),
        "{prompt}"
    );
    let log = std::fs::read_to_string(env.ctl.join("verify-log")).expect("env");
    let text = std::fs::read_to_string(log.trim()).expect("verify log");
    assert!(text.contains("the build is broken"), "{text}");
    assert!(env.state()["exit"].is_null(), "no stop");
}

/// Engineer turns that change nothing for `stuck.iterations` iterations stop the loop (exit
/// 4, `stuck:`); `baton resume` clears the flag.
#[test]
fn a_loop_that_changes_nothing_stops_as_stuck_and_resume_clears_it() {
    let env = TestEnv::with_config("stuck:\n  iterations: 2\n");
    let run = env.baton(&["run", "--iterations", "5"]);
    run.expect_code(4);
    assert!(
        run.stderr
            .contains("baton: stopped: stuck: ralph changed no file in the last 2 iteration(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(env.journal().len(), 4, "two iterations ran");
    let events = events(&env);
    assert_eq!(of_kind(&events, "stuck_detected").len(), 1, "{events:#?}");
    assert_eq!(of_kind(&events, "stopped")[0]["why"], "stuck");
    assert!(
        env.state()["exit_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("stuck:"))
    );
    env.baton(&["resume"]).expect_code(0);
    assert!(env.state()["exit"].is_null(), "the flag is cleared");
    assert!(env.subjects().last().is_some_and(|s| s.ends_with("resume")));
}

#[test]
fn after_resume_the_loop_gets_its_iterations_again() {
    let env = TestEnv::with_config("stuck:\n  iterations: 1\n");
    env.baton(&["run", "--iterations", "5"]).expect_code(4);
    env.baton(&["run", "--iterations", "5"]).expect_code(0);
    env.baton(&["resume"]).expect_code(0);
    env.baton(&["run", "--iterations", "5"]).expect_code(4);
    assert_eq!(
        env.journal().len(),
        4,
        "one more iteration after the resume"
    );
}

/// With `stuck.escalate`, galph runs that prompt once on its next turn, then the run stops.
#[test]
fn a_stuck_loop_escalates_to_the_reviewer_once_before_it_stops() {
    let env = TestEnv::with_config("stuck:\n  iterations: 1\n  escalate: reviewer.md\n");
    let run = env.baton(&["run", "--iterations", "5"]);
    run.expect_code(4);
    let prompts: Vec<String> = env
        .journal()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["actor"].as_str().unwrap_or(""),
                e["prompt"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        prompts,
        ["galph supervisor.md", "ralph main.md", "galph reviewer.md"],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("galph runs reviewer.md once"),
        "{}",
        run.stdout
    );
}

/// Completion is opt-in: without `completion.verify` (the default) galph's promise — or a quote
/// of it, here from its prompt — is no claim, and the run goes through its iterations.
#[test]
fn a_promise_without_a_verify_command_does_not_end_the_run() {
    let env = TestEnv::bare();
    env.write(
        "prompts/supervisor.md",
        "Plan the next step. When everything is done, end with <promise>COMPLETE</promise>\n",
    );
    env.write(
        "orchestration.yaml",
        "agent:\n  default: worker\n  heartbeat: 0\n  roles:\n    galph: planner\n  commands:\n    \
         planner: [sh, -c, 'echo \"The prompt said:\"; cat']\n    \
         worker: [sh, -c, 'cat > /dev/null; echo \"<promise>COMPLETE</promise>\"']\n",
    );
    env.commit_all("init");
    let run = env.baton(&["run", "--iterations", "2"]);
    run.expect_code(0);
    let journal = env.journal();
    assert_eq!(journal.len(), 4, "every turn ran: {journal:#?}");
    assert!(
        journal.iter().all(|e| e["completion"].is_null()),
        "no claim"
    );
    assert!(env.state()["exit"].is_null(), "no stop");
    assert!(
        run.stdout.contains(
            "[complete] galph's final message makes the completion promise, but \
             completion.verify is empty"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout
            .contains("ralph's final message makes the completion promise"),
        "only the supervisor claims: {}",
        run.stdout
    );
    assert!(of_kind(&events(&env), "completed").is_empty());
}
