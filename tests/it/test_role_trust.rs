//! What an agent can do to role mode through git: its own pushes to the shared branch are
//! refused by the guard in its environment; a state it pushes anyway (bypassing the guard, or
//! from a clone of its own) starts nobody, and stops both daemons with an alarm; an approval
//! not made by `baton approve` starts nothing either.

use serde_json::Value;

use crate::event_log;
use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};

/// Shell lines that write a forged state into `sync/state.json` in the current directory:
/// galph's turn done, ralph's turn next and approved, as a misbehaving agent would.
const FORGE: &str = r#"cat > sync/state.json <<'JSON'
{
  "iteration": 1,
  "expected_actor": "ralph",
  "status": "waiting-ralph",
  "generation": 99,
  "approval": {"actor": "ralph", "iteration": 1, "requested_at": "2026-01-01T00:00:00Z",
               "resume_status": "waiting-ralph", "approved_by": "agent@galph",
               "approved_at": "2026-01-01T00:00:00Z"}
}
JSON
"#;

/// galph's agent clones the shared remote into the control directory, forges the state there
/// and pushes it with `--no-verify` (the guard's hook cannot stop that), then marks `forged`.
fn forge_from_a_clone_of_its_own() -> String {
    format!(
        "remote=$(git remote get-url origin)\n\
         git clone -q \"$remote\" \"$TEST_CTL/agent-clone\"\n\
         cd \"$TEST_CTL/agent-clone\"\n\
         {FORGE}git commit -qam 'done: over to ralph'\n\
         git push -q --no-verify origin HEAD:main 2> \"$TEST_CTL/push.err\"\n\
         touch \"$TEST_CTL/forged\"\n\
         cd - > /dev/null\n"
    )
}

#[test]
fn an_agents_own_push_to_the_shared_branch_is_refused_by_the_guard() {
    let env = RoleEnv::new();
    env.seed.hook(
        "galph",
        &format!(
            "{FORGE}git commit -qam 'done: over to ralph'\n\
             git push origin HEAD:main 2> \"$TEST_CTL/push.err\"; echo $? > \"$TEST_CTL/push.code\"\n\
             git push -q origin HEAD:refs/heads/agent-scratch; echo $? > \"$TEST_CTL/scratch.code\"\n"
        ),
    );
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);

    let code = std::fs::read_to_string(env.seed.ctl.join("push.code")).expect("push.code");
    assert_ne!(code.trim(), "0", "the agent's push of main is refused");
    let err = std::fs::read_to_string(env.seed.ctl.join("push.err")).expect("push.err");
    assert!(err.contains("baton: an agent may not push main"), "{err}");
    let scratch = std::fs::read_to_string(env.seed.ctl.join("scratch.code")).expect("code");
    assert_eq!(
        scratch.trim(),
        "0",
        "other branches are the agent's business"
    );

    // galph's stamp replaced the agent's state; ralph ran on that stamp, not on the forgery.
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "ralph main.md"]
    );
    let state = env.remote_state();
    assert_eq!(state["status"], "complete", "{state:#}");
    assert_eq!(state["iteration"], 2);
    assert_eq!(
        state["approval"],
        Value::Null,
        "the forged approval is gone"
    );
}

#[test]
fn a_state_an_agent_pushes_over_its_turn_starts_nobody_and_stops_both_with_an_alarm() {
    let env = RoleEnv::new();
    env.seed.hook(
        "galph",
        &format!("{}{WAIT_FOR_GO}", forge_from_a_clone_of_its_own()),
    );
    let mut galph = env.galph_daemon(&["--iterations", "1"]);
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    env.wait_agent_started(&mut galph, "galph");
    let forged = env.remote_git(&["rev-parse", "--short=7", "main"]);
    assert!(env.ctl_has("forged"));

    let run = ralph.wait(DEADLINE);
    run.expect_code(1);
    assert!(run.stderr.contains("alarm: commit"), "{}", run.stderr);
    assert!(
        run.stderr.contains(forged.trim()),
        "names the commit: {}",
        run.stderr
    );
    assert!(run.stderr.contains("done: over to ralph"), "{}", run.stderr);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md"],
        "ralph never started"
    );
    let events = event_log::events(&env.ralph);
    let alarms = event_log::of_kind(&events, "alarm");
    assert_eq!(alarms.len(), 1, "{events:#?}");
    assert_eq!(alarms[0]["actor"], "ralph");
    let state = env.remote_state();
    assert_eq!(
        state["status"], "running-galph",
        "galph's marker put back: {state:#}"
    );
    assert!(
        state["exit_reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("alarm: "),
        "{state:#}"
    );

    env.touch("go");
    let galph = galph.wait(DEADLINE);
    galph.expect_code(1);
    assert!(
        galph.stderr.contains("the peer raised the alarm"),
        "{}",
        galph.stderr
    );
    assert_eq!(
        env.remote_journal().len(),
        0,
        "the turn of the forging agent is not stamped"
    );

    // The person looks, resumes; the turn runs again and ralph follows galph's real stamp.
    env.run_in(&env.seed, &["resume"]).expect_code(0);
    std::fs::remove_file(env.seed.ctl.join("galph.sh")).expect("remove hook");
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    let state = env.remote_state();
    assert_eq!(state["status"], "complete", "{state:#}");
    assert_eq!(state["iteration"], 2);
}

