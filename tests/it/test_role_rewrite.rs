//! Issue 6 §3b: a force-push that rewrites the shared branch, or a clone that diverges while its
//! daemon waits, stops the daemon at once (exit 1) with its commits on a backup ref and the
//! command that continues from the remote; it used to sit blind until `--max-wait`, and a
//! restart pushed the rewritten-away commits back.

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, RoleEnv};

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
