//! `baton status [--json] [--no-fetch]`: whose turn, status, iteration, lease, the last turns,
//! and — after a fetch — the remote's view and how the clone stands against it.

use serde_json::{Value, json};
use std::io::Write;

use crate::cli::{GlobalArgs, load_config, require_workspace};
use crate::config::{Config, Overrides};
use crate::error::Result;
use crate::git::short_sha;
use crate::git::{Divergence, Remote, Repo};
use crate::journal::Journal;
use crate::journal::show::cost;
use crate::state::{State, StateStore, parse_state};

/// Flags of `baton status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// How many journal lines to show.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub last: usize,
    /// Do not fetch the remote first (show the last fetched view).
    #[arg(long)]
    pub no_fetch: bool,
}

/// The remote's side: the upstream divergence and the state file at the remote-tracking ref.
#[derive(Debug, Default)]
struct RemoteView {
    divergence: Option<Divergence>,
    state: Option<State>,
    fetch_error: Option<String>,
}

fn lease_json(state: &State) -> Value {
    let remaining = state.lease_remaining();
    json!({
        "owner": state.lease_owner,
        "expires_at": state.lease_expires_at,
        "remaining_secs": remaining,
        "expired": remaining.map(|r| r < 0),
    })
}

/// Fetches (unless told not to) and reads the remote's state; `None` outside a repository.
fn remote_view(config: &Config, fetch: bool) -> Result<Option<RemoteView>> {
    let Some(repo) = Repo::discover(&config.root)? else {
        return Ok(None);
    };
    let mut view = RemoteView::default();
    let remote = Remote::new(repo.workdir(), &config.git.remote);
    let branch = config.git.branch.clone().or(repo.branch()?);
    if let (Ok(_), Some(branch)) = (remote.url(), branch) {
        if fetch {
            view.fetch_error = remote.fetch(&branch).err().map(|e| e.to_string());
        }
        let tracking = format!("refs/remotes/{}/{branch}", remote.name());
        if let Some(rel) = repo.relative(&config.state_file)
            && let Some(bytes) = repo.read_at(&tracking, &rel)?
        {
            view.state = Some(parse_state(std::path::Path::new(&rel), &bytes)?.state);
        }
    }
    view.divergence = repo.upstream_divergence()?;
    Ok(Some(view))
}

/// Prints the workspace's status.
///
/// # Errors
/// Config, state or journal errors.
pub(crate) fn cmd_status(global: &GlobalArgs, args: &StatusArgs) -> Result<()> {
    let out = &mut std::io::stdout().lock();
    let config = load_config(global, Overrides::default())?.config;
    require_workspace(&config)?;
    let state = StateStore::new(config.state_file.clone())
        .load()?
        .map(|l| l.state);
    let exists = state.is_some();
    let state = state.unwrap_or_default();
    let journal = Journal::new(config.journal_file.clone());
    let turns = journal.tail(args.last)?;
    let total = journal
        .summary_kept_in(&crate::cli::stats::run_dir(&config))?
        .total;
    let last_cost = turns.last().and_then(|t| t.usage.cost_usd);
    let remote = remote_view(&config, !args.no_fetch)?.unwrap_or_default();
    if args.json {
        let d = remote.divergence.as_ref();
        let value = json!({
            "state_file": config.state_file,
            "state_exists": exists,
            "state": state,
            "lease": lease_json(&state),
            "last_turns": turns,
            "cost": {
                "total_usd": total.cost_usd,
                "reported_turns": total.cost_reported_turns,
                "turns": total.turns,
                "last_turn_usd": last_cost,
            },
            "remote": d.map(|d| json!({
                "upstream": d.upstream, "ahead": d.ahead, "behind": d.behind,
                "state": remote.state, "lease": remote.state.as_ref().map(lease_json),
                "fetch_error": remote.fetch_error,
            })),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let missing = if exists { "" } else { " (no state file yet)" };
    writeln!(out, "state:     {}{missing}", config.state_file.display())?;
    writeln!(
        out,
        "turn:      {} ({}, iteration {})",
        state.expected_actor, state.status, state.iteration
    )?;
    if let Some(lease) = state.lease_text() {
        writeln!(out, "lease:     {lease}")?;
    }
    if let Some(err) = &state.last_error {
        writeln!(out, "last error: {err}")?;
    }
    if let Some(limit) = crate::modes::describe_limit(&state) {
        writeln!(out, "limit:     {limit}")?;
    }
    if let Some(approval) = crate::modes::describe_approval(&state) {
        writeln!(out, "approval:  {approval}")?;
    }
    if let Some(reason) = state.stop_requested() {
        writeln!(out, "stop flag: {reason}")?;
    }
    if total.turns > 0 {
        writeln!(
            out,
            "cost:      {} in total ({} of {} turns reported one); last turn {}",
            cost(total.cost_usd),
            total.cost_reported_turns,
            total.turns,
            cost(last_cost)
        )?;
    }
    print_remote(out, &remote)?;
    writeln!(out, "last turns:")?;
    for t in &turns {
        let head = t.head_after.as_deref().map_or("-", short_sha);
        let outcome = t.outcome.as_str();
        writeln!(
            out,
            "  i={} {} {} {outcome} {}ms agent={} head={head} host={}",
            t.iteration, t.actor, t.prompt, t.duration_ms, t.agent, t.host
        )?;
    }
    Ok(())
}

fn print_remote(out: &mut dyn Write, remote: &RemoteView) -> std::io::Result<()> {
    let Some(d) = &remote.divergence else {
        writeln!(out, "remote:    no upstream branch")?;
        return Ok(());
    };
    if let Some(err) = &remote.fetch_error {
        writeln!(
            out,
            "remote:    fetch failed ({err}); showing the last fetched view"
        )?;
    }
    if d.ahead == 0 && d.behind == 0 {
        writeln!(out, "remote:    up to date with {}", d.upstream)?;
    } else {
        writeln!(
            out,
            "remote:    {} behind, {} ahead of {}",
            d.behind, d.ahead, d.upstream
        )?;
    }
    if let Some(s) = &remote.state {
        let since = s.last_update.as_deref().unwrap_or("-");
        writeln!(
            out,
            "remote turn: {} ({}, iteration {}) since {since}",
            s.expected_actor, s.status, s.iteration
        )?;
        if let Some(lease) = s.lease_text() {
            writeln!(out, "remote lease: {lease}")?;
        }
        if let Some(limit) = crate::modes::describe_limit(s) {
            writeln!(out, "remote limit: {limit}")?;
        }
        if let Some(approval) = crate::modes::describe_approval(s) {
            writeln!(out, "remote approval: {approval}")?;
        }
    }
    Ok(())
}
