//! Unit tests of the pure router.

use crate::config::{Config, RouterMode};
use crate::router::{RouterError, RouterStep, Source, accept_output, deterministic, router_step};
use crate::state::{Actor, Handoff, State};

fn config(review_every_n: u64) -> Config {
    let mut config = Config::defaults(std::path::Path::new("/workspace"));
    config.review_every_n = review_every_n;
    config
}

/// Runs `turns` successful combined turns and returns `<actor> <prompt>` for each.
fn sequence(config: &Config, turns: usize) -> Vec<String> {
    let mut state = State::default();
    let mut seen = Vec::new();
    for _ in 0..turns {
        let actor = state.expected_actor;
        let d = deterministic(&state, config, actor);
        seen.push(format!("{actor} {}", d.prompt));
        state.finish_ok(
            actor,
            &d.prompt,
            None,
            Handoff::ToPeer.next(actor),
            std::time::SystemTime::now(),
        );
    }
    seen
}

#[test]
fn without_cadence_galph_supervises_and_ralph_works() {
    let seq = sequence(&config(0), 4);
    assert_eq!(
        seq,
        [
            "galph supervisor.md",
            "ralph main.md",
            "galph supervisor.md",
            "ralph main.md"
        ]
    );
}

#[test]
fn review_runs_once_per_cadence_iteration() {
    let short: Vec<String> = sequence(&config(2), 8)
        .iter()
        .map(|s| {
            s.split(' ')
                .nth(1)
                .unwrap_or("")
                .chars()
                .next()
                .unwrap_or('?')
                .to_string()
        })
        .collect();
    assert_eq!(short.concat(), "smrmsmrm");
}

#[test]
fn ralph_reviews_when_galph_did_not_in_a_cadence_iteration() {
    let config = config(2);
    let mut state = State {
        iteration: 2,
        expected_actor: Actor::RALPH,
        ..State::default()
    };
    state.last_prompt = Some("supervisor.md".into());
    state.last_prompt_actor = Some(Actor::GALPH);
    let d = deterministic(&state, &config, Actor::RALPH);
    assert_eq!(d.prompt, "reviewer.md");
    assert!(d.reason.contains("galph did not review"), "{}", d.reason);
}

#[test]
fn deterministic_reason_names_the_cadence() {
    let state = State {
        iteration: 4,
        ..State::default()
    };
    let d = deterministic(&state, &config(2), Actor::GALPH);
    assert_eq!(d.source, Source::Deterministic);
    assert_eq!(d.reason, "review cadence 4%2==0");
    assert_eq!(
        d.log_line(4, Actor::GALPH),
        "[router] iteration=4 actor=galph prompt=reviewer.md source=deterministic reason=review cadence 4%2==0"
    );
}

#[test]
fn router_steps_per_mode() {
    let mut config = config(0);
    assert_eq!(
        router_step(&config, Actor::GALPH),
        RouterStep::Deterministic,
        "disabled"
    );
    config.router.enabled = true;
    assert_eq!(
        router_step(&config, Actor::RALPH),
        RouterStep::Deterministic,
        "ralph never"
    );
    let run = |check| RouterStep::RunRouter {
        check_deterministic: check,
    };
    assert_eq!(router_step(&config, Actor::GALPH), run(true));
    config.router.mode = RouterMode::First;
    assert_eq!(router_step(&config, Actor::GALPH), run(false));
    config.router.mode = RouterMode::Only;
    assert_eq!(router_step(&config, Actor::GALPH), run(false));
    config.router.prompt = None;
    assert_eq!(router_step(&config, Actor::GALPH), RouterStep::Fail);
    config.router.mode = RouterMode::First;
    assert_eq!(
        router_step(&config, Actor::GALPH),
        RouterStep::Deterministic
    );
}

#[test]
fn router_output_contract() {
    let config = config(0);
    let ok =
        accept_output("  reviewer \n\n", &config, |name| name == "reviewer.md").expect("valid");
    assert_eq!(
        (ok.prompt.as_str(), ok.source),
        ("reviewer.md", Source::Router)
    );
    let err = |raw: &str| accept_output(raw, &config, |_| true).expect_err(raw);
    assert_eq!(err(""), RouterError::Empty);
    assert_eq!(err("a\nb"), RouterError::SeveralLines(2));
    assert_eq!(
        err("/x/reviewer.md"),
        RouterError::Absolute("/x/reviewer.md".into())
    );
    assert_eq!(
        err("C:reviewer"),
        RouterError::Absolute("C:reviewer.md".into())
    );
    assert_eq!(
        err("../reviewer"),
        RouterError::ParentDir("../reviewer.md".into())
    );
    assert!(matches!(
        err("rev\u{1b}iewer"),
        RouterError::ControlChars(_)
    ));
    assert!(matches!(err("main"), RouterError::NotAllowed { .. }));
    let missing = accept_output("supervisor", &config, |_| false).expect_err("missing");
    assert_eq!(missing, RouterError::Missing("supervisor.md".into()));
}
