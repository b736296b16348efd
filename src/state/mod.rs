//! The shared state file: model, pure transitions, strict loading and atomic saving.

pub mod actor;
mod approval;
mod fields;
mod lease;
mod legacy;
mod model;
mod parse;
mod store;
mod transitions;
mod validate;

#[cfg(test)]
mod tests;

pub use actor::ActorKind;
pub use approval::{Approval, Decision, NothingAwaits};
pub use fields::{PERSON_FIELDS, WRITE_FIELDS};
pub use model::{Actor, Claim, Handoff, NOTE_MAX_BYTES, Next, Note, State, Status};
pub use parse::parse as parse_state;
pub use store::{LegacyFormat, LoadedState, StateError, StateStore, to_bytes};
pub use transitions::format_utc;
