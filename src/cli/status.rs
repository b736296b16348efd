//! `baton status [--json]`: whose turn, status, iteration, lease, and the last turns.

use std::time::SystemTime;

use serde_json::json;

use crate::cli::{GlobalArgs, load_config};
use crate::config::Overrides;
use crate::git::Repo;
use crate::journal::Journal;
use crate::state::{State, StateStore};

/// Flags of `baton status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// How many journal lines to show.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub last: usize,
}

/// Seconds until the lease ends (negative once expired), when a lease is set and parses.
fn lease_remaining(state: &State) -> Option<i64> {
    let expires = humantime::parse_rfc3339(state.lease_expires_at.as_deref()?).ok()?;
    let now = SystemTime::now();
    let secs = match expires.duration_since(now) {
        Ok(left) => i64::try_from(left.as_secs()).ok()?,
        Err(past) => -i64::try_from(past.duration().as_secs()).ok()?,
    };
    Some(secs)
}

/// Prints the workspace's status.
///
/// # Errors
/// Config, state or journal errors.
pub(crate) fn cmd_status(global: &GlobalArgs, args: &StatusArgs) -> anyhow::Result<()> {
    let config = load_config(global, Overrides::default())?.config;
    let state = StateStore::new(config.state_file.clone())
        .load()?
        .map(|l| l.state);
    let exists = state.is_some();
    let state = state.unwrap_or_default();
    let turns = Journal::new(config.journal_file.clone()).tail(args.last)?;
    let remaining = lease_remaining(&state);
    let remote = match Repo::discover(&config.root)? {
        Some(repo) => repo.upstream_divergence()?,
        None => None,
    };
    if args.json {
        let value = json!({
            "state_file": config.state_file,
            "state_exists": exists,
            "state": state,
            "lease": {
                "owner": state.lease_owner,
                "expires_at": state.lease_expires_at,
                "remaining_secs": remaining,
                "expired": remaining.map(|r| r < 0),
            },
            "last_turns": turns,
            "remote": remote.as_ref().map(|d| json!({
                "upstream": d.upstream, "ahead": d.ahead, "behind": d.behind,
            })),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let missing = if exists { "" } else { " (no state file yet)" };
    println!("state:     {}{missing}", config.state_file.display());
    println!(
        "turn:      {} (status {}, iteration {})",
        state.expected_actor, state.status, state.iteration
    );
    if let Some(owner) = &state.lease_owner {
        let left = remaining.map_or_else(
            || "unknown".to_owned(),
            |r| {
                if r < 0 {
                    format!("expired {}s ago", -r)
                } else {
                    format!("{r}s left")
                }
            },
        );
        println!("lease:     {owner}, {left}");
    }
    if let Some(err) = &state.last_error {
        println!("last error: {err}");
    }
    if let Some(reason) = state.stop_requested() {
        println!("stop flag: {reason}");
    }
    match &remote {
        Some(d) if d.ahead == 0 && d.behind == 0 => {
            println!("remote:    up to date with {}", d.upstream)
        }
        Some(d) => println!(
            "remote:    {} behind, {} ahead of {} (as of the last fetch)",
            d.behind, d.ahead, d.upstream
        ),
        None => println!("remote:    no upstream branch"),
    }
    println!("last turns:");
    for t in &turns {
        let outcome = serde_json::to_value(t.outcome)?;
        println!(
            "  i={} {} {} {} {}ms agent={} head={}",
            t.iteration,
            t.actor,
            t.prompt,
            outcome.as_str().unwrap_or(""),
            t.duration_ms,
            t.agent,
            t.head_after.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
