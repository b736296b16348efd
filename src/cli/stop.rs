//! `baton stop [--reason TEXT] [--no-push]`: sets the documented stop flag (`exit: true`,
//! `exit_reason`) from any clone, so nobody edits the state's JSON by hand.
//!
//! Where it goes: while a Baton runs in this workspace (it holds the runner lock, and owns the
//! state file), the request is sent to that Baton (`crate::turn::send_request`), which writes
//! it into the state at the next turn boundary, or into the stamp of the turn in progress.
//! Otherwise the state is written here; when the workspace shares its state through the remote
//! (role mode: the remote branch carries the state file), the stop is committed and pushed, so
//! that the daemons on other machines stop at their next turn boundary — a daemon whose agent
//! is running merges it into its stamp (the stop flag is a person's to set at any moment).

use crate::cli::workspace::{self, Hold};
use crate::cli::{GlobalArgs, load_workspace};
use crate::config::{Config, Overrides};
use crate::error::Result;
use crate::git::Repo;
use crate::modes::{FlagChange, RoleSync};
use crate::process::hostname;
use crate::state::{Actor, NOTE_MAX_BYTES, Note, format_utc};
use crate::turn::{Request, Workspace, send_request};

/// Flags of `baton stop`.
#[derive(Debug, Clone, clap::Args)]
pub struct StopArgs {
    /// Why the run stops (becomes `exit_reason`). Default: who stopped it, and where.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Commit, but do not push (role mode).
    #[arg(long)]
    pub no_push: bool,
}

/// Sets the stop flag (or sends the request to the Baton that runs here).
///
/// # Errors
/// Config, state, lock and git errors.
pub(crate) fn cmd_stop(global: &GlobalArgs, args: &StopArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let repo = Repo::discover(&config.root)?;
    let reason = args.reason.clone().unwrap_or_else(default_reason);
    let (_command, hold) = workspace::hold_for_command(&config, repo.as_ref())?;
    let held = match hold {
        Hold::Held(held) => held,
        Hold::Busy(busy) => {
            let run_dir = workspace::run_dir(&config, repo.as_ref());
            let request = Request::Stop {
                reason: reason.clone(),
            };
            send_request(&run_dir, &request, &busy)?;
            say!(
                "[baton] {busy}; it stops at the next turn \
                 boundary: {reason}"
            );
            return Ok(());
        }
    };
    change_flag(
        config,
        repo,
        &held,
        args.no_push,
        &FlagChange::Set(reason.clone()),
    )?;
    say!("[baton] stop flag set: {reason}");
    Ok(())
}

/// Flags of `baton resume`.
#[derive(Debug, Clone, clap::Args)]
pub struct ResumeArgs {
    /// Commit, but do not push (role mode).
    #[arg(long)]
    pub no_push: bool,
}

/// Clears the stop flag (set by `baton stop`, an agent, or a stuck loop), so that the next
/// start runs again; committed, and pushed in role mode, like `baton stop`.
///
/// # Errors
/// Config, state, lock and git errors; a failure when a Baton runs in this workspace.
pub(crate) fn cmd_resume(global: &GlobalArgs, args: &ResumeArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let repo = Repo::discover(&config.root)?;
    let (_command, hold) = workspace::hold_for_command(&config, repo.as_ref())?;
    let held = hold.or_refuse()?;
    change_flag(config, repo, &held, args.no_push, &FlagChange::Clear)?;
    say!("[baton] stop flag cleared: the next start runs again");
    Ok(())
}

/// Flags of `baton note`.
#[derive(Debug, Clone, clap::Args)]
pub struct NoteArgs {
    /// The message for the agent (at most 16 KiB).
    #[arg(value_parser = note_text)]
    pub text: String,
    /// Only for this actor's next turn (default: the next turn of either).
    #[arg(long, value_parser = crate::cli::args::ActorArg)]
    pub to: Option<Actor>,
    /// Commit, but do not push (role mode).
    #[arg(long)]
    pub no_push: bool,
}

