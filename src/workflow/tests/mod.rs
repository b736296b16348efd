use std::collections::BTreeMap;

use pretty_assertions::assert_eq;

use super::walk::{Assumed, Moved, answer_of, dry_walk};
use super::*;

fn a(name: &str) -> Actor {
    Actor::new(name).expect("valid name")
}

fn at(line: u64) -> Pos {
    Pos {
        key: "workflow.steps",
        line,
        column: 7,
    }
}

fn step(line: u64, from: &[&str], to: &[&str]) -> Step {
    Step {
        from: from.iter().map(|n| a(n)).collect(),
        to: if to == ["end"] {
            Target::End
        } else {
            Target::Actors(to.iter().map(|n| a(n)).collect())
        },
        when: None,
        join_all: false,
        max_loops: None,
        at: at(line),
    }
}

fn workflow(extra: &[(&str, ActorKind)], steps: Vec<Step>) -> Workflow {
    let mut actors = Workflow::pair_actors();
    for (i, (name, kind)) in extra.iter().enumerate() {
        actors.insert(
            a(name),
            ActorSpec {
                name: a(name),
                kind: *kind,
                prompt: Some(format!("{name}.md")),
                agent: None,
                at: at(2 + i as u64),
            },
        );
    }
    Workflow {
        actors,
        start: Actor::GALPH,
        start_at: at(10),
        steps,
        workers: BTreeMap::new(),
        declared: true,
    }
}

/// The pipeline of the configuration reference: galph → ralph → [sec, arch] → critic, which
/// sends ralph back on `revise` at most twice.
fn review_pipeline() -> Workflow {
    let mut revise = step(15, &["critic"], &["ralph"]);
    revise.when = Some(Condition::Answer("revise".to_owned()));
    revise.max_loops = Some(2);
    let mut join = step(14, &["sec", "arch"], &["critic"]);
    join.join_all = true;
    workflow(
        &[
            ("sec", ActorKind::Reviewer),
            ("arch", ActorKind::Reviewer),
            ("critic", ActorKind::Reviewer),
        ],
        vec![
            step(12, &["galph"], &["ralph"]),
            step(13, &["ralph"], &["sec", "arch"]),
            join,
            revise,
            step(16, &["critic"], &["end"]),
        ],
    )
}

struct Files(Vec<&'static str>);

impl Facts for Files {
    fn command_ok(&mut self, argv: &[String]) -> bool {
        argv.first().is_some_and(|p| p == "true")
    }

    fn file_exists(&mut self, path: &str) -> bool {
        self.0.contains(&path)
    }
}

fn ok(actor: &str) -> TurnResult<'static> {
    TurnResult {
        actor: a(actor),
        ok: true,
        answer: None,
    }
}

#[test]
fn the_default_pair_passes_and_walks_galph_ralph_end() {
    let pair = Workflow::pair(Workflow::pair_actors());
    check(&pair).expect("the default pair is valid");
    let mut progress = Progress::fresh(&pair);
    assert!(progress.is_plain(Actor::GALPH));
    progress.begin(Actor::GALPH);
    let moved = progress.after(&pair, ok("galph"), &mut Assumed);
    assert_eq!(
        moved,
        Moved::Step {
            index: 0,
            ready: vec![Actor::RALPH]
        }
    );
    assert!(progress.is_plain(Actor::RALPH));
    progress.begin(Actor::RALPH);
    progress.after(&pair, ok("ralph"), &mut Assumed);
    assert!(progress.is_done(), "ralph -> end ends the iteration");
}

#[test]
fn fan_out_runs_both_and_the_join_waits_for_both() {
    let wf = review_pipeline();
    check(&wf).expect("valid");
    let mut p = Progress::fresh(&wf);
    for actor in ["galph", "ralph"] {
        p.begin(a(actor));
        p.after(&wf, ok(actor), &mut Assumed);
    }
    assert_eq!(p.ready, vec![a("sec"), a("arch")]);
    p.begin(a("sec"));
    p.begin(a("arch"));
    let moved = p.after(&wf, ok("arch"), &mut Assumed);
    assert_eq!(
        moved,
        Moved::Step {
            index: 2,
            ready: vec![]
        }
    );
    assert_eq!(p.joins.get(&2), Some(&vec![a("arch")]));
    p.after(&wf, ok("sec"), &mut Assumed);
    assert_eq!(p.ready, vec![a("critic")]);
    assert!(p.joins.is_empty());
}

