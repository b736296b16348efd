//! Unit tests of role mode's pure parts.

use crate::modes::role::wait::is_turn_of;
use crate::process::hostname;
use crate::state::{Actor, State, Status};

fn running(actor: Actor, owner: Option<String>) -> State {
    State {
        expected_actor: actor,
        status: Status::running(actor),
        lease_owner: owner,
        ..State::default()
    }
}

#[test]
fn the_expected_actor_has_the_turn_unless_it_is_running_elsewhere() {
    let waiting = State {
        expected_actor: Actor::RALPH,
        status: Status::Waiting(Actor::RALPH),
        ..State::default()
    };
    assert!(is_turn_of(&waiting, Actor::RALPH));
    assert!(!is_turn_of(&waiting, Actor::GALPH));
    let failed = State {
        expected_actor: Actor::GALPH,
        status: Status::Failed,
        ..State::default()
    };
    assert!(
        is_turn_of(&failed, Actor::GALPH),
        "a failed turn is not sticky"
    );
}

#[test]
fn a_running_marker_of_a_dead_local_process_is_run_again() {
    // A pid far above any pid_max still in use here.
    let dead = running(
        Actor::RALPH,
        Some(format!("{}:{}", hostname(), 0x3fff_fff0)),
    );
    assert!(is_turn_of(&dead, Actor::RALPH));
    let alive = running(
        Actor::RALPH,
        Some(format!("{}:{}", hostname(), std::process::id())),
    );
    assert!(
        !is_turn_of(&alive, Actor::RALPH),
        "a live owner keeps its turn"
    );
    let elsewhere = running(Actor::RALPH, Some("other-machine.invalid:1".into()));
    assert!(
        !is_turn_of(&elsewhere, Actor::RALPH),
        "another machine's turn is left alone"
    );
    assert!(
        is_turn_of(&running(Actor::RALPH, None), Actor::RALPH),
        "no owner: resume"
    );
}
