//! Every program a run may start is checked before anything runs, as agents are: an unknown
//! agent in `agent.fallbacks` (found today only at the usage limit it exists for), and
//! `completion.verify` and `notify.command` programs not on `PATH`. `baton check` lists them
//! (exit 2), `baton run` refuses the first (exit 2, nothing written), each naming
//! `file:line:col` and the key, with a hint. A cost budget that the agents cannot reach (they
//! report no cost) is warned about.

use crate::common::TestEnv;

/// The stub config plus fallbacks, verify and notify settings; returns the env and the line
/// numbers (1-based) of the fallback chain, the second verify command and the notify command.
fn misconfigured() -> (TestEnv, [usize; 3]) {
    let env = TestEnv::bare();
    let config = env.stub_config(
        "  fallbacks:\n    stub: [other, cluade]\ncompletion:\n  verify:\n    - [sh, -c, 'true']\n    \
         - [no-such-verifier, --all]\nnotify:\n  command: [./tools/no-such-notifier]\n",
    );
    let line = |needle: &str| {
        config
            .lines()
            .position(|l| l.contains(needle))
            .expect("line")
            + 1
    };
    let lines = [
        line("stub: [other, cluade]"),
        line("no-such-verifier"),
        line("no-such-notifier"),
    ];
    env.write("orchestration.yaml", &config);
    env.commit_all("init");
    (env, lines)
}

#[test]
fn check_lists_unknown_fallbacks_and_missing_programs_with_their_place_and_a_hint() {
    let (env, [fallbacks, verify, notify]) = misconfigured();
    let check = env.baton(&["check"]);
    check.expect_code(2);
    let file = env.path("orchestration.yaml").display().to_string();
    for expected in [
        format!("FAIL {file}:{fallbacks}:19: key `agent.fallbacks.stub`: unknown agent `cluade`"),
        format!(
            "FAIL {file}:{verify}:7: key `completion.verify`: program `no-such-verifier` not found \
             on PATH"
        ),
        format!(
            "FAIL {file}:{notify}:13: key `notify.command`: program `./tools/no-such-notifier` \
             not found on PATH"
        ),
        "     hint: an agent is a preset (claude, codex, gemini, opencode, aider)".to_owned(),
        "     hint: install `no-such-verifier` or put the directory holding it on PATH".to_owned(),
    ] {
        assert!(
            check.stdout.contains(&expected),
            "{expected}\n{}",
            check.stdout
        );
    }
    assert!(
        check.stdout.contains("did you mean `claude`?"),
        "{}",
        check.stdout
    );
    assert!(
        check
            .stdout
            .contains("ok   agent  stub at a usage limit -> other"),
        "{}",
        check.stdout
    );

    // A program given by a relative path is looked for from the workspace root, as it runs.
    crate::common::write_script(&env.path("tools"), "no-such-notifier", "#!/bin/sh\n");
    let check = env.baton(&["check"]);
    assert!(!check.stdout.contains("notify.command"), "{}", check.stdout);
}

#[test]
fn run_refuses_the_first_problem_before_anything_runs() {
    let (env, [fallbacks, _, _]) = misconfigured();
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(2);
    let file = env.path("orchestration.yaml").display().to_string();
    assert!(
        run.stderr.contains(&format!(
            "baton: error: {file}:{fallbacks}:19: key `agent.fallbacks.stub`: unknown agent \
             `cluade`"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("baton: hint: an agent is a preset"),
        "{}",
        run.stderr
    );
    assert!(env.calls().is_empty(), "nothing ran");
    assert!(!env.path("sync/state.json").exists(), "nothing written");
    assert!(!env.path("logs").exists(), "nothing written");

    // From the environment, the variable is named instead of a position.
    let mut cmd = env.baton_cmd(&["run", "--iterations", "1"]);
    cmd.env("BATON_AGENT_FALLBACKS", "{stub: [other]}")
        .env("BATON_COMPLETION_VERIFY", "[[no-such-verifier]]");
    let run = crate::common::Run::from(cmd.output().expect("run"));
    run.expect_code(2);
    assert!(
        run.stderr.contains(
            "baton: error: environment variable BATON_COMPLETION_VERIFY: key \
             `completion.verify`: program `no-such-verifier` not found on PATH"
        ),
        "{}",
        run.stderr
    );
    assert!(env.calls().is_empty(), "nothing ran");
}

#[test]
fn a_cost_budget_with_agents_that_report_no_cost_is_warned_about() {
    let env = TestEnv::with_config("budget:\n  max_cost_usd: 5\n");
    let check = env.baton(&["check"]);
    check.expect_code(0);
    let warning = "budget.max_cost_usd is set, but agent stub (text) reports no cost";
    assert!(check.stdout.contains(warning), "{}", check.stdout);
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("baton: warning: ") && run.stderr.contains(warning),
        "{}",
        run.stderr
    );

    // Agents that speak Claude's stream-json report their cost: nothing to warn about.
    let reporting = TestEnv::with_config(
        "  formats:\n    stub: claude-stream-json\nbudget:\n  max_cost_usd: 5\n",
    );
    let check = reporting.baton(&["check"]);
    check.expect_code(0);
    assert!(
        !check.stdout.contains("reports no cost"),
        "{}",
        check.stdout
    );
}
