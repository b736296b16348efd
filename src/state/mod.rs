//! The shared state file: model, pure transitions, strict loading and atomic saving.

mod host;
mod legacy;
mod model;
mod parse;
mod store;
mod transitions;

#[cfg(test)]
mod tests;

pub use host::{host_pid, hostname};
pub use model::{Actor, Claim, Handoff, State, Status};
pub use store::{LegacyFormat, LoadedState, StateError, StateStore, to_bytes};
pub use transitions::format_utc;

/// `host:pid` of this process (the lease owner).
#[must_use]
pub fn host_pid() -> String {
    format!("{}:{}", hostname(), std::process::id())
}

/// This machine's host name, `localhost` when unknown.
#[must_use]
pub fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".to_owned())
}
