//! Fan-out and fan-in (`docs/workflows.md`): the turns a step fans out to run at once, each in
//! a worktree of its own, land like workers' branches, and the join waits for all of them; a
//! branch that conflicts fails its turn, is kept, and runs again on top of what landed.

use crate::test_workflows::{actors_of, workspace};

const REVIEWERS: &str = "actors:
  sec: {kind: reviewer, prompt: sec.md}
  arch: {kind: reviewer, prompt: arch.md}
  critic: {kind: reviewer, prompt: critic.md}
workflow:
  steps:
    - {from: galph, to: ralph}
    - {from: ralph, to: [sec, arch]}
    - {from: [sec, arch], to: critic, join: all}
    - {from: critic, to: end}
";

/// A reviewer that notes how many reviewers run beside it and writes its own report (or,
/// with `SAME`, one report both write).
fn reviewer(file: &str) -> String {
    format!(
        r#"mkdir -p "$TEST_CTL/running" && touch "$TEST_CTL/running/$BATON_ACTOR"
i=0; while [ "$(ls "$TEST_CTL/running" | wc -l)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
ls "$TEST_CTL/running" | wc -l >> "$TEST_CTL/beside"
echo "$BATON_WORKER $(pwd)" >> "$TEST_CTL/where"
mkdir -p reports && echo "$BATON_ACTOR says ok" > reports/{file}
sleep 0.2
rm -f "$TEST_CTL/running/$BATON_ACTOR"
"#
    )
}

#[test]
fn a_fan_out_runs_both_turns_at_once_in_worktrees_and_the_join_waits_for_both() {
    let env = workspace(REVIEWERS, &["sec", "arch", "critic"]);
    env.hook("sec", &reviewer("$BATON_ACTOR.md"));
    env.hook("arch", &reviewer("$BATON_ACTOR.md"));
    env.hook(
        "critic",
        "cat reports/sec.md reports/arch.md > \"$TEST_CTL/critic-read\"\n",
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let actors = actors_of(&env.journal());
    assert_eq!(&actors[..2], ["galph", "ralph"]);
    let mut fanned = actors[2..4].to_vec();
    fanned.sort();
    assert_eq!(fanned, ["arch", "sec"]);
    assert_eq!(actors[4], "critic");
    // Both ran at once, each in a worktree of its own, and the critic saw both reports.
    let beside = env.read_ctl("beside");
    assert!(beside.lines().all(|l| l.trim() == "2"), "{beside}");
    let root = env.root.canonicalize().expect("root");
    let places = env.read_ctl("where");
    assert!(
        places
            .lines()
            .all(|l| !l.ends_with(&*root.to_string_lossy())),
        "{places}"
    );
    assert_eq!(env.read_ctl("critic-read"), "sec says ok\narch says ok\n");
    let lands = env
        .subjects()
        .into_iter()
        .filter(|s| s.starts_with("[LAND i=1] ") && s.contains(": its turn (baton/"))
        .count();
    assert_eq!(lands, 2);
    let state = env.state();
    assert_eq!(state["status"], "complete");
    assert_eq!(state["iteration"], 2);
    assert!(state["commits"]["sec"].is_string() && state["commits"]["arch"].is_string());
    assert_eq!(env.git(&["status", "--porcelain"]).trim(), "");
}

#[test]
fn a_fan_out_turn_whose_branch_conflicts_fails_keeps_its_branch_and_the_rerun_finishes() {
    let env = workspace(REVIEWERS, &["sec", "arch", "critic"]);
    env.hook("sec", &reviewer("shared.md"));
    env.hook("arch", &reviewer("shared.md"));
    let first = env.baton(&["run", "--iterations", "1"]);
    first.expect_code(1);
    assert!(first.stderr.contains("landing:"), "{}", first.stderr);
    let journal = env.journal();
    let outcomes: Vec<(String, String)> = journal[2..]
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_owned(),
                e["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(outcomes.iter().any(|(_, o)| o == "ok"), "{outcomes:?}");
    let (lost, _) = outcomes
        .iter()
        .find(|(_, o)| o == "failed")
        .expect("one turn failed");
    assert!(
        env.git(&["branch", "--list", "baton/*"])
            .contains(&format!("baton/{lost}/i1")),
        "the conflicting branch is kept"
    );
    assert_eq!(env.git(&["status", "--porcelain"]).trim(), "");
    // The next start runs the failed turn again, on top of what landed, then the join fires.

    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let actors = actors_of(&env.journal());
    assert_eq!(actors[4], *lost, "{actors:?}");
    assert_eq!(actors[5], "critic", "{actors:?}");
    assert_eq!(env.state()["iteration"], 2);
}
