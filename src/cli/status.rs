//! `baton status [--json] [--no-fetch]`: whose turn, status, iteration, lease, the last turns,
//! cost so far — of the view that is current: this workspace while a Baton runs here (or when
//! the remote shows nothing newer), else the remote's branch (fetched first, each git command
//! bounded by `git.read_timeout`), with how far this clone's own files are behind it; and the
//! pool's workers and claims on the remote (`crate::observe::pool`).

use serde_json::{Value, json};
use std::io::Write;

use crate::cli::{GlobalArgs, load_config, lock_path, require_workspace};
use crate::config::{Config, Overrides};
use crate::error::Result;
use crate::git::{Divergence, Repo};
use crate::journal::{Journal, JournalEntry, Totals};
use crate::observe::{self, RemoteRun};
use crate::state::{State, StateStore};
use crate::text::short_sha;

mod text;

use text::{print_local, print_remote, print_run, print_view};

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

/// One side's run: its state, last turns and sums.
#[derive(Debug, Default)]
struct Run {
    /// The state (`None`: no state file).
    state: Option<State>,
    /// The newest journal lines, oldest first.
    turns: Vec<JournalEntry>,
    /// Sums over the whole journal.
    total: Totals,
}

impl Run {
    /// This workspace's state and journal.
    fn local(config: &Config, last: usize) -> Result<Run> {
        let state = StateStore::new(config.state_file.clone())
            .load()?
            .map(|l| l.state);
        let journal = Journal::new(config.journal_file.clone());
        let turns = journal.tail(last)?;
        // Archived segments are summed once and remembered (they never change).
        let total = journal
            .summary_kept_in(&crate::cli::stats::run_dir(config))?
            .total;
        Ok(Run {
            state,
            turns,
            total,
        })
    }

    /// The remote's state and journal at its remote-tracking ref.
    fn remote(run: &RemoteRun, last: usize) -> Run {
        let mut total = Totals::default();
        for entry in run.journal() {
            total.add(entry);
        }
        Run {
            state: run.state().cloned(),
            turns: run.tail(last),
            total,
        }
    }
}

/// What the status shows, and where it comes from.
struct View {
    /// `local` (a Baton runs here), `remote` (the remote's branch) or `files` (this
    /// workspace at rest).
    source: &'static str,
    /// The Baton running here.
    pid: Option<i32>,
    /// The remote's run, as last fetched (checked now unless `--no-fetch`).
    remote: Option<RemoteRun>,
    /// Why this workspace's files are shown (`files`).
    why: Option<String>,
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

/// Decides the view: the Baton running here, else the remote's branch when it carries the
/// state and this clone has nothing newer, else this workspace's files.
fn view(config: &Config, fetch: bool) -> Result<View> {
    let repo = Repo::discover(&config.root)?;
    let pid = observe::baton_runs_here(&lock_path(config, repo.as_ref()));
    let mut remote = match observe::remote_run(config) {
        Ok(run) => run,
        Err(e) => {
            note!("baton: warning: the remote's view cannot be read: {e:#}");
            None
        }
    };
    if fetch && let Some(run) = &mut remote {
        run.check();
    }
    if pid.is_some() {
        return Ok(View {
            source: "local",
            pid,
            remote,
            why: None,
        });
    }
    let why = match &remote {
        Some(run) => observe::files_instead(run),
        None => Some(format!(
            "no Baton runs here, and there is no remote `{}`",
            config.git.remote
        )),
    };
    Ok(View {
        source: if why.is_some() { "files" } else { "remote" },
        pid,
        remote,
        why,
    })
}

/// Prints the workspace's status.
///
/// # Errors
/// Config, state or journal errors.
pub(crate) fn cmd_status(global: &GlobalArgs, args: &StatusArgs) -> Result<()> {
    let out = &mut std::io::stdout().lock();
    let config = load_config(global, Overrides::default())?.config;
    require_workspace(&config)?;
    let local = Run::local(&config, args.last)?;
    let view = view(&config, !args.no_fetch)?;
    let divergence = match Repo::discover(&config.root)? {
        Some(repo) => repo.upstream_divergence()?,
        None => None,
    };
    let remote = view.remote.as_ref().map(|run| Run::remote(run, args.last));
    let shown = match (view.source, &remote) {
        ("remote", Some(remote)) => remote,
        _ => &local,
    };
    // Beside a Baton running here (a `baton work`), the claims as it fetched them: a fetch of
    // ours could hold their refs' locks while it fetches.
    let pool = observe::PoolReader::new(&config).map(|mut reader| {
        reader.refresh(!args.no_fetch && view.pid.is_none());
        reader.view(std::time::SystemTime::now())
    });
    if args.json {
        let mut value = status_json(&config, &view, shown, &local, remote.as_ref(), divergence);
        value["pool"] = serde_json::to_value(&pool)?;
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    print_view(out, &config, &view, shown.state.is_some(), args.no_fetch)?;
    print_run(out, shown, view.source == "remote")?;
    match (&view.remote, view.source) {
        (Some(run), "remote") => print_local(out, run, &local)?,
        _ => print_remote(out, divergence.as_ref(), &view, remote.as_ref())?,
    }
    let pool = pool.as_ref().map(observe::pool::lines).unwrap_or_default();
    for (n, line) in pool.iter().enumerate() {
        let word = if n == 0 { "pool: " } else { "" };
        writeln!(out, "{word}{line}")?;
    }
    writeln!(out, "last turns:")?;
    for t in &shown.turns {
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

/// The JSON answer: `view` says what is shown; `state`, `lease`, `last_turns` and `cost` are
/// of that view; `local` is this clone's own state when the view is the remote's; `remote`
/// is how the clone stands against its upstream and the remote's state.
fn status_json(
    config: &Config,
    view: &View,
    shown: &Run,
    local: &Run,
    remote: Option<&Run>,
    divergence: Option<Divergence>,
) -> Value {
    let run = view.remote.as_ref();
    let state = shown.state.clone().unwrap_or_default();
    let last_cost = shown.turns.last().and_then(|t| t.usage.cost_usd);
    let standing = run.and_then(RemoteRun::standing);
    json!({
        "view": {
            "source": view.source,
            "pid": view.pid,
            "name": run.map(RemoteRun::name),
            "stale": view.source == "remote"
                && run.is_some_and(|r| r.problem().is_some() || r.checked_at().is_none()),
            "problem": run.and_then(RemoteRun::problem),
            "why": view.why,
        },
        "state_file": config.state_file,
        "state_exists": shown.state.is_some(),
        "state": state,
        "lease": lease_json(&state),
        "last_turns": shown.turns,
        "cost": {
            "total_usd": shown.total.cost_usd,
            "reported_turns": shown.total.cost_reported_turns,
            "turns": shown.total.turns,
            "last_turn_usd": last_cost,
        },
        "local": (view.source == "remote").then(|| json!({
            "state_exists": local.state.is_some(),
            "state": local.state,
            "ahead": standing.map(|s| s.0),
            "behind": standing.map(|s| s.1),
        })),
        "remote": divergence.map(|d| json!({
            "upstream": d.upstream, "ahead": d.ahead, "behind": d.behind,
            "state": remote.and_then(|r| r.state.as_ref()),
            "lease": remote.and_then(|r| r.state.as_ref()).map(lease_json),
            "fetch_error": run.and_then(RemoteRun::problem),
        })),
    })
}