/// Nobody waits on the other side: galph's own daemon finds the foreign state at its stamp,
/// raises the alarm and keeps its turn on a backup ref; ralph, started later, stops at the flag.
#[test]
fn galph_finds_a_foreign_state_over_its_turn_at_its_stamp_and_raises_the_alarm() {
    let env = RoleEnv::with_config(
        "notify:\n  command: [sh, -c, 'echo \"$BATON_EVENT $BATON_ACTOR $BATON_MESSAGE\" >> \"$TEST_CTL/notified\"']\n",
    );
    env.seed.hook("galph", &forge_from_a_clone_of_its_own());
    let run = env.run_galph(&["--iterations", "1"]);
    run.expect_code(1);
    assert!(run.stderr.contains("alarm: commit"), "{}", run.stderr);
    assert!(run.stderr.contains("done: over to ralph"), "{}", run.stderr);
    assert!(run.stderr.contains("refs/baton/backup/"), "{}", run.stderr);
    let events = event_log::events(&env.galph);
    assert_eq!(event_log::of_kind(&events, "alarm").len(), 1, "{events:#?}");
    let notified = std::fs::read_to_string(env.seed.ctl.join("notified")).unwrap_or_default();
    assert!(
        notified.starts_with("alarm galph alarm: commit"),
        "a person hears of it: {notified}"
    );
    let state = env.remote_state();
    assert_eq!(state["status"], "running-galph", "{state:#}");
    assert!(
        env.remote_tip()
            .starts_with("[SYNC i=1] stop: alarm: commit")
    );

    let ralph = env.run_ralph(&["--iterations", "1"]);
    ralph.expect_code(0);
    assert!(
        ralph.stdout.contains("stop flag set in the state: alarm:"),
        "{}",
        ralph.stdout
    );
    assert_eq!(env.prompts_called(), ["galph supervisor.md"]);
}

#[test]
fn an_approval_not_made_by_baton_approve_starts_nothing() {
    let env = RoleEnv::with_config("approval:\n  before: [ralph]\n");
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    let mut ralph = env.ralph_daemon(&["--iterations", "1"]);
    env.wait_remote_status(&mut ralph, "awaiting-approval");
    env.seed.git(&["pull", "-q", "--ff-only"]);
    let mut state = env.seed.state();
    state["status"] = "waiting-ralph".into();
    state["approval"]["approved_by"] = "someone@somewhere".into();
    state["approval"]["approved_at"] = "2026-01-01T00:00:00Z".into();
    let text = serde_json::to_string_pretty(&state).expect("json") + "\n";
    env.seed.write("sync/state.json", &text);
    env.seed.commit_all("approve by hand");
    env.seed.git(&["push", "-q", "origin", "main"]);

    let run = ralph.wait(DEADLINE);
    run.expect_code(1);
    assert!(run.stderr.contains("approve by hand"), "{}", run.stderr);
    assert!(
        run.stderr.contains("not a `baton approve` commit"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md"],
        "ralph never started"
    );
    assert_eq!(env.remote_state()["status"], "awaiting-approval");

    // The real answer works.
    env.run_in(&env.seed, &["resume"]).expect_code(0);
    env.run_in(&env.seed, &["approve"]).expect_code(0);
    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "ralph main.md"]
    );
}
