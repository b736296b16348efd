//! Role mode end to end: two daemons, one per clone, handing turns over through a bare remote.

use serde_json::Value;

use crate::role_env::{DEADLINE, Daemon, RoleEnv, WAIT_FOR_GO, daemon_args};

/// ralph's hook: a report per iteration.
const RALPH_REPORT: &str =
    "mkdir -p reports\necho \"done $BATON_ITERATION\" > \"reports/r-$BATON_ITERATION.md\"\n";

fn count_prefixed(subjects: &[String], prefix: &str) -> usize {
    subjects.iter().filter(|s| s.starts_with(prefix)).count()
}

#[test]
fn role_three_iterations_review_every_two_across_two_clones() {
    let env = RoleEnv::with_config("review_every_n: 2\n");
    env.seed
        .hook("galph", "echo \"do $BATON_ITERATION\" > input.md\n");
    env.seed.hook("ralph", RALPH_REPORT);
    let galph = env.galph_daemon(&["--iterations", "3", "--max-wait", "30s"]);
    let ralph = env.ralph_daemon(&["--iterations", "3", "--max-wait", "30s"]);
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);

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
    let state = env.remote_state();
    assert_eq!(state["iteration"], 4, "{state:#}");
    assert_eq!(state["status"], "complete");
    assert_eq!(state["expected_actor"], "galph");
    assert_eq!(state["lease_owner"], Value::Null);

    let syncs = env.remote_syncs();
    assert_eq!(syncs.len(), 12, "two [SYNC commits per turn: {syncs:#?}");
    let expected = [
        "[SYNC i=1] actor=galph status=running",
        "[SYNC i=1] actor=galph → next=ralph status=ok galph_commit=",
        "[SYNC i=1] actor=ralph status=running",
        "[SYNC i=2] actor=ralph → next=galph status=ok ralph_commit=",
        "[SYNC i=2] actor=galph status=running",
        "[SYNC i=2] actor=galph → next=ralph status=ok galph_commit=",
    ];
    for (subject, prefix) in syncs.iter().zip(expected) {
        assert!(subject.starts_with(prefix), "{subject} vs {prefix}");
    }
    let sha = state["ralph_commit"].as_str().expect("ralph_commit");
    assert_eq!(sha.len(), 40, "full SHAs in the state: {sha}");
    let sha = &sha[..7];
    assert!(
        syncs[11].starts_with("[SYNC i=4] actor=ralph → next=galph status=ok ralph_commit=")
            && syncs[11].ends_with(sha),
        "{} vs ralph_commit {sha}",
        syncs[11]
    );

    let journal = env.remote_journal();
    assert_eq!(journal.len(), 6, "{journal:#?}");
    let actors: Vec<&str> = journal.iter().filter_map(|j| j["actor"].as_str()).collect();
    assert_eq!(
        actors,
        ["galph", "ralph", "galph", "ralph", "galph", "ralph"]
    );
    assert!(journal.iter().all(|j| j["outcome"] == "ok"), "{journal:#?}");
    assert_eq!(journal[2]["prompt"], "reviewer.md");

    assert_eq!(env.remote_file("input.md").as_deref(), Some("do 3\n"));
    for i in 1..=3 {
        let report = env.remote_file(&format!("reports/r-{i}.md"));
        assert_eq!(report, Some(format!("done {i}\n")), "reports/r-{i}.md");
    }
    let subjects = env.remote_subjects();
    assert!(
        subjects.contains(&"RALPH AUTO (prompt=main.md) (iter=00001): reports evidence".to_owned()),
        "{subjects:#?}"
    );
    assert_eq!(
        count_prefixed(
            &subjects,
            "SUPERVISOR AUTO (prompt=reviewer.md) (iter=00002)"
        ),
        1,
        "{subjects:#?}"
    );
    let remote_main = env.remote_git(&["rev-parse", "main"]);
    assert_eq!(
        env.ralph.git(&["rev-parse", "HEAD"]),
        remote_main,
        "ralph's clone ends at the remote"
    );
    assert_eq!(env.ralph.git(&["status", "--porcelain"]), "");
}

