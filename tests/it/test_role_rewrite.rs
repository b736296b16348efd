//! A force-push that rewrites the shared branch, or a clone that diverges while its
//! daemon waits, stops the daemon at once (exit 1) with its commits on a backup ref and the
//! command that continues from the remote; it used to sit blind until `--max-wait`, and a
//! restart pushed the rewritten-away commits back.

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};

/// The `refs/baton/backup/*` refs of `clone`, with the commit each points at.
fn backups(clone: &TestEnv) -> Vec<(String, String)> {
    clone
        .git(&[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/baton/backup/",
        ])
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(r, s)| (r.to_owned(), s.to_owned()))
        .collect()
}

/// The person rewrites `main` on the remote from the seed clone (which never pulled): one new
/// commit on the seed commit, force-pushed. galph's turns are no longer on the remote.
fn force_push_a_rewrite(env: &RoleEnv) {
    env.seed.write("rewrite.txt", "a new start\n");
    env.seed.commit_all("person: rewrite");
    env.seed.git(&["push", "-q", "--force", "origin", "main"]);
}

fn assert_refused_as_rewrite(run: &crate::common::Run) {
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("the remote branch origin/main was rewritten (force-pushed)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("git reset --hard origin/main"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("gave up waiting"), "{}", run.stderr);
}

#[test]
fn a_force_push_while_galph_waits_stops_it_and_a_restart_refuses_until_reset() {
    let env = RoleEnv::new();
    let mut galph = env.galph_daemon(&["--iterations", "2", "--max-wait", "60s"]);
    env.wait_remote_status(&mut galph, "waiting-ralph");
    force_push_a_rewrite(&env);
    let run = galph.wait(DEADLINE);
    assert_refused_as_rewrite(&run);
    let head = env.galph.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let kept = backups(&env.galph);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].1, head, "the local commits are kept");
    assert_eq!(
        env.remote_tip(),
        "person: rewrite",
        "nothing pushed over the rewrite"
    );

    // A restart without the reset: the remote lacks commits it had; still refused.
    let again = env.run_galph(&["--iterations", "1", "--max-wait", "2s"]);
    assert_refused_as_rewrite(&again);
    assert_eq!(env.remote_subjects(), ["seed", "person: rewrite"]);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md"],
        "no turn ran again"
    );

    env.galph.git(&["reset", "-q", "--hard", "origin/main"]);
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    assert_eq!(env.remote_state()["status"], "waiting-ralph");
    assert_eq!(
        env.remote_file("rewrite.txt").as_deref(),
        Some("a new start\n")
    );
}

/// The remote was rewound (force-pushed to an older commit) while galph was stopped: its clone
/// is only "ahead", which at start normally means stamps to resume, but those commits were on
/// the remote before, so pushing them again would undo the rewind.
#[test]
fn a_rewind_while_galph_is_stopped_is_refused_at_start_not_pushed_back() {
    let env = RoleEnv::new();
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    env.seed.git(&["push", "-q", "--force", "origin", "main"]);
    assert_eq!(env.remote_subjects(), ["seed"]);
    let run = env.run_galph(&["--iterations", "1", "--max-wait", "2s"]);
    assert_refused_as_rewrite(&run);
    assert_eq!(
        env.remote_subjects(),
        ["seed"],
        "the rewound commits are not pushed back"
    );
    assert_eq!(backups(&env.galph).len(), 1);
}