/// Queues a note for the next turn (of `--to`'s actor): appended to that agent's prompt and
/// given in `BATON_NOTE`. Goes where `baton stop` goes: to the Baton running here, or into the
/// state (committed, and pushed in role mode).
///
/// # Errors
/// Config, state, lock and git errors.
pub(crate) fn cmd_note(global: &GlobalArgs, args: &NoteArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let repo = Repo::discover(&config.root)?;
    let note = Note {
        to: args.to,
        text: args.text.clone(),
        from: person(),
        at: format_utc(std::time::SystemTime::now()),
    };
    let to = args.to.as_ref().map_or("the next turn", Actor::as_str);
    let (_command, hold) = workspace::hold_for_command(&config, repo.as_ref())?;
    match hold {
        Hold::Busy(busy) => {
            let run_dir = workspace::run_dir(&config, repo.as_ref());
            send_request(&run_dir, &Request::Note { note }, &busy)?;
            say!("[baton] {busy}; it takes the note for {to} at the next turn boundary");
        }
        Hold::Held(held) => {
            change_flag(config, repo, &held, args.no_push, &FlagChange::Note(note))?;
            say!("[baton] note queued for {to}");
        }
    }
    Ok(())
}

/// A note's text as a person typed it: not blank, at most [`NOTE_MAX_BYTES`] (a clap value
/// parser: a refusal exits 2 naming the argument).
///
/// # Errors
/// Why the text is refused.
pub(super) fn note_text(text: &str) -> std::result::Result<String, String> {
    if text.trim().is_empty() {
        return Err("a note needs some text".to_owned());
    }
    if text.len() > NOTE_MAX_BYTES {
        return Err(format!(
            "a note is at most {NOTE_MAX_BYTES} bytes; this one has {} (put a long text in a \
             file and note its path)",
            text.len()
        ));
    }
    Ok(text.to_owned())
}

/// Who runs this command: `user@host`.
pub(super) fn person() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".to_owned());
    format!("{user}@{}", hostname())
}

/// Writes `change` into the state: committed, and pushed when the remote carries the state.
pub(super) fn change_flag(
    config: Config,
    repo: Option<Repo>,
    held: &workspace::Held,
    no_push: bool,
    change: &FlagChange,
) -> Result<()> {
    let sync = match (&repo, no_push) {
        (Some(repo), false) => shared_sync(&config, repo)?,
        _ => None,
    };
    let events = crate::events::Events::console();
    let runner = Workspace::new(config, repo, held.run_dir(), events);
    runner.recover()?;
    match (&runner.repo, &sync) {
        (Some(repo), Some(sync)) => {
            sync.publish_flag(&runner, repo, change)?;
            say!("[sync] pushed to {}/{}", sync.remote.name(), sync.branch);
        }
        _ => {
            let mut state = runner.load_state()?;
            change.write(&runner, &mut state)?;
        }
    }
    Ok(())
}

/// The role-mode sync when the remote branch carries the state file (the workspace shares its
/// state through the remote); `None` for a local workspace.
pub(super) fn shared_sync(config: &Config, repo: &Repo) -> Result<Option<RoleSync>> {
    let Some(branch) = config.git.branch.clone().or(repo.branch()?) else {
        return Ok(None);
    };
    let sync = RoleSync::new(config, repo, branch)?;
    if sync.remote.url().is_err() || sync.remote.ls_remote(&sync.branch)?.is_none() {
        return Ok(None);
    }
    sync.remote.fetch(&sync.branch)?;
    let shared = repo
        .read_at(&sync.tracking_ref(), &sync.state_rel)?
        .is_some();
    Ok(shared.then_some(sync))
}

/// `stopped with baton stop by <user> on <host>`.
fn default_reason() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".to_owned());
    format!("stopped with baton stop by {user} on {}", hostname())
}