#[test]
fn role_failed_galph_turn_stops_both_and_a_restart_finishes_the_iteration() {
    let env = RoleEnv::new();
    env.seed.hook("galph", "exit 7\n");
    env.run_galph(&["--iterations", "1"]).expect_code(1);
    let state = env.remote_state();
    assert_eq!(state["status"], "failed", "{state:#}");
    assert_eq!(state["expected_actor"], "galph");
    assert_eq!(state["last_error"], "agent exited 7");
    let tip = env.remote_tip();
    assert!(
        tip.starts_with("[SYNC i=1] actor=galph status=fail galph_commit="),
        "{tip}"
    );

    let mut cmd = env.ralph.baton_cmd(&daemon_args(
        "loop",
        &["--iterations", "1", "--max-wait", "2s"],
    ));
    cmd.env("BATON_AGENT_HEARTBEAT", "1s");
    let waited = Daemon::spawn(cmd, &env.seed.ctl).wait(DEADLINE);
    waited.expect_code(1);
    assert!(
        waited.stderr.contains("gave up waiting"),
        "{}",
        waited.stderr
    );
    assert!(
        waited.stderr.contains("waiting for galph"),
        "{}",
        waited.stderr
    );
    assert_eq!(env.prompts_called(), ["galph supervisor.md"]);

    std::fs::remove_file(env.seed.ctl.join("galph.sh")).expect("remove hook");
    let galph = env.galph_daemon(&["--iterations", "1"]);
    let ralph = Daemon::spawn(
        env.ralph.baton_cmd(&[
            "run",
            "--mode",
            "role",
            "--role",
            "ralph",
            "--sync-via-git",
            "--poll-interval",
            "0.2s",
            "--iterations",
            "1",
        ]),
        &env.seed.ctl,
    );
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        [
            "galph supervisor.md",
            "galph supervisor.md",
            "ralph main.md"
        ]
    );
    let state = env.remote_state();
    assert_eq!(state["iteration"], 2, "{state:#}");
    assert_eq!(state["status"], "complete");
    assert_eq!(state["last_error"], Value::Null);
    let journal = env.remote_journal();
    let outcomes: Vec<&str> = journal
        .iter()
        .map(|j| j["outcome"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(outcomes, ["failed", "ok", "ok"]);
}

/// galph's turn done, ralph's daemon started with a hook that waits for `go`; returns once
/// ralph's claim is on the remote.
fn ralph_mid_turn(env: &RoleEnv) -> Daemon {
    env.seed
        .hook("ralph", &format!("{WAIT_FOR_GO}{RALPH_REPORT}"));
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    let mut ralph = env.ralph_daemon(&["--iterations", "1"]);
    env.wait_agent_started(&mut ralph, "ralph");
    env.wait_remote_status(&mut ralph, "running-ralph");
    env.seed.git(&["pull", "-q", "--ff-only"]);
    ralph
}

#[test]
fn role_person_pushes_an_unrelated_commit_during_a_turn_and_both_land() {
    let env = RoleEnv::new();
    let ralph = ralph_mid_turn(&env);
    env.seed.write("person.txt", "by hand\n");
    env.seed.commit_all("person: unrelated change");
    env.seed.git(&["push", "-q", "origin", "main"]);
    env.touch("go");
    ralph.wait(DEADLINE).expect_code(0);

    let subjects = env.remote_subjects();
    assert!(
        subjects.contains(&"person: unrelated change".to_owned()),
        "{subjects:#?}"
    );
    let tip = env.remote_tip();
    assert!(
        tip.starts_with("[SYNC i=2] actor=ralph → next=galph status=ok ralph_commit="),
        "{tip}"
    );
    assert_eq!(env.remote_file("person.txt").as_deref(), Some("by hand\n"));
    assert_eq!(
        env.remote_file("reports/r-1.md").as_deref(),
        Some("done 1\n")
    );
    let text = env.remote_file("sync/state.json").expect("state");
    assert!(!text.contains("<<<<<<<"), "never merged: {text}");
    let state = env.remote_state();
    assert_eq!(state["status"], "complete", "{state:#}");
    assert_eq!(state["iteration"], 2);
    assert_eq!(env.remote_git(&["rev-list", "--merges", "main"]), "");
    assert_eq!(env.remote_journal().len(), 2);
}

/// A person stamps ralph's running turn by hand (`baton stamp`, as for a machine that is gone)
/// while its agent still works: the daemon's own stamp is stale, kept on a backup ref, and not
/// written again by the next start once the person continues from the remote.
#[test]
fn role_hand_stamp_during_a_turn_is_stale_and_kept_on_a_backup_ref() {
    let env = RoleEnv::new();
    let ralph = ralph_mid_turn(&env);
    env.run_in(&env.seed, &["stamp", "ralph", "ok"])
        .expect_code(0);
    let hand = env.remote_tip();
    assert!(
        hand.starts_with("[SYNC i=2] actor=ralph → next=galph status=ok"),
        "{hand}"
    );
    env.touch("go");
    let run = ralph.wait(DEADLINE);
    run.expect_code(1);
    assert!(run.stderr.contains("stale stamp refused"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("alarm"),
        "a Baton stamp is no alarm: {}",
        run.stderr
    );

    let refs = env
        .ralph
        .git(&["for-each-ref", "--format=%(refname)", "refs/baton/backup"]);
    let backup = refs.lines().next().unwrap_or_else(|| {
        panic!("no backup ref; stderr:\n{}", run.stderr);
    });
    assert!(run.stderr.contains(backup), "{backup}: {}", run.stderr);
    let kept = env.ralph.git(&["log", "--format=%s", backup]);
    assert!(
        kept.lines()
            .any(|s| s.starts_with("[SYNC i=2] actor=ralph → next=galph status=ok")),
        "{kept}"
    );
    assert_eq!(env.remote_tip(), hand, "never force-pushed");

    // The person continues from the remote: the refused stamp is not written again.
    env.ralph.git(&["reset", "-q", "--hard", "origin/main"]);
    let again = env.run_ralph(&["--iterations", "1", "--max-wait", "1s"]);
    again.expect_code(1);
    assert!(again.stderr.contains("gave up waiting"), "{}", again.stderr);
    assert!(
        !again.stderr.contains("finishing its stamp"),
        "{}",
        again.stderr
    );
    assert_eq!(env.remote_tip(), hand);
    assert_eq!(env.remote_journal().len(), 2, "galph's and the hand stamp");
}

#[test]
fn role_galph_first_start_without_state_commits_sync_init() {
    let env = RoleEnv::without_state();
    env.run_galph(&["--iterations", "1"]).expect_code(0);
    let syncs = env.remote_syncs();
    assert_eq!(syncs.len(), 3, "{syncs:#?}");
    assert_eq!(syncs[0], "[SYNC init] actor=galph status=idle");
    assert!(syncs[1].starts_with("[SYNC i=1] actor=galph status=running"));
    assert!(syncs[2].starts_with("[SYNC i=1] actor=galph → next=ralph status=ok galph_commit="));
    let state = env.remote_state();
    assert_eq!(state["expected_actor"], "ralph", "{state:#}");
    assert_eq!(state["status"], "waiting-ralph");
}

/// Two daemons of one actor on two clones (a person restarting on a new machine
/// while the old one still runs) never both run their agent for one turn: the claim is a
/// compare-and-swap push made before the agent starts.
#[test]
fn two_galph_daemons_never_run_the_same_turn() {
    for round in 0..3 {
        let env = RoleEnv::new();
        // Both galphs wait for ralph, and wake on ralph's stamp at the same moment.
        env.seed.write(
            "sync/state.json",
            "{\n  \"iteration\": 1,\n  \"expected_actor\": \"ralph\",\n  \"status\": \"waiting-ralph\",\n  \"generation\": 1\n}\n",
        );
        env.seed.commit_all("ralph first");
        env.seed.git(&["push", "-q", "origin", "main"]);
        let second = env.another_clone("galph-2");
        let a = env.galph_daemon(&["--iterations", "1"]);
        let b = Daemon::spawn(
            second.baton_cmd(&daemon_args("supervisor", &["--iterations", "1"])),
            &env.seed.ctl,
        );
        env.run_ralph(&["--iterations", "2"]).expect_code(0);
        a.wait(DEADLINE).expect_code(0);
        b.wait(DEADLINE).expect_code(0);
        let galph_runs = env
            .prompts_called()
            .iter()
            .filter(|c| c.starts_with("galph"))
            .count();
        let journal = env.remote_journal();
        let galph_turns = journal.iter().filter(|e| e["actor"] == "galph").count();
        assert_eq!(
            galph_runs, 2,
            "round {round}: two galph turns, one agent run each"
        );
        assert_eq!(galph_turns, 2, "round {round}");
        let backups = env.remote_git(&["for-each-ref", "refs/baton"]);
        assert_eq!(backups, "", "round {round}: no work ended on a backup ref");
        for clone in [&env.galph, &second] {
            let refs = clone.git(&["for-each-ref", "refs/baton"]);
            assert_eq!(refs, "", "round {round}: no backup ref in a clone");
        }
    }
}
