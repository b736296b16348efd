//! Workflows (`docs/workflows.md`): declared actors take their turns in the order the graph
//! says — in sequence, on conditions, in bounded loops, a failure routed — and a graph that
//! cannot run is refused before anything runs, naming its place in the file with a hint.

use serde_json::Value;

use crate::common::TestEnv;

/// A workspace whose configuration adds `yaml` (top-level keys) and whose prompts include one
/// per declared actor named in `actors`.
pub(crate) fn workspace(yaml: &str, actors: &[&str]) -> TestEnv {
    let env = TestEnv::bare();
    for actor in actors {
        env.write(&format!("prompts/{actor}.md"), &format!("PROMPT {actor}\n"));
    }
    env.write(
        "orchestration.yaml",
        &format!("{}{yaml}", env.stub_config("")),
    );
    env.commit_all("init");
    env
}

pub(crate) fn actors_of(journal: &[Value]) -> Vec<String> {
    journal
        .iter()
        .map(|t| t["actor"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const CRITIC: &str = "actors:
  critic: {kind: reviewer, prompt: critic.md}
";

/// galph → ralph → critic, the critic sending ralph back on `BATON-NEXT: revise` at most
/// `max` times per iteration.
fn critic_loop(max: u32) -> String {
    format!(
        "{CRITIC}workflow:
  steps:
    - {{from: galph, to: ralph}}
    - {{from: ralph, to: critic}}
    - {{from: critic, to: ralph, when: {{answer: revise}}, max_loops: {max}}}
    - {{from: critic, to: end}}
"
    )
}

#[test]
fn a_declared_reviewer_takes_its_turn_in_sequence_and_the_iteration_ends_after_it() {
    let env = workspace(
        &format!(
            "{CRITIC}workflow:
  steps:
    - {{from: galph, to: ralph}}
    - {{from: ralph, to: critic}}
    - {{from: critic, to: end}}
"
        ),
        &["critic"],
    );
    env.hook(
        "critic",
        "mkdir -p reports && echo 'looks right' > reports/critique.md\n",
    );
    env.baton(&["run", "--iterations", "2"]).expect_code(0);
    assert_eq!(
        actors_of(&env.journal()),
        ["galph", "ralph", "critic", "galph", "ralph", "critic"]
    );
    assert_eq!(env.prompts_called()[2], "critic critic.md");
    let state = env.state();
    assert_eq!(state["iteration"], 3);
    assert_eq!(state["status"], "complete");
    assert_eq!(state["expected_actor"], "galph");
    assert!(state["commits"]["critic"].is_string(), "{state:#}");
    assert!(
        state.get("workflow").is_none(),
        "a plain iteration writes no progress: {state:#}"
    );
    let subjects = env.subjects();
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("CRITIC AUTO (prompt=critic.md)")),
        "{subjects:#?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("actor=ralph → next=critic")),
        "{subjects:#?}"
    );
}

#[test]
fn an_answer_loops_back_at_most_max_loops_times_then_the_next_step() {
    let env = workspace(&critic_loop(2), &["critic"]);
    env.hook("critic", "echo 'not yet'\necho 'BATON-NEXT: revise'\n");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(
        actors_of(&env.journal()),
        [
            "galph", "ralph", "critic", "ralph", "critic", "ralph", "critic"
        ]
    );
    let state = env.state();
    assert_eq!(state["iteration"], 2);
    assert!(
        state.get("workflow").is_none(),
        "loop counts end with the iteration"
    );
}

#[test]
fn conditions_on_files_and_commands_choose_the_step_and_a_failure_step_routes_a_failed_turn() {
    let env = workspace(
        &format!(
            "{CRITIC}workflow:
  steps:
    - {{from: galph, to: ralph}}
    - {{from: ralph, to: galph, when: {{outcome: failed}}}}
    - {{from: ralph, to: critic, when: {{file: NEEDS_REVIEW}}}}
    - {{from: ralph, to: end, when: {{command: [sh, -c, 'test -f SKIP']}}}}
    - {{from: ralph, to: critic}}
    - {{from: critic, to: end}}
"
        ),
        &["critic"],
    );
    // Iteration 1: ralph fails once (galph gets the turn back), then asks for a review.
    env.hook(
        "ralph",
        "if [ ! -f \"$TEST_CTL/failed-once\" ]; then touch \"$TEST_CTL/failed-once\"; exit 3; fi\n\
         if [ ! -f \"$TEST_CTL/skip-next\" ]; then touch NEEDS_REVIEW \"$TEST_CTL/skip-next\"; \
         else rm -f NEEDS_REVIEW; touch SKIP; fi\n",
    );
    env.baton(&["run", "--iterations", "2"]).expect_code(0);
    let journal = env.journal();
    let turns: Vec<String> = journal
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["actor"].as_str().unwrap_or(""),
                t["outcome"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        turns,
        [
            "galph ok",
            "ralph failed",
            "galph ok",
            "ralph ok",
            "critic ok",
            "galph ok",
            "ralph ok",
        ],
        "the failure went back to galph; the file asked for the critic; the command skipped it"
    );
    assert_eq!(env.state()["iteration"], 3);
}

#[test]
fn route_walks_the_graph_and_graph_draws_it() {
    let env = workspace(&critic_loop(1), &["critic"]);
    let route = env.baton(&["route", "--next", "4"]);
    route.expect_code(0);
    let actors: Vec<&str> = route
        .stdout
        .lines()
        .filter_map(|l| l.split("actor=").nth(1)?.split_whitespace().next())
        .collect();
    assert_eq!(
        actors,
        ["galph", "ralph", "critic", "galph"],
        "{}",
        route.stdout
    );
    let text = env.baton(&["graph"]);
    text.expect_code(0);
    assert!(
        text.stdout
            .contains("critic -> ralph  (when answer revise, at most 1x)"),
        "{}",
        text.stdout
    );
    let mermaid = env.baton(&["graph", "--format", "mermaid"]);
    assert!(
        mermaid.stdout.starts_with("flowchart LR"),
        "{}",
        mermaid.stdout
    );
    let dot = env.baton(&["graph", "--format", "dot"]);
    assert!(
        dot.stdout.contains("\"ralph\" -> \"critic\";"),
        "{}",
        dot.stdout
    );
}

/// `baton check` refuses each graph that cannot run, before anything runs, naming the line and
/// column of the offending step and saying what to do.
#[test]
fn check_refuses_graphs_that_cannot_run_with_their_place_and_a_hint() {
    let cases: [(&str, &str, &str); 5] = [
        (
            "workflow:\n  steps:\n    - {from: galph, to: rlaph}\n    - {from: ralph, to: end}\n",
            "unknown actor `rlaph`",
            "did you mean `ralph`",
        ),
        (
            "actors:\n  sec: {kind: reviewer, prompt: sec.md}\nworkflow:\n  steps:\n    - {from: galph, to: ralph}\n    - {from: ralph, to: end}\n",
            "`sec` is never reached",
            "add a step that leads to it",
        ),
        (
            "workflow:\n  steps:\n    - {from: galph, to: ralph}\n    - {from: ralph, to: galph}\n",
            "the iteration would never end",
            "max_loops",
        ),
        (
            "actors:\n  sec: {kind: reviewer, prompt: sec.md}\n  arch: {kind: reviewer, prompt: arch.md}\nworkflow:\n  steps:\n    - {from: galph, to: sec}\n    - {from: sec, to: arch, when: {file: X}}\n    - {from: [sec, arch], to: ralph, join: all}\n    - {from: ralph, to: end}\n",
            "no fan-out starts them together",
            "fan them out in one step",
        ),
        (
            "workflow:\n  steps:\n    - {from: galph, to: ralph}\n    - {from: galph, to: end}\n    - {from: ralph, to: end}\n",
            "is never taken",
            "give the earlier one a `when:`",
        ),
    ];
    for (yaml, says, hint) in cases {
        let env = workspace(yaml, &["sec", "arch"]);
        let before = env.git(&["status", "--porcelain"]);
        let check = env.baton(&["check"]);
        check.expect_code(2);
        assert!(
            check.stderr.contains("orchestration.yaml:"),
            "{yaml}\n{}",
            check.stderr
        );
        assert!(check.stderr.contains(says), "{yaml}\n{}", check.stderr);
        assert!(
            check.stderr.contains("baton: hint:") && check.stderr.contains(hint),
            "{yaml}\n{}",
            check.stderr
        );
        let run = env.baton(&["run", "--iterations", "1"]);
        run.expect_code(2);
        assert!(env.calls().is_empty(), "nothing ran");
        assert_eq!(
            env.git(&["status", "--porcelain"]),
            before,
            "nothing was written"
        );
    }
}

#[test]
fn the_place_of_a_bad_step_is_its_line_and_column() {
    let env = workspace(
        "workflow:\n  steps:\n    - {from: galph, to: ralph}\n    - {from: galph, to: end}\n    - {from: ralph, to: end}\n",
        &[],
    );
    let lines = env.read("orchestration.yaml").lines().count();
    let check = env.baton(&["check"]);
    check.expect_code(2);
    // The step never taken is the one before the last line; its item starts at column 7.
    let place = format!("orchestration.yaml:{}:7:", lines - 1);
    assert!(check.stderr.contains(&place), "{place} in {}", check.stderr);
}

#[test]
fn a_reviewer_that_edits_the_work_fails_its_turn_as_galph_would() {
    let env = workspace(
        &format!(
            "{CRITIC}workflow:
  steps:
    - {{from: galph, to: critic}}
    - {{from: critic, to: ralph}}
    - {{from: ralph, to: end}}
"
        ),
        &["critic"],
    );
    env.hook("critic", "echo 'fixed it myself' > src.txt\n");
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(1);
    let state = env.state();
    assert_eq!(state["status"], "failed");
    assert_eq!(state["expected_actor"], "critic");
    assert!(
        run.stderr.contains("src.txt"),
        "the guard names what it left: {}",
        run.stderr
    );
}

#[test]
fn a_state_naming_an_undeclared_actor_is_refused_by_run() {
    let env = workspace("", &[]);
    env.write(
        "sync/state.json",
        "{\"iteration\": 1, \"expected_actor\": \"sec\", \"status\": \"waiting-sec\"}\n",
    );
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(2);
    assert!(run.stderr.contains("sync/state.json:1:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`sec` is no actor of this workspace"),
        "{}",
        run.stderr
    );
    assert!(env.calls().is_empty());
}

#[test]
fn a_declared_actor_runs_on_a_third_clone_with_run_as_and_hands_turns_over_through_the_remote() {
    use crate::role_env::{DEADLINE, Daemon, RoleEnv, daemon_args};
    let env = RoleEnv::with_config(&format!(
        "{CRITIC}workflow:
  steps:
    - {{from: galph, to: ralph}}
    - {{from: ralph, to: critic}}
    - {{from: critic, to: end}}
"
    ));
    env.seed.write("prompts/critic.md", "PROMPT critic\n");
    env.seed.commit_all("critic prompt");
    env.seed.git(&["push", "-q", "origin", "main"]);
    let third = env.another_clone("critic");
    env.seed.hook(
        "critic",
        "mkdir -p reports && echo \"critique $BATON_ITERATION\" > reports/critique.md\n",
    );
    // Each clone pulls the seed's latest commit before it starts.
    for clone in [&env.galph, &env.ralph] {
        clone.git(&["pull", "-q", "--ff-only", "origin", "main"]);
    }
    let galph = env.galph_daemon(&["--iterations", "2", "--max-wait", "30s"]);
    let ralph = env.ralph_daemon(&["--iterations", "2", "--max-wait", "30s"]);
    let args = daemon_args(
        "run",
        &["--as", "critic", "--iterations", "2", "--max-wait", "30s"],
    );
    let args: Vec<&str> = args
        .into_iter()
        .filter(|a| *a != "--sync-via-git")
        .collect();
    let critic = Daemon::spawn(third.baton_cmd(&args), &env.seed.ctl);
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    critic.wait(DEADLINE).expect_code(0);
    let actors: Vec<String> = env
        .remote_journal()
        .iter()
        .map(|e| e["actor"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        actors,
        ["galph", "ralph", "critic", "galph", "ralph", "critic"]
    );
    let hosts: std::collections::BTreeSet<String> = env
        .remote_subjects()
        .iter()
        .filter(|s| s.contains("actor=critic status=running"))
        .cloned()
        .collect();
    assert_eq!(hosts.len(), 2, "critic claimed its two turns: {hosts:?}");
    assert_eq!(
        env.remote_file("reports/critique.md").as_deref(),
        Some("critique 2\n")
    );
    let state = env.remote_state();
    assert_eq!(state["status"], "complete");
    assert_eq!(state["iteration"], 3);
}