#[test]
fn max_loops_takes_the_loop_twice_then_the_next_step() {
    let wf = review_pipeline();
    let mut p = Progress::fresh(&wf);
    let revise = TurnResult {
        actor: a("critic"),
        ok: true,
        answer: Some("revise"),
    };
    for expected in [vec![a("ralph")], vec![a("ralph")], vec![]] {
        // ralph's turn (not shown) leads to the critic again.
        p.ready = vec![a("critic")];
        p.begin(a("critic"));
        match p.after(&wf, revise, &mut Assumed) {
            Moved::Step { ready, .. } => assert_eq!(ready, expected),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(p.loops.get(&3), Some(&2));
    p.restart(&wf);
    assert!(p.loops.is_empty(), "loop counts are per iteration");
}

#[test]
fn conditions_outcome_answer_command_file() {
    let mut on_fail = step(1, &["ralph"], &["galph"]);
    on_fail.when = Some(Condition::Outcome(OutcomeIs::Failed));
    let mut by_file = step(2, &["ralph"], &["critic"]);
    by_file.when = Some(Condition::File("DONE".to_owned()));
    let mut by_command = step(3, &["ralph"], &["sec"]);
    by_command.when = Some(Condition::Command(vec!["true".to_owned()]));
    let wf = workflow(
        &[
            ("critic", ActorKind::Reviewer),
            ("sec", ActorKind::Reviewer),
        ],
        vec![
            step(0, &["galph"], &["ralph"]),
            on_fail,
            by_file,
            by_command,
            step(4, &["ralph"], &["end"]),
            step(5, &["critic"], &["end"]),
            step(6, &["sec"], &["end"]),
        ],
    );
    check(&wf).expect("valid");
    let next = |ok: bool, files: Vec<&'static str>| {
        let mut p = Progress::fresh(&wf);
        p.begin(a("ralph"));
        let turn = TurnResult {
            actor: a("ralph"),
            ok,
            answer: None,
        };
        p.after(&wf, turn, &mut Files(files))
    };
    assert_eq!(
        next(false, vec![]),
        Moved::Step {
            index: 1,
            ready: vec![Actor::GALPH]
        }
    );
    assert_eq!(
        next(true, vec!["DONE"]),
        Moved::Step {
            index: 2,
            ready: vec![a("critic")]
        }
    );
    assert_eq!(
        next(true, vec![]),
        Moved::Step {
            index: 3,
            ready: vec![a("sec")]
        }
    );
}

#[test]
fn a_failed_turn_without_a_failure_step_runs_again() {
    let pair = Workflow::pair(Workflow::pair_actors());
    let mut p = Progress::fresh(&pair);
    p.begin(Actor::GALPH);
    let failed = TurnResult {
        actor: Actor::GALPH,
        ok: false,
        answer: None,
    };
    assert_eq!(p.after(&pair, failed, &mut Assumed), Moved::Rerun);
    assert!(p.is_plain(Actor::GALPH));
}

#[test]
fn answers_are_read_from_the_last_line() {
    assert_eq!(
        answer_of("looks bad\nBATON-NEXT: revise\n\n"),
        Some("revise")
    );
    assert_eq!(answer_of("BATON-NEXT: revise\nthen more"), None);
    assert_eq!(answer_of("  BATON-NEXT:   ship it"), Some("ship"));
    assert_eq!(answer_of(""), None);
}

fn check_message(wf: &Workflow) -> (u64, String) {
    let e = check(wf).expect_err("refused");
    (e.at.line, e.message)
}

#[test]
fn check_refuses_unknown_actors_with_a_suggestion() {
    let wf = workflow(
        &[],
        vec![
            step(12, &["galph"], &["rlaph"]),
            step(13, &["ralph"], &["end"]),
        ],
    );
    let e = check(&wf).expect_err("refused");
    assert_eq!(e.at.line, 12);
    assert!(e.message.contains("unknown actor `rlaph`"), "{}", e.message);
    assert!(e.hint.contains("did you mean `ralph`"), "{}", e.hint);
}

#[test]
fn check_refuses_unreachable_declared_actors() {
    let wf = workflow(
        &[("sec", ActorKind::Reviewer)],
        vec![
            step(12, &["galph"], &["ralph"]),
            step(13, &["ralph"], &["end"]),
        ],
    );
    let (line, message) = check_message(&wf);
    assert_eq!(line, 2, "points at the declaration");
    assert!(message.contains("`sec` is never reached"), "{message}");
}

#[test]
fn check_refuses_an_endless_loop_but_not_a_bounded_one() {
    let endless = workflow(
        &[],
        vec![
            step(12, &["galph"], &["ralph"]),
            step(13, &["ralph"], &["galph"]),
        ],
    );
    let (_, message) = check_message(&endless);
    assert!(message.contains("loop"), "{message}");
    check(&review_pipeline()).expect("the critic's loop is bounded by max_loops");
}

#[test]
fn check_refuses_a_step_after_one_that_always_holds() {
    let wf = workflow(
        &[],
        vec![
            step(12, &["galph"], &["ralph"]),
            step(13, &["galph"], &["end"]),
            step(14, &["ralph"], &["end"]),
        ],
    );
    let (line, message) = check_message(&wf);
    assert_eq!(line, 13);
    assert!(message.contains("line 12"), "{message}");
}

#[test]
fn check_refuses_a_join_of_actors_never_fanned_out_together() {
    let mut join = step(14, &["sec", "arch"], &["ralph"]);
    join.join_all = true;
    let mut onward = step(13, &["sec"], &["arch"]);
    onward.when = Some(Condition::File("MORE".to_owned()));
    let wf = workflow(
        &[("sec", ActorKind::Reviewer), ("arch", ActorKind::Reviewer)],
        vec![
            step(12, &["galph"], &["sec"]),
            onward,
            join,
            step(16, &["ralph"], &["end"]),
        ],
    );
    let (line, message) = check_message(&wf);
    assert_eq!(line, 14);
    assert!(message.contains("no fan-out"), "{message}");
}

#[test]
fn check_refuses_an_actor_with_no_last_resort() {
    let mut revise = step(13, &["ralph"], &["galph"]);
    revise.when = Some(Condition::Answer("again".to_owned()));
    let wf = workflow(&[], vec![step(12, &["galph"], &["ralph"]), revise]);
    let (line, message) = check_message(&wf);
    assert_eq!(line, 13);
    assert!(
        message.contains("no step from `ralph` always holds"),
        "{message}"
    );
}

#[test]
fn dry_walk_lists_turns_across_iterations() {
    let walk = dry_walk(&review_pipeline(), &Progress::fresh(&review_pipeline()), 7);
    let names: Vec<String> = walk.iter().map(|(i, a)| format!("{i}:{a}")).collect();
    assert_eq!(
        names,
        [
            "0:galph", "0:ralph", "0:sec", "0:arch", "0:critic", "1:galph", "1:ralph"
        ]
    );
}

#[test]
fn drawings_name_every_step() {
    let wf = review_pipeline();
    let text = draw::draw(&wf, draw::Format::Text, &[]);
    assert!(text.contains("sec + arch -> critic  (join all)"), "{text}");
    assert!(
        text.contains("critic -> ralph  (when answer revise, at most 2x)"),
        "{text}"
    );
    let dot = draw::draw(&wf, draw::Format::Dot, &[a("sec")]);
    assert!(dot.contains("\"ralph\" -> \"sec\";"), "{dot}");
    assert!(dot.contains("fillcolor"), "{dot}");
    let mermaid = draw::draw(&wf, draw::Format::Mermaid, &[]);
    assert!(
        mermaid.contains("a_critic -->|\"when answer revise, at most 2x\"| a_ralph"),
        "{mermaid}"
    );
}

mod property;
