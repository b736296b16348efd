//! Runs an agent: own process group, prompt on stdin, output streamed to the console and the
//! turn log as it arrives, heartbeat, timeout (TERM → grace → KILL), signal forwarding.

mod run;
mod signals;

pub use run::{ExecError, RunResult, RunSpec, run};
pub use signals::{install_handlers, received_signal};
