//! `notify.command` runs on the events people want to hear about, with the event in its
//! environment; it never outlives Baton and never fails a turn.

use crate::common::{TestEnv, alive, read_pid};
use crate::role_env::Daemon;

/// A notify script that appends one line per call and records its pid.
fn notifier(env: &TestEnv, body: &str) -> String {
    let script = env.ctl.join("notify.sh");
    std::fs::write(
        &script,
        format!(
            "echo $$ > \"$TEST_CTL/notify.pid\"\n\
             echo \"$BATON_EVENT|$BATON_ACTOR|$BATON_ITERATION|$BATON_MESSAGE\" >> \"$TEST_CTL/notified.txt\"\n{body}"
        ),
    )
    .expect("write notifier");
    format!(
        "notify:\n  command: [sh, \"{}\"]\n  timeout: 1s\nbudget:\n  max_turns: 3\n",
        script.display()
    )
}

fn notified(env: &TestEnv) -> Vec<String> {
    std::fs::read_to_string(env.ctl.join("notified.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_failed_turn_and_a_budget_stop_are_notified() {
    let env = TestEnv::bare();
    let extra = notifier(&env, "");
    env.write("orchestration.yaml", &env.stub_config(&extra));
    env.commit_all("init");
    env.hook("ralph", "exit 7\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(1);
    assert_eq!(
        notified(&env),
        ["failed|ralph|1|ralph's turn main.md: agent exited 7"]
    );

    std::fs::remove_file(env.ctl.join("ralph.sh")).expect("remove hook");
    env.baton(&["run", "--iterations", "3"]).expect_code(3);
    let lines = notified(&env);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].starts_with("budget||2|budget: turns 3 reached budget.max_turns 3"),
        "{lines:?}"
    );
}

#[test]
fn a_hanging_notifier_is_ended_and_never_outlives_baton() {
    let env = TestEnv::bare();
    let extra = notifier(
        &env,
        "trap '' TERM\nsleep 300 &\necho $! > \"$TEST_CTL/notify-child.pid\"\nwait\n",
    );
    env.write("orchestration.yaml", &env.stub_config(&extra));
    env.commit_all("init");
    env.hook("ralph", "exit 7\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(1);
    let pid = read_pid(&env.ctl.join("notify.pid"));
    assert!(pid > 0, "the notifier ran");
    assert!(
        !alive(pid),
        "ended after notify.timeout, before Baton exited"
    );
    // Under heavy load the group may be ended before it started its child: then nothing of it
    // can be left either.
    // SIGKILL, sent before Baton exited, takes effect when the process is next scheduled:
    // on a loaded machine a moment later.
    let child = read_pid(&env.ctl.join("notify-child.pid"));
    crate::common::wait_for(5, "the notifier's child to be gone", || {
        child == 0 || !alive(child)
    });
}

#[test]
fn a_turn_waiting_for_approval_is_notified() {
    let env = TestEnv::bare();
    let extra = notifier(&env, "");
    let extra = format!("{extra}approval:\n  before: [ralph]\n");
    env.write("orchestration.yaml", &env.stub_config(&extra));
    env.commit_all("init");
    let mut baton = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl);
    baton.wait_until(30, "the notification", || !notified(&env).is_empty());
    assert_eq!(
        notified(&env),
        ["approval|ralph|1|ralph's turn (main.md, iteration 1) awaits approval"]
    );
    env.baton(&["stop", "--reason", "enough"]).expect_code(0);
    baton.wait(crate::role_env::DEADLINE).expect_code(0);
    assert_eq!(env.state()["status"], "awaiting-approval", "still waits");
}

/// A notifier that hangs is ended at `notify.timeout` with its whole process group, SIGTERM
/// first (its trap runs), and never outlives Baton.
#[test]
fn a_hanging_notifier_is_ended_at_its_deadline_with_its_group_term_first() {
    let env = TestEnv::bare();
    let extra = notifier(
        &env,
        "sleep 300 &\n\
         echo $! > \"$TEST_CTL/notify-child.pid\"\n\
         trap 'echo term >> \"$TEST_CTL/notify-term\"; exit 3' TERM\n\
         wait\n",
    );
    env.write("orchestration.yaml", &env.stub_config(&extra));
    env.commit_all("init");
    env.hook("ralph", "exit 7\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(1);
    assert_eq!(
        std::fs::read_to_string(env.ctl.join("notify-term")).unwrap_or_default(),
        "term\n",
        "SIGTERM came first: its trap ran"
    );
    let pid = read_pid(&env.ctl.join("notify.pid"));
    assert!(pid > 0 && !alive(pid), "ended before Baton exited");
    let child = read_pid(&env.ctl.join("notify-child.pid"));
    assert!(child > 0, "the notifier started its child");
    crate::common::wait_for(5, "the notifier's child to be gone", || !alive(child));
}
