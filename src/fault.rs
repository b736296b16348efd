//! Fault injection for crash tests: `BATON_FAULT=<point>` makes Baton SIGKILL itself the first
//! time it reaches that point, so tests can prove that every write sequence (claim, stamp, push)
//! survives a crash at each step. Unset (always, outside tests), a point costs one comparison.
//!
//! Points: `claim-saved` (running marker written), `claim-recorded` (turn record written),
//! `claim-committed` (role: marker committed, not pushed), `stamp-recorded` (stamp decided and
//! recorded, nothing written), `stamp-state` (state written), `stamp-journal` (journal line
//! appended), `stamp-committed` (stamp commit made; role: not pushed), `stamp-pushed` (role:
//! pushed, record not yet cleared).

use std::sync::OnceLock;

/// The environment variable naming the point to crash at.
pub(crate) const FAULT_ENV: &str = "BATON_FAULT";

/// SIGKILLs this process when `point` is the one `BATON_FAULT` names.
pub(crate) fn point(point: &str) {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| std::env::var(FAULT_ENV).ok());
    if chosen.as_deref() == Some(point) {
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    }
}
