//! Approval checkpoints (`approval.before`): a named turn waits with status `awaiting-approval`
//! until `baton approve` lets it run or `baton reject` sends it back to galph with the note —
//! from the workspace of the running Baton, from a workspace at rest, and from a third clone in
//! role mode.

use crate::common::TestEnv;
use crate::event_log::{events, of_kind};
use crate::role_env::{DEADLINE, Daemon, RoleEnv};

/// Hooks that record each actor's `BATON_NOTE`, one line per turn.
const RECORD_NOTES: [(&str, &str); 2] = [
    (
        "galph",
        "echo \"galph:$BATON_NOTE\" >> \"$TEST_CTL/notes\"\n",
    ),
    (
        "ralph",
        "echo \"ralph:$BATON_NOTE\" >> \"$TEST_CTL/notes\"\n",
    ),
];

fn workspace() -> TestEnv {
    let env = TestEnv::with_config("approval:\n  before: [ralph]\n");
    for (actor, script) in RECORD_NOTES {
        env.hook(actor, script);
    }
    env
}

fn notes(ctl: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(ctl.join("notes")).unwrap_or_default();
    text.lines().map(str::to_owned).collect()
}

/// Starts `baton run --iterations 1` and waits until ralph's turn awaits approval (a failed
/// test ends the run: it would wait for ever).
fn run_until_awaiting(env: &TestEnv) -> Daemon {
    let mut run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl);
    // The state is saved, then committed: wait for the commit too.
    run.wait_until(30, "the approval request", || {
        env.read("sync/state.json").contains("awaiting-approval")
            && env.subjects().iter().any(|s| s.contains("awaits approval"))
    });
    run
}

#[test]
fn ralph_waits_until_approved_and_gets_the_note() {
    let env = workspace();
    let baton = run_until_awaiting(&env);
    let state = env.state();
    assert_eq!(state["expected_actor"], "ralph");
    assert_eq!(state["approval"]["actor"], "ralph");
    assert_eq!(state["approval"]["prompt"], "main.md");
    assert_eq!(env.prompts_called(), ["galph supervisor.md"], "ralph waits");
    assert!(
        env.subjects()
            .iter()
            .any(|s| s.contains("ralph's turn (main.md) awaits approval"))
    );
    let watch = env.baton(&["watch", "--once", "--plain"]);
    watch.expect_code(0);
    assert!(
        watch.stdout.contains("approval: waiting for ralph main.md"),
        "{}",
        watch.stdout
    );
    let status = env.baton(&["status", "--no-fetch"]);
    status.expect_code(0);
    assert!(
        status.stdout.contains("awaits approval"),
        "{}",
        status.stdout
    );

    env.baton(&["approve", "--note", "go ahead"]).expect_code(0);
    baton.wait(DEADLINE).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "ralph main.md"]
    );
    assert_eq!(notes(&env.ctl), ["galph:", "ralph:go ahead"]);
    let state = env.state();
    assert_eq!(state["status"], "complete");
    assert!(state.get("approval").is_none(), "ended with the stamp");
    let events = events(&env);
    let requested = of_kind(&events, "approval_requested");
    let decided = of_kind(&events, "approval_decided");
    assert_eq!((requested.len(), decided.len()), (1, 1), "{events:#?}");
    assert_eq!(requested[0]["actor"], "ralph");
    assert_eq!(requested[0]["prompt"], "main.md");
    assert_eq!(decided[0]["approved"], true);
    assert_eq!(decided[0]["note"], "go ahead");
    assert!(requested[0]["seq"].as_u64() < decided[0]["seq"].as_u64());
}

#[test]
fn a_rejection_sends_the_turn_back_to_galph_with_the_note() {
    let env = workspace();
    let mut baton = run_until_awaiting(&env);
    env.baton(&["reject", "--note", "write the tests first"])
        .expect_code(0);
    // galph plans again with the note; ralph's turn then waits again.
    baton.wait_until(30, "the second request", || {
        env.prompts_called().len() == 2 && env.read("sync/state.json").contains("awaiting-approval")
    });
    env.baton(&["approve"]).expect_code(0);
    baton.wait(DEADLINE).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        [
            "galph supervisor.md",
            "galph supervisor.md",
            "ralph main.md"
        ]
    );
    let notes = notes(&env.ctl);
    assert_eq!(notes[0], "galph:");
    assert!(
        notes[1].starts_with("galph:ralph's turn (main.md) was rejected by ")
            && notes[1].ends_with(": write the tests first"),
        "{notes:?}"
    );
    assert_eq!(notes[2], "ralph:");
    assert_eq!(env.state()["iteration"], 2, "one iteration");
}

