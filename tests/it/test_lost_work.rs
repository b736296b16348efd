//! A failed turn never deletes work. An agent that commits a file and then fails,
//! times out or is interrupted keeps its commit and file on the branch (and on the remote in
//! role mode) after the failed stamp, and a retry is not blocked by "dirty paths".

use crate::common::TestEnv;
use crate::role_env::{DEADLINE, RoleEnv, WAIT_FOR_GO};

/// Commits `work-<actor>.txt` with the system git, then runs `then`.
fn commit_then(then: &str) -> String {
    format!(
        "echo \"work of $BATON_ACTOR\" > \"work-$BATON_ACTOR.txt\"\n\
         git add \"work-$BATON_ACTOR.txt\" && git commit -q -m \"$BATON_ACTOR: work\"\n{then}"
    )
}

/// How the agent ends after its commit, and the exit code Baton ends with.
const ENDINGS: &[(&str, &str, i32)] = &[("exit 1", "exit 1\n", 1), ("timeout", "sleep 30\n", 1)];

fn assert_kept(env: &TestEnv, actor: &str, ending: &str) {
    let file = format!("work-{actor}.txt");
    let tree = env.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(
        tree.lines().any(|l| l == file),
        "{ending}: {file} on the branch:\n{tree}"
    );
    let log = env.git(&["log", "--format=%s"]);
    assert!(log.contains(&format!("{actor}: work")), "{ending}: {log}");
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "",
        "{ending}: clean tree"
    );
}

#[test]
fn combined_a_failed_turn_keeps_the_agents_commit() {
    for (ending, then, code) in ENDINGS {
        // ralph fails after galph's turn in the same process (a libgit2 index cached since
        // galph's stamp was the culprit); galph fails on its second turn of a single-actor run.
        let cases: [(&str, &[&str]); 2] = [
            ("ralph", &["run", "--iterations", "1", "--timeout", "2s"]),
            (
                "galph",
                &["supervisor", "--iterations", "2", "--timeout", "2s"],
            ),
        ];
        for (actor, args) in cases {
            let env = TestEnv::new();
            let hook = format!(
                "if [ \"$BATON_ACTOR\" = ralph ] || [ \"$BATON_ITERATION\" = 2 ]; then\n{}fi\n",
                commit_then(then)
            );
            env.hook(actor, &hook);
            let run = env.baton(args);
            run.expect_code(*code);
            assert_eq!(env.state()["status"], "failed", "{ending}");
            assert_kept(&env, actor, ending);
            // The retry is not blocked by dirty paths.
            env.hook(actor, "true\n");
            env.baton(&["run", "--iterations", "1"]).expect_code(0);
            assert_kept(&env, actor, ending);
        }
    }
}

#[test]
fn combined_an_interrupted_turn_keeps_the_agents_commit() {
    let env = TestEnv::new();
    env.hook("galph", &commit_then(WAIT_FOR_GO));
    let mut child = env
        .baton_cmd(&["run", "--iterations", "1"])
        .spawn()
        .expect("spawn");
    crate::common::wait_for(30, "galph's agent", || {
        env.ctl.join("galph-started").exists()
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid")),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("kill");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(143));
    assert_kept(&env, "galph", "SIGTERM");
}

#[test]
fn role_a_failed_turn_keeps_the_agents_commit_on_the_remote() {
    for (ending, then, code) in ENDINGS {
        let env = RoleEnv::new();
        env.seed.hook("galph", &commit_then(then));
        let run = env.run_galph(&["--iterations", "1", "--timeout", "2s"]);
        run.expect_code(*code);
        assert_eq!(env.remote_state()["status"], "failed", "{ending}");
        assert_eq!(
            env.remote_file("work-galph.txt").as_deref(),
            Some("work of galph\n"),
            "{ending}: on the remote"
        );
        assert_kept(&env.galph, "galph", ending);
        env.seed.hook("galph", "true\n");
        env.run_galph(&["--iterations", "1"]).expect_code(0);
        assert!(env.remote_file("work-galph.txt").is_some(), "{ending}");
    }
    let env = RoleEnv::new();
    env.seed.hook("galph", &commit_then(WAIT_FOR_GO));
    let mut galph = env.galph_daemon(&["--iterations", "1"]);
    env.wait_agent_started(&mut galph, "galph");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(galph.pid()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("kill");
    galph.wait(DEADLINE).expect_code(143);
    assert_eq!(
        env.remote_file("work-galph.txt").as_deref(),
        Some("work of galph\n"),
        "SIGTERM: on the remote"
    );
}
