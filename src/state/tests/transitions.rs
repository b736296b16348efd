//! One test per row of the transition table in `docs/state.md`, plus the stop flag.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::{claim, t0};
use crate::state::{Actor, Handoff, State, Status, format_utc};

fn later() -> std::time::SystemTime {
    t0() + Duration::from_secs(90)
}

#[test]
fn format_utc_is_rfc3339_seconds_and_clamped() {
    assert_eq!(format_utc(t0()), "2026-11-21T10:04:05Z");
    assert_eq!(
        format_utc(t0() + Duration::from_millis(999)),
        "2026-11-21T10:04:05Z"
    );
    assert_eq!(
        format_utc(UNIX_EPOCH - Duration::from_secs(5)),
        "1970-01-01T00:00:00Z"
    );
    let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
    assert_eq!(format_utc(far), "9999-12-31T23:59:59Z");
}

#[test]
fn start_sets_running_lease_and_clears_last_error() {
    let mut state = State {
        status: Status::Failed,
        last_error: Some("agent exited 7".to_owned()),
        generation: 4,
        ..State::default()
    };
    state.start_turn(Actor::GALPH, &claim(t0()));
    assert_eq!(state.status, Status::Running(Actor::GALPH));
    assert_eq!(state.expected_actor, Actor::GALPH);
    assert_eq!(state.lease_owner.as_deref(), Some("box:42"));
    assert_eq!(
        state.lease_expires_at.as_deref(),
        Some("2026-11-21T10:14:05Z")
    );
    assert_eq!(state.last_update.as_deref(), Some("2026-11-21T10:04:05Z"));
    assert_eq!(state.last_error, None);
    assert_eq!(state.generation, 4, "generation is only touched by save");
}

#[test]
fn ralph_start_from_waiting_runs_ralph() {
    let mut state = State {
        expected_actor: Actor::RALPH,
        status: Status::Waiting(Actor::RALPH),
        ..State::default()
    };
    state.start_turn(Actor::RALPH, &claim(t0()));
    assert_eq!(state.status, Status::Running(Actor::RALPH));
    assert_eq!(state.expected_actor, Actor::RALPH);
}

#[test]
fn galph_ok_hands_over_to_ralph() {
    let mut state = State::default();
    state.start_turn(Actor::GALPH, &claim(t0()));
    state.finish_ok(
        Actor::GALPH,
        "reviewer.md",
        Some("1a2b3c4".into()),
        Handoff::ToPeer.next(Actor::GALPH),
        later(),
    );
    let expected = State {
        iteration: 1,
        expected_actor: Actor::RALPH,
        status: Status::Waiting(Actor::RALPH),
        last_update: Some("2026-11-21T10:05:35Z".into()),
        galph_commit: Some("1a2b3c4".into()),
        last_prompt: Some("reviewer.md".into()),
        last_prompt_actor: Some(Actor::GALPH),
        ..State::default()
    };
    assert_eq!(state, expected);
}

#[test]
fn ralph_ok_completes_and_advances_the_iteration() {
    let mut state = State {
        iteration: 3,
        galph_commit: Some("1a2b3c4".into()),
        ..State::default()
    };
    state.start_turn(Actor::RALPH, &claim(t0()));
    state.finish_ok(
        Actor::RALPH,
        "main.md",
        Some("9f8e7d6".into()),
        Handoff::ToPeer.next(Actor::RALPH),
        later(),
    );
    assert_eq!(state.iteration, 4);
    assert_eq!(state.expected_actor, Actor::GALPH);
    assert_eq!(state.status, Status::Complete);
    assert_eq!(state.ralph_commit.as_deref(), Some("9f8e7d6"));
    assert_eq!(state.galph_commit.as_deref(), Some("1a2b3c4"));
    assert_eq!(state.last_prompt_actor, Some(Actor::RALPH));
    assert_eq!((state.lease_owner, state.lease_expires_at), (None, None));
}

#[test]
fn stay_handoff_advances_and_keeps_the_actor() {
    for actor in Actor::PAIR {
        let mut state = State::default();
        state.start_turn(actor, &claim(t0()));
        state.finish_ok(actor, "solo.md", None, Handoff::Stay.next(actor), later());
        assert_eq!(state.iteration, 2);
        assert_eq!(state.expected_actor, actor);
        assert_eq!(state.status, Status::Complete);
        assert_eq!((state.galph_commit, state.ralph_commit), (None, None));
    }
}

#[test]
fn failure_keeps_actor_and_last_prompt_then_retry_clears_the_error() {
    let mut state = State {
        iteration: 2,
        expected_actor: Actor::RALPH,
        status: Status::Waiting(Actor::RALPH),
        last_prompt: Some("reviewer.md".into()),
        last_prompt_actor: Some(Actor::GALPH),
        ralph_commit: Some("0000000".into()),
        ..State::default()
    };
    state.start_turn(Actor::RALPH, &claim(t0()));
    state.finish_failed(
        Actor::RALPH,
        "agent exited 7",
        Some("abcdef1".into()),
        later(),
    );
    assert_eq!(state.status, Status::Failed);
    assert_eq!(state.expected_actor, Actor::RALPH);
    assert_eq!(state.iteration, 2);
    assert_eq!(state.last_error.as_deref(), Some("agent exited 7"));
    assert_eq!(state.last_prompt.as_deref(), Some("reviewer.md"));
    assert_eq!(state.last_prompt_actor, Some(Actor::GALPH));
    assert_eq!(state.ralph_commit.as_deref(), Some("abcdef1"));
    assert_eq!(
        (state.lease_owner.clone(), state.lease_expires_at.clone()),
        (None, None)
    );
    state.start_turn(Actor::RALPH, &claim(later()));
    assert_eq!(state.status, Status::Running(Actor::RALPH));
    assert_eq!(state.last_error, None, "failed is not sticky");
}

#[test]
fn ok_clears_a_previous_error() {
    let mut state = State {
        last_error: Some("timeout after 90m".into()),
        ..State::default()
    };
    state.finish_ok(
        Actor::GALPH,
        "plan.md",
        None,
        Handoff::ToPeer.next(Actor::GALPH),
        later(),
    );
    assert_eq!(state.last_error, None);
}

#[test]
fn stop_flag_truthiness() {
    let cases = [
        (json!(null), false),
        (json!(false), false),
        (json!(true), true),
        (json!(0), false),
        (json!(0.0), false),
        (json!(1), true),
        (json!(-2.5), true),
        (json!(""), false),
        (json!("0"), false),
        (json!("false"), false),
        (json!(" FALSE "), false),
        (json!("yes"), true),
        (json!("1"), true),
        (json!([]), false),
        (json!([0]), true),
        (json!({}), false),
        (json!({"why": "done"}), true),
    ];
    for (flag, truthy) in cases {
        let state = State {
            exit: Some(flag.clone()),
            ..State::default()
        };
        assert_eq!(state.stop_requested().is_some(), truthy, "exit = {flag}");
    }
    assert_eq!(State::default().stop_requested(), None);
}

#[test]
fn stop_reason_defaults_when_missing_or_blank() {
    let mut state = State {
        exit: Some(json!(true)),
        ..State::default()
    };
    assert_eq!(
        state.stop_requested().as_deref(),
        Some("exit flag set in the state")
    );
    state.exit_reason = Some("  ".into());
    assert_eq!(
        state.stop_requested().as_deref(),
        Some("exit flag set in the state")
    );
    state.exit_reason = Some("goal reached".into());
    assert_eq!(state.stop_requested().as_deref(), Some("goal reached"));
}
