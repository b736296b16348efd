//! SIGINT / SIGTERM handling: remembered for the runner, forwarded to live agent groups.

/// Installs the handlers once per process (idempotent).
///
/// # Errors
/// When signal-hook cannot register.
pub fn install_handlers() -> std::io::Result<()> {
    todo!("executor helper")
}

/// The first SIGINT (2) or SIGTERM (15) received since start, if any.
#[must_use]
pub fn received_signal() -> Option<i32> {
    todo!("executor helper")
}