/// Baton stopped while a turn waits: the checkpoint is in the committed state; an approval
/// given at rest lets the next start run the turn at once, without asking again.
#[test]
fn an_approval_given_at_rest_holds_for_the_next_start() {
    let env = workspace();
    let baton = run_until_awaiting(&env);
    baton.sigterm(DEADLINE).expect_code(143);
    assert_eq!(env.state()["status"], "awaiting-approval");
    assert_eq!(env.git(&["status", "--porcelain"]), "", "committed");

    env.baton(&["approve"]).expect_code(0);
    let state = env.state();
    assert_eq!(state["status"], "waiting-ralph");
    assert!(state["approval"]["approved_by"].is_string());
    assert!(
        env.subjects()
            .last()
            .is_some_and(|s| s.contains("approved by"))
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "ralph main.md"]
    );
}

#[test]
fn an_answer_when_nothing_waits_is_refused_and_writes_nothing() {
    let env = workspace();
    let before = env.subjects();
    let out = env.baton(&["approve"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("nothing awaits approval"),
        "{}",
        out.stderr
    );
    let out = env.baton(&["reject", "--note", "no"]);
    out.expect_code(2);
    assert_eq!(env.subjects(), before);
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    let out = env.baton(&["reject"]);
    out.expect_code(2); // --note is required
}

/// Role mode with `approval.before: [ralph]`: galph's daemon (`galph_turns` turns) and ralph's
/// (one turn) run until ralph's turn waits; a third clone, `laptop`, answers.
fn role_until_awaiting(galph_turns: u64) -> (RoleEnv, Daemon, Daemon, TestEnv) {
    let env = RoleEnv::with_config("approval:\n  before: [ralph]\n");
    for (actor, script) in RECORD_NOTES {
        env.seed.hook(actor, script);
    }
    let turns = galph_turns.to_string();
    let galph = env.galph_daemon(&["--iterations", &turns]);
    let mut ralph = env.ralph_daemon(&["--iterations", "1"]);
    env.wait_remote_status(&mut ralph, "awaiting-approval");
    let laptop = env.another_clone("laptop");
    (env, galph, ralph, laptop)
}

#[test]
fn role_a_turn_is_approved_from_a_third_clone() {
    let (env, galph, ralph, laptop) = role_until_awaiting(1);
    let status = env.run_in(&laptop, &["status"]);
    assert!(
        status.stdout.contains("awaits approval"),
        "{}",
        status.stdout
    );
    env.run_in(&laptop, &["approve", "--note", "from the laptop"])
        .expect_code(0);
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    assert_eq!(notes(&env.seed.ctl), ["galph:", "ralph:from the laptop"]);
    assert_eq!(env.remote_state()["status"], "complete");
    // A second answer (a person on another clone, a moment too late) finds nothing waiting.
    let tip = env.remote_tip();
    let late = env.run_in(&env.seed, &["reject", "--note", "too late"]);
    late.expect_code(2);
    assert!(
        late.stderr.contains("nothing awaits approval"),
        "{}",
        late.stderr
    );
    assert_eq!(env.remote_tip(), tip, "nothing pushed");
    assert_eq!(
        env.seed.git(&["status", "--porcelain"]),
        "",
        "nothing written"
    );
}

#[test]
fn role_a_rejection_from_a_third_clone_reaches_galph() {
    let (env, galph, mut ralph, laptop) = role_until_awaiting(2);
    env.run_in(&laptop, &["reject", "--note", "smaller steps"])
        .expect_code(0);
    ralph.wait_until(DEADLINE, "the second request", || {
        notes(&env.seed.ctl).len() == 2 && env.remote_status_is("awaiting-approval")
    });
    env.run_in(&laptop, &["approve"]).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    galph.wait(DEADLINE).expect_code(0); // its two turns: the plan, the plan again
    let notes = notes(&env.seed.ctl);
    assert!(notes[1].ends_with(": smaller steps"), "{notes:?}");
    assert_eq!(notes[2], "ralph:");
}

/// An approval whose push the remote refused (or whose `baton approve` was killed before the
/// push) stays committed on the laptop; answering again publishes it instead of finding
/// "nothing awaits" in the laptop's own unpushed state.
#[test]
fn role_an_approval_that_did_not_reach_the_remote_is_published_by_the_next_answer() {
    let (env, galph, ralph, laptop) = role_until_awaiting(1);
    env.refuse_pushes("maintenance window");
    let refused = env.run_in(&laptop, &["approve", "--note", "from the laptop"]);
    refused.expect_code(1);
    assert!(
        refused.stderr.contains("maintenance window"),
        "{}",
        refused.stderr
    );
    assert!(
        env.remote_status_is("awaiting-approval"),
        "nothing reached the remote"
    );
    env.accept_pushes();
    let again = env.run_in(&laptop, &["approve", "--note", "from the laptop"]);
    again.expect_code(0);
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    assert_eq!(notes(&env.seed.ctl), ["galph:", "ralph:from the laptop"]);
    assert_eq!(env.remote_state()["status"], "complete");
}
