//! Unit tests of what `baton run` refuses and `baton check` reports before anything runs.

use super::*;

fn loaded(text: &str) -> Loaded {
    let opts = crate::config::LoadOptions::default();
    crate::config::load_from_str(text, std::path::Path::new("/ws/orchestration.yaml"), &opts)
        .expect("config")
}

fn agents(default: &str) -> Preflight {
    let text = format!(
        "agent:\n  default: {default}\n  commands:\n    stub: [sh]\n    \
             yolo: [sh, -c, 'true', --dangerously-skip-permissions]\n"
    );
    preflight(&loaded(&text), &Actor::PAIR, true)
}

#[test]
fn root_with_claude_outside_a_sandbox_warns() {
    let none = |_: &str| None;
    let warning = root_bypass_warning(&agents("yolo"), true, none).expect("a warning");
    assert!(
        warning.starts_with("agent yolo: running as root"),
        "{warning}"
    );
    assert!(warning.contains("IS_SANDBOX=1"), "{warning}");
    assert_eq!(root_bypass_warning(&agents("yolo"), false, none), None);
    assert_eq!(root_bypass_warning(&agents("stub"), true, none), None);
    let sandbox = |k: &str| (k == "IS_SANDBOX").then(|| "1".to_owned());
    assert_eq!(root_bypass_warning(&agents("yolo"), true, sandbox), None);
}

#[test]
fn problems_name_the_place_of_the_setting() {
    let text = "agent:\n  default: stub\n  commands:\n    stub: [sh]\n  fallbacks:\n    \
                    stub: [stub, cluade]\ncompletion:\n  verify:\n    - [sh, -c, 'true']\n    \
                    - [no-such-verifier]\n";
    let found = preflight(&loaded(text), &Actor::PAIR, true);
    let problems: Vec<String> = found.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "/ws/orchestration.yaml:6:18: key `agent.fallbacks.stub`: unknown agent `cluade`"
        ),
        "{problems:?}"
    );
    assert!(
        problems[0].contains("did you mean `claude`?"),
        "{problems:?}"
    );
    assert_eq!(
        problems[1],
        "/ws/orchestration.yaml:10:7: key `completion.verify`: program `no-such-verifier` \
             not found on PATH"
    );
    assert_eq!(found.problems[1].hints().len(), 2);
}

#[test]
fn a_role_mode_daemon_checks_the_programs_of_its_own_actor_only() {
    let text = "agent:\n  default: stub\n  commands:\n    stub: [sh]\n    \
                    far: [no-such-agent-here]\n  roles:\n    ralph: far\n  fallbacks:\n    \
                    far: [farther]\n    stub: [also-far]\ncompletion:\n  verify:\n    \
                    - [no-such-verifier]\n";
    let galph = preflight(&loaded(text), &[Actor::GALPH], true);
    let problems: Vec<String> = galph.problems.iter().map(ToString::to_string).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("unknown agent `farther`")),
        "unknown names are errors on every machine: {problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("unknown agent `also-far`"))
    );
    assert!(problems.iter().any(|p| p.contains("no-such-verifier")));
    assert!(
        !problems.iter().any(|p| p.contains("no-such-agent-here")),
        "ralph's agent is ralph's machine's business: {problems:?}"
    );
    let ralph = preflight(&loaded(text), &[Actor::RALPH], false);
    let problems: Vec<String> = ralph.problems.iter().map(ToString::to_string).collect();
    assert!(problems.iter().any(|p| p.contains("no-such-agent-here")));
    assert!(
        !problems.iter().any(|p| p.contains("no-such-verifier")),
        "ralph takes no completion claim in role mode: {problems:?}"
    );
}

#[test]
fn a_cost_budget_with_agents_that_report_no_cost_warns() {
    let text = "agent:\n  default: stub\n  commands:\n    stub: [sh]\n    \
                    json: [sh]\n  formats:\n    json: claude-stream-json\n  roles:\n    \
                    galph: json\nbudget:\n  max_cost_usd: 5\n";
    let found = preflight(&loaded(text), &Actor::PAIR, true);
    let warning = cost_warning(&loaded(text), &found).expect("a warning");
    assert!(
        warning.starts_with(
            "/ws/orchestration.yaml:11:17: budget.max_cost_usd is set, but agent stub (text) \
                 reports no cost"
        ),
        "{warning}"
    );
    let all_json = text.replace("galph: json", "galph: json\n    ralph: json");
    let found = preflight(&loaded(&all_json), &Actor::PAIR, true);
    assert_eq!(cost_warning(&loaded(&all_json), &found), None);
}
