//! Runs an agent: own process group, prompt on stdin, output streamed to the console and the
//! turn log as it arrives, heartbeat, timeout (TERM → grace → KILL), signal forwarding.

mod idle;
mod last_lines;
mod output;
mod run;
mod signals;
mod spawn;
mod supervise;
mod text;
mod transcript;
mod turn_processes;

pub(crate) use run::{ExecError, RunOutcome, RunResult, RunSpec, kill_grace, run, run_beside};
pub(crate) use signals::{install_handlers, received_signal, wake_on_signal};
