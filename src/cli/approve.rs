//! `baton approve [--note TEXT]` and `baton reject --note TEXT`: a person's answer to a turn that
//! waits at an approval checkpoint (`approval.before`). They go where `baton stop` goes: to the
//! Baton running in this workspace (a request sent to it, applied at once), or into
//! the state (committed, and pushed when the remote carries the state), so a person can answer
//! from any clone of a role-mode remote.

use crate::cli::stop::{change_flag, note_text, person};
use crate::cli::workspace::{self, Hold};
use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::modes::FlagChange;
use crate::state::{Decision, StateStore, format_utc};

/// Flags of `baton approve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApproveArgs {
    /// A note for the approved turn (appended to its prompt, in `BATON_NOTE`; at most 16 KiB).
    #[arg(long, value_name = "TEXT", value_parser = note_text)]
    pub note: Option<String>,
    /// Commit, but do not push (role mode).
    #[arg(long)]
    pub no_push: bool,
}

/// Flags of `baton reject`.
#[derive(Debug, Clone, clap::Args)]
pub struct RejectArgs {
    /// Why: the note galph's next turn gets (at most 16 KiB).
    #[arg(long, value_name = "TEXT", value_parser = note_text)]
    pub note: String,
    /// Commit, but do not push (role mode).
    #[arg(long)]
    pub no_push: bool,
}

/// Approves the waiting turn.
///
/// # Errors
/// Usage (exit 2) when no turn waits; config, state, lock and git errors.
pub(crate) fn cmd_approve(global: &GlobalArgs, args: &ApproveArgs) -> Result<()> {
    decide(global, true, args.note.clone(), args.no_push)
}

/// Rejects the waiting turn: it goes back to galph with the note.
///
/// # Errors
/// Usage (exit 2) when no turn waits; config, state, lock and git errors.
pub(crate) fn cmd_reject(global: &GlobalArgs, args: &RejectArgs) -> Result<()> {
    decide(global, false, Some(args.note.clone()), args.no_push)
}

fn decide(global: &GlobalArgs, approve: bool, note: Option<String>, no_push: bool) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let repo = Repo::discover(&config.root)?;
    let decision = Decision {
        approve,
        note,
        by: person(),
        at: format_utc(std::time::SystemTime::now()),
    };
    let verb = if approve { "approved" } else { "rejected" };
    let (_command, hold) = workspace::hold_for_command(&config, repo.as_ref())?;
    match hold {
        Hold::Busy(busy) => {
            // The running Baton's state is this workspace's: answer only a turn that waits.
            let state = StateStore::new(config.state_file.clone()).load()?;
            let status = state.map(|l| l.state).unwrap_or_default();
            let Some(line) = crate::modes::describe_approval(&status) else {
                return Err(nothing_awaits(status.status));
            };
            let run_dir = workspace::run_dir(&config, repo.as_ref());
            let request = crate::turn::Request::Decision { decision };
            crate::turn::send_request(&run_dir, &request, &busy)?;
            say!("[baton] {busy}; it takes the answer now ({verb}): {line}");
        }
        Hold::Held(held) => {
            change_flag(config, repo, &held, no_push, &FlagChange::Decide(decision))?;
            say!("[baton] {verb} the waiting turn");
        }
    }
    Ok(())
}

fn nothing_awaits(status: crate::state::Status) -> Error {
    Error::usage(crate::state::NothingAwaits(status))
        .with_hint("`baton status` shows what the run waits for")
}
