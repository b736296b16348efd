//! Fault injection for crash tests: `BATON_FAULT=<point>` makes Baton SIGKILL itself the first
//! time it reaches that point, so tests can prove that every write sequence (claim, stamp, push)
//! survives a crash at each step. Unset (always, outside tests), a point costs one comparison.
//!
//! Points: `claim-saved` (running marker written), `claim-recorded` (turn record written),
//! `claim-committed` (role: marker committed, not pushed), `stamp-recorded` (stamp decided and
//! recorded, nothing written), `stamp-state` (state written), `stamp-journal` (journal line
//! appended), `stamp-committed` (stamp commit made; role: not pushed), `stamp-pushed` (role:
//! pushed, record not yet cleared).
//!
//! `BATON_FAULT=panic:<point>` panics there instead, to see what a bug looks like in a build
//! (the release profile keeps function names in backtraces; see Cargo.toml).

use std::sync::OnceLock;

/// The environment variable naming the point to crash at.
pub(crate) const FAULT_ENV: &str = "BATON_FAULT";

/// SIGKILLs this process when `point` is the one `BATON_FAULT` names (panics for
/// `panic:<point>`).
pub(crate) fn point(point: &str) {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| std::env::var(FAULT_ENV).ok());
    match chosen.as_deref() {
        Some(chosen) if chosen == point => {
            let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
        }
        Some(chosen) if chosen.strip_prefix("panic:") == Some(point) => {
            panic!("{FAULT_ENV}={chosen}: a panic injected at {point}");
        }
        _ => {}
    }
}
