//! `baton status`'s text: what is shown and how fresh it is, whose turn, and how this clone
//! stands against the remote.

use std::io::Write;

use super::{Run, View};
use crate::config::Config;
use crate::git::Divergence;
use crate::journal::show::cost;
use crate::observe::{self, RemoteRun, commits};

/// The first lines: what is shown, how fresh it is, and its state file (`has_state`: it
/// exists there).
pub(super) fn print_view(
    out: &mut dyn Write,
    config: &Config,
    view: &View,
    has_state: bool,
    no_fetch: bool,
) -> std::io::Result<()> {
    match (view.source, &view.remote) {
        ("remote", Some(run)) => {
            let fresh = match (run.problem(), no_fetch) {
                (Some(problem), _) => format!("as last fetched — stale: {problem}"),
                (None, true) => "as last fetched (--no-fetch)".to_owned(),
                (None, false) => "fetched just now".to_owned(),
            };
            writeln!(
                out,
                "view:      {}, {fresh}; no Baton runs in this clone",
                run.name()
            )
        }
        ("local", _) => writeln!(
            out,
            "view:      this workspace, where a Baton runs (pid {})",
            view.pid.unwrap_or_default()
        ),
        _ => writeln!(
            out,
            "view:      this workspace's files ({})",
            view.why.as_deref().unwrap_or("no Baton runs here")
        ),
    }?;
    if let ("remote", Some(run)) = (view.source, &view.remote) {
        return writeln!(out, "state:     {} at {}", run.state_rel(), run.name());
    }
    let missing = if has_state {
        ""
    } else {
        " (no state file yet)"
    };
    writeln!(out, "state:     {}{missing}", config.state_file.display())
}

/// Whose turn it is, its lease, limit, approval, stop flag and cost; `remote`: the view is a
/// remote's, whose running agent works on the lease holder's machine.
pub(super) fn print_run(out: &mut dyn Write, run: &Run, remote: bool) -> std::io::Result<()> {
    let state = run.state.clone().unwrap_or_default();
    let since = state.last_update.as_deref().unwrap_or("-");
    writeln!(
        out,
        "turn:      {} ({}, iteration {}) since {since}",
        state.expected_actor, state.status, state.iteration
    )?;
    if let Some(lease) = state.lease_text() {
        writeln!(out, "lease:     {lease}")?;
    }
    if remote && let Some(where_) = observe::agent_elsewhere(&state) {
        writeln!(out, "agent:     {where_}")?;
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
    let total = &run.total;
    if total.turns > 0 {
        let last_cost = run.turns.last().and_then(|t| t.usage.cost_usd);
        writeln!(
            out,
            "cost:      {} in total ({} of {} turns reported one); last turn {}",
            cost(total.cost_usd),
            total.cost_reported_turns,
            total.turns,
            cost(last_cost)
        )?;
    }
    Ok(())
}

/// Under a remote's view: how this clone's own files stand against it.
pub(super) fn print_local(
    out: &mut dyn Write,
    run: &RemoteRun,
    local: &Run,
) -> std::io::Result<()> {
    let own = local.state.as_ref().map_or_else(
        || "no state file".to_owned(),
        |s| {
            format!(
                "{} ({}, iteration {})",
                s.expected_actor, s.status, s.iteration
            )
        },
    );
    let name = run.name();
    match run.standing() {
        Some((0, 0)) => writeln!(out, "local:     up to date with {name}"),
        Some((0, behind)) => writeln!(
            out,
            "local:     this clone is {} behind {name}; its own state says {own} \
             (`git pull --ff-only` brings it up to date)",
            commits(behind)
        ),
        Some((ahead, behind)) => writeln!(
            out,
            "local:     this clone diverged from {name} ({} behind, {} ahead); its own state \
             says {own}",
            commits(behind),
            commits(ahead)
        ),
        None => writeln!(out, "local:     its own state says {own}"),
    }
}

/// Under this workspace's view: how the clone stands against its upstream, and the remote's
/// turn as last fetched.
pub(super) fn print_remote(
    out: &mut dyn Write,
    divergence: Option<&Divergence>,
    view: &View,
    remote: Option<&Run>,
) -> std::io::Result<()> {
    let Some(d) = divergence else {
        writeln!(out, "remote:    no upstream branch")?;
        return Ok(());
    };
    if let Some(err) = view.remote.as_ref().and_then(RemoteRun::problem) {
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
    if let Some(s) = remote.and_then(|r| r.state.as_ref()) {
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
