//! The shared state file: model, pure transitions, strict loading and atomic saving.

mod model;
mod store;
mod transitions;

pub use model::{Actor, Claim, Handoff, State, Status};
pub use store::{LegacyFormat, LoadedState, StateError, StateStore};
pub use transitions::format_utc;