/// A commit made in galph's clone while its daemon waits, then ralph's turn pushed: the clone
/// diverged, and the daemon would never see its turn.
#[test]
fn a_clone_that_diverges_while_its_daemon_waits_stops_it() {
    let env = RoleEnv::new();
    let mut galph = env.galph_daemon(&["--iterations", "2", "--max-wait", "60s"]);
    env.wait_remote_status(&mut galph, "waiting-ralph");
    env.galph
        .git(&["commit", "-q", "--allow-empty", "-m", "person: local note"]);
    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    let run = galph.wait(DEADLINE);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("this clone diverged from origin/main while waiting"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("git reset --hard origin/main"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("gave up waiting"), "{}", run.stderr);
    assert_eq!(backups(&env.galph).len(), 1);
    assert_eq!(
        env.remote_state()["status"],
        "complete",
        "ralph's stamp stays"
    );
}

/// A force-push that rewrites the shared branch while galph's agent runs: galph's stamp push
/// must not replay the rewritten-away turns back onto the remote. Both daemons stop, galph with
/// its turn's commits on a backup ref, and a reset and restart continue from the rewrite
/// without writing the refused stamp again.
#[test]
fn a_force_push_while_galph_runs_stops_both_daemons_and_replays_nothing_back() {
    let env = RoleEnv::new();
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    let before = env.remote_subjects().len();
    assert!(
        before >= 5,
        "turns to rewrite away: {:?}",
        env.remote_subjects()
    );
    env.seed.hook("galph", WAIT_FOR_GO);
    let mut galph = env.galph_daemon(&["--iterations", "1"]);
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    env.wait_agent_started(&mut galph, "galph");
    env.wait_remote_status(&mut galph, "running-galph");
    force_push_a_rewrite(&env);
    let ralph = ralph.wait(DEADLINE);
    assert_refused_as_rewrite(&ralph);
    env.touch("go");
    let run = galph.wait(DEADLINE);
    assert_refused_as_rewrite(&run);
    assert_eq!(
        env.remote_subjects(),
        ["seed", "person: rewrite"],
        "nothing replayed back"
    );
    let kept = backups(&env.galph);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let on_backup = env.galph.git(&["log", "-1", "--format=%s", &kept[0].0]);
    assert!(
        on_backup.starts_with("[SYNC i=2] actor=galph → next=ralph status=ok"),
        "{on_backup}"
    );

    env.galph.git(&["reset", "-q", "--hard", "origin/main"]);
    std::fs::remove_file(env.seed.ctl.join("galph.sh")).expect("remove hook");
    let again = env.run_galph(&["--iterations", "1"]);
    again.expect_code(0);
    assert!(
        !again.stderr.contains("finishing its stamp"),
        "{}",
        again.stderr
    );
    let state = env.remote_state();
    assert_eq!(state["status"], "waiting-ralph", "{state:#}");
    assert_eq!(state["iteration"], 1, "from the rewrite's state");
    assert_eq!(env.remote_journal().len(), 1, "{:#?}", env.remote_journal());
}

/// An agent that rewinds the branch during its turn (`git reset --hard HEAD~3`) drops Baton's
/// own claim from the clone. Its turn fails, saying what the agent did, with the agent's commits
/// on a backup ref and the failed stamp on top of the claim; nobody is accused, the waiting
/// daemon is not wedged, and the next start runs the turn again.
#[test]
fn an_agent_that_rewinds_the_branch_fails_its_turn_cleanly_and_it_runs_again() {
    let env = RoleEnv::new();
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    env.seed.hook(
        "galph",
        "if [ ! -f \"$TEST_CTL/rewound\" ]; then touch \"$TEST_CTL/rewound\"; \
         git reset -q --hard HEAD~3; fi\necho \"plan $BATON_ITERATION\" > input.md\n",
    );
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    let run = env.run_galph(&["--iterations", "1"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("the agent rewound the branch"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("stale stamp"), "{}", run.stderr);
    assert!(!run.stderr.contains("someone else"), "{}", run.stderr);
    let kept = backups(&env.galph);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(run.stderr.contains(&kept[0].0), "{}", run.stderr);

    let state = env.remote_state();
    assert_eq!(state["status"], "failed", "{state:#}");
    assert_eq!(state["expected_actor"], "galph");
    let error = state["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("rewound the branch"), "{state:#}");
    let syncs = env.remote_syncs();
    let n = syncs.len();
    assert!(
        syncs[n - 2].starts_with("[SYNC i=2] actor=galph status=running"),
        "{syncs:#?}"
    );
    assert!(
        syncs[n - 1].starts_with("[SYNC i=2] actor=galph status=fail"),
        "{syncs:#?}"
    );
    assert_eq!(
        env.remote_file("input.md"),
        None,
        "the rewound work is not published"
    );

    // The next start runs the turn again; ralph, waiting all along, then takes its turn.
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        [
            "galph supervisor.md",
            "ralph main.md",
            "galph supervisor.md",
            "galph supervisor.md",
            "ralph main.md"
        ]
    );
    let state = env.remote_state();
    assert_eq!(state["status"], "complete", "{state:#}");
    assert_eq!(state["iteration"], 3);
}

/// The agent rewinds the branch, commits on the rewound history, and its Baton dies (SIGKILL)
/// before the turn's end: the restart recognises the run's own claim on the remote (a dead
/// owner on this machine) instead of calling it someone else's stamp, keeps the agent's commits
/// on a backup ref and runs the turn again.
#[test]
fn a_restart_after_an_agent_rewound_the_branch_and_its_baton_died_runs_the_turn_again() {
    let env = RoleEnv::new();
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    env.run_ralph(&["--iterations", "1"]).expect_code(0);
    env.seed.hook(
        "galph",
        "if [ ! -f \"$TEST_CTL/rewound\" ]; then touch \"$TEST_CTL/rewound\"; \
         git reset -q --hard HEAD~3; echo mine > agent-notes.txt; git add agent-notes.txt; \
         git commit -qm 'agent: notes'; kill -9 $PPID; exit 0; fi\n",
    );
    let dead = env.run_galph(&["--iterations", "1"]);
    assert_eq!(dead.code, None, "killed: {}", dead.stderr);
    assert_eq!(env.remote_state()["status"], "running-galph");

    let run = env.run_galph(&["--iterations", "1"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("a previous run's agent rewound the branch under its claim"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("stale stamp"), "{}", run.stderr);
    let kept = backups(&env.galph);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let on_backup = env.galph.git(&["log", "-1", "--format=%s", &kept[0].0]);
    assert_eq!(on_backup.trim(), "agent: notes");
    assert_eq!(env.remote_state()["status"], "waiting-ralph");
    assert_eq!(env.remote_file("agent-notes.txt"), None);
    assert_eq!(
        env.prompts_called(),
        [
            "galph supervisor.md",
            "ralph main.md",
            "galph supervisor.md",
            "galph supervisor.md"
        ]
    );
}
