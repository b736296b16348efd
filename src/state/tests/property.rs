//! Invariants over deterministic pseudo-random sequences of transitions and saves.

use std::time::Duration;

use super::{claim, t0};
use crate::state::{Actor, Handoff, State, StateStore, Status};

/// xorshift64*: a tiny deterministic generator (no extra crates).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn actor(&mut self) -> Actor {
        Actor::PAIR[usize::from(self.below(2) == 1)]
    }
}

/// Status and `expected_actor` agree, and a lease is advertised exactly while running.
fn assert_consistent(state: &State) {
    match state.status {
        Status::Running(actor) | Status::Waiting(actor) => {
            assert_eq!(state.expected_actor, actor);
        }
        Status::Idle | Status::Complete | Status::Failed | Status::Limited => {}
        Status::AwaitingApproval => {
            let approval = state
                .approval
                .as_ref()
                .expect("a waiting turn has its checkpoint");
            assert_eq!(state.expected_actor, approval.actor);
        }
    }
    let limited = state.status == Status::Limited;
    assert_eq!(state.limit_until.is_some(), limited, "{state:?}");
    assert_eq!(state.limit_reason.is_some(), limited, "{state:?}");
    let running = matches!(
        state.status,
        Status::Running(Actor::GALPH) | Status::Running(Actor::RALPH)
    );
    assert_eq!(state.lease_owner.is_some(), running, "{state:?}");
    assert_eq!(state.lease_expires_at.is_some(), running, "{state:?}");
    assert_eq!(
        state.last_error.is_some(),
        state.status == Status::Failed,
        "{state:?}"
    );
}

#[test]
fn random_sequences_keep_the_invariants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = StateStore::new(dir.path().join("state.json"));
    for seed in 1..=10u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut state = State::default();
        let mut saves = 0;
        let mut now = t0();
        for _ in 0..300 {
            now += Duration::from_secs(rng.below(3600));
            let before = state.clone();
            let actor = rng.actor();
            match rng.below(8) {
                0 => state.start_turn(actor, &claim(now)),
                1 | 5 | 6 => state.finish_ok(
                    actor,
                    "p.md",
                    Some("c0ffee0".into()),
                    Handoff::ToPeer.next(actor),
                    now,
                ),
                2 => state.finish_ok(actor, "solo.md", None, Handoff::Stay.next(actor), now),
                3 => state.finish_failed(actor, "agent exited 1", None, now),
                4 => state.finish_limited(actor, now + Duration::from_secs(60), "limit", None, now),
                _ => {
                    store.save(&mut state).expect("save");
                    saves += 1;
                    let loaded = store.load().expect("load").expect("exists");
                    assert_eq!(loaded.state, state, "save/load round trip");
                }
            }
            assert_eq!(
                state.generation, saves,
                "generation moves only through save"
            );
            assert!(
                state.iteration >= before.iteration,
                "iteration never decreases"
            );
            assert!(
                state.iteration <= before.iteration + 1,
                "at most one step per event"
            );
            assert_consistent(&state);
        }
    }
}
