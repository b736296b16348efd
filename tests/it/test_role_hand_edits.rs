//! A person edits `sync/state.json` by hand on a third clone while galph's agent runs: a change
//! of the stop flag alone is merged into galph's stamp field by field, whatever the generation
//! and the file's formatting; a change of anything else is refused, kept on a backup ref and
//! stops both daemons.

use serde_json::{Map, Value};

use crate::common::TestEnv;
use crate::event_log;
use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};

/// The person's clone pulls, edits the state with `edit` the way an editor would leave it
/// (keys in reverse order, four-space indent, the generation untouched), commits and pushes.
fn hand_edit(env: &RoleEnv, subject: &str, edit: impl FnOnce(&mut Map<String, Value>)) {
    env.seed.git(&["pull", "-q", "--ff-only"]);
    let Value::Object(mut state) = env.seed.state() else {
        panic!("the state is an object");
    };
    edit(&mut state);
    let reordered: Map<String, Value> = state.into_iter().rev().collect();
    let mut text = Vec::new();
    let indent = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut text, indent);
    serde::Serialize::serialize(&reordered, &mut ser).expect("serialize");
    let text = String::from_utf8(text).expect("utf-8") + "\n";
    env.seed.write("sync/state.json", &text);
    env.seed.commit_all(subject);
    env.seed.git(&["push", "-q", "origin", "main"]);
}

fn backups(clone: &TestEnv) -> Vec<String> {
    let refs = clone.git(&["for-each-ref", "--format=%(refname)", "refs/baton/backup/"]);
    refs.lines().map(str::to_owned).collect()
}

/// galph's turn (writing `input.md`) waits for `go`; returns once its claim is on the remote.
fn galph_mid_turn(env: &RoleEnv, iterations: &str) -> crate::role_env::Daemon {
    env.seed.hook(
        "galph",
        &format!("{WAIT_FOR_GO}echo \"plan $BATON_ITERATION\" > input.md\n"),
    );
    let mut galph = env.galph_daemon(&["--iterations", iterations]);
    env.wait_agent_started(&mut galph, "galph");
    env.wait_remote_status(&mut galph, "running-galph");
    galph
}

#[test]
fn a_stop_flag_edited_by_hand_during_a_turn_is_merged_whatever_the_formatting() {
    let env = RoleEnv::new();
    let galph = galph_mid_turn(&env, "2");
    let ralph = env.ralph_daemon(&["--iterations", "2"]);
    let generation = env.remote_state()["generation"].clone();
    hand_edit(&env, "person: stop for the night", |state| {
        state.insert("exit".into(), Value::Bool(true));
        state.insert("exit_reason".into(), "stop for the night".into());
    });
    assert_eq!(env.remote_state()["generation"], generation, "not bumped");
    env.touch("go");
    let run = galph.wait(DEADLINE);
    run.expect_code(0);
    assert!(
        run.stderr.contains("merged into this stamp"),
        "{}",
        run.stderr
    );
    ralph.wait(DEADLINE).expect_code(0);

    let state = env.remote_state();
    assert_eq!(
        state["status"], "waiting-ralph",
        "galph's stamp landed: {state:#}"
    );
    assert_eq!(state["exit"], true);
    assert_eq!(state["exit_reason"], "stop for the night");
    let text = env.remote_file("sync/state.json").expect("state");
    assert!(
        text.starts_with("{\n  \"iteration\""),
        "Baton's own format: {text}"
    );
    assert_eq!(
        env.remote_file("input.md").as_deref(),
        Some("plan 1\n"),
        "the turn's work"
    );
    let journal = env.remote_journal();
    assert_eq!(journal.len(), 1, "{journal:#?}");
    assert_eq!(journal[0]["outcome"], "ok");
    assert!(
        env.remote_subjects()
            .contains(&"person: stop for the night".to_owned()),
        "the person's commit stays in the history"
    );
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md"],
        "ralph never ran"
    );
    assert!(backups(&env.galph).is_empty(), "nothing refused");
}

#[test]
fn a_hand_edit_that_changes_more_than_the_stop_flag_is_refused_and_kept_on_a_backup_ref() {
    let env = RoleEnv::new();
    let galph = galph_mid_turn(&env, "1");
    hand_edit(&env, "person: skip ahead", |state| {
        state.insert("exit".into(), Value::Bool(true));
        state.insert("status".into(), "waiting-ralph".into());
        state.insert("expected_actor".into(), "ralph".into());
    });
    let person = env.remote_git(&["rev-parse", "--short=7", "main"]);
    env.touch("go");
    let run = galph.wait(DEADLINE);
    run.expect_code(1);
    assert!(run.stderr.contains("alarm: commit"), "{}", run.stderr);
    assert!(
        run.stderr.contains(person.trim()),
        "names the commit: {}",
        run.stderr
    );
    assert!(run.stderr.contains("person: skip ahead"), "{}", run.stderr);
    assert!(
        run.stderr.contains("expected_actor, status"),
        "names the fields: {}",
        run.stderr
    );
    assert!(run.stderr.contains("baton resume"), "{}", run.stderr);
    let kept = backups(&env.galph);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(run.stderr.contains(&kept[0]), "{}", run.stderr);
    let on_backup = env.galph.git(&["log", "-1", "--format=%s", &kept[0]]);
    assert!(
        on_backup.starts_with("[SYNC i=1] actor=galph → next=ralph status=ok"),
        "{on_backup}"
    );

    // Never merged: the remote holds galph's running marker again, with the alarm's flag.
    let state = env.remote_state();
    assert_eq!(state["status"], "running-galph", "{state:#}");
    assert_eq!(state["expected_actor"], "galph");
    let reason = state["exit_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("alarm: commit"), "{state:#}");
    assert!(
        env.remote_tip()
            .starts_with("[SYNC i=1] stop: alarm: commit")
    );
    assert!(
        env.remote_journal().is_empty(),
        "the refused turn is not journalled"
    );
    let alarms = event_log::events(&env.galph);
    let alarm = event_log::of_kind(&alarms, "alarm");
    assert_eq!(alarm.len(), 1, "{alarms:#?}");
    assert_eq!(alarm[0]["actor"], "galph");

    // baton resume clears the flag; the put-back running marker runs again.
    env.run_in(&env.seed, &["resume"]).expect_code(0);
    std::fs::remove_file(env.seed.ctl.join("galph.sh")).expect("remove hook");
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    let state = env.remote_state();
    assert_eq!(state["status"], "waiting-ralph", "{state:#}");
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "galph supervisor.md"]
    );
}
