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
        expected_actor: Actor::Ralph,
        status: Status::WaitingRalph,
        ..State::default()
    };
    assert!(is_turn_of(&waiting, Actor::Ralph));
    assert!(!is_turn_of(&waiting, Actor::Galph));
    let failed = State {
        expected_actor: Actor::Galph,
        status: Status::Failed,
        ..State::default()
    };
    assert!(
        is_turn_of(&failed, Actor::Galph),
        "a failed turn is not sticky"
    );
}

#[test]
fn a_running_marker_of_a_dead_local_process_is_run_again() {
    // A pid far above any pid_max still in use here.
    let dead = running(
        Actor::Ralph,
        Some(format!("{}:{}", hostname(), 0x3fff_fff0)),
    );
    assert!(is_turn_of(&dead, Actor::Ralph));
    let alive = running(
        Actor::Ralph,
        Some(format!("{}:{}", hostname(), std::process::id())),
    );
    assert!(
        !is_turn_of(&alive, Actor::Ralph),
        "a live owner keeps its turn"
    );
    let elsewhere = running(Actor::Ralph, Some("other-machine.invalid:1".into()));
    assert!(
        !is_turn_of(&elsewhere, Actor::Ralph),
        "another machine's turn is left alone"
    );
    assert!(
        is_turn_of(&running(Actor::Ralph, None), Actor::Ralph),
        "no owner: resume"
    );
}
