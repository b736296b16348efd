//! Tests of the state module: transitions, strict loading, saving and invariants.

mod property;
mod store;
mod transitions;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::state::Claim;

/// 2026-11-21T10:04:05Z.
fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_255_445)
}

/// A ten-minute claim at `now` by `box:42`.
fn claim(now: SystemTime) -> Claim {
    Claim {
        now,
        lease: Duration::from_secs(600),
        owner: "box:42".to_owned(),
        owner_start: Some("boot/1234".to_owned()),
    }
}
