//! `baton stats [--json] [--branch NAME]…`: what the journal says the run cost — turns, tokens,
//! cost, wall time and outcomes, in total and by actor, prompt, agent and iteration (see
//! `crate::journal::Summary`). Only what agents reported is summed. `--branch` sums the journal
//! as committed at another branch's tip (a fork's, a rewind's backup ref); given more than
//! once, it compares the branches: their totals side by side.

use std::io::Write;

use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::journal::show::{cost, number, outcomes, wall};
use crate::journal::{Journal, Summary, Totals};

/// Flags of `baton stats`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatsArgs {
    /// Print one JSON object: `{"total", "by_actor", "by_prompt", "by_agent", "by_iteration"}`.
    #[arg(long)]
    pub json: bool,
    /// Iterations shown by the text output (the newest; `--json` has all).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub iterations: usize,
    /// Sum the journal as committed at this branch's tip (or any ref or commit), read from
    /// git rather than the workspace's files: what another line of work cost. Given more than
    /// once, the branches' totals side by side (`--json`: `{"branches": [{"branch",
    /// "commit", "total", "by_actor", …}]}`, in the order given).
    #[arg(long, value_name = "NAME")]
    pub branch: Vec<String>,
}

/// Sums the journal and prints it.
///
/// # Errors
/// Config and journal errors; a closed stdout is a quiet exit 0.
pub(crate) fn cmd_stats(global: &GlobalArgs, args: &StatsArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let summary = match args.branch.as_slice() {
        [] => Journal::new(config.journal_file.clone()).summary_kept_in(&run_dir(&config))?,
        [name] => summary_at(&config, name)?.summary,
        names => return compare(&config, names, args.json),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(());
    }
    print_text(&mut out, &summary, args.iterations)
}

/// One branch's sums, as `--json` prints them beside the others'.
#[derive(serde::Serialize)]
struct AtBranch<'a> {
    /// The name given.
    branch: &'a str,
    /// Its tip (40 hex digits).
    commit: String,
    #[serde(flatten)]
    summary: Summary,
}

/// Prints the totals of `names`' journals side by side: one row a branch, in the order given
/// (each branch's whole journal: turns before a fork count on both sides).
///
/// # Errors
/// As [`summary_at`], for any name, before anything is printed.
fn compare(config: &crate::config::Config, names: &[String], json: bool) -> Result<()> {
    let branches = names
        .iter()
        .map(|name| summary_at(config, name))
        .collect::<Result<Vec<_>>>()?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "branches": branches }))?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "the journal at each branch's tip (its whole history: turns before a fork count on both \
         sides)"
    )?;
    table(
        &mut out,
        "branch",
        branches
            .iter()
            .map(|at| (at.branch.to_owned(), &at.summary.total)),
    )
}

/// The sums of the journal as committed at branch (or ref, or commit) `name`'s tip.
///
/// # Errors
/// A usage error (exit 2) without git or for a name that names nothing; git errors.
fn summary_at<'a>(config: &crate::config::Config, name: &'a str) -> Result<AtBranch<'a>> {
    let Some(repo) = crate::git::Repo::discover(&config.root)? else {
        return Err(Error::usage(
            "--branch reads the journal from git, and this workspace is not in a git repository",
        ));
    };
    let rel = crate::travel::relative(&repo, &config.journal_file)?;
    let (_, tip) = crate::travel::resolve_branch(&repo, name)?;
    let mut summary = Summary::default();
    for line in crate::travel::journal_at(&repo, &tip, &rel)? {
        summary.add(&line.entry);
    }
    Ok(AtBranch {
        branch: name,
        commit: tip,
        summary,
    })
}

/// Where the journal's sums are kept between commands: the workspace's run directory (see
/// [`crate::cli::workspace::run_dir`]); a repository that cannot be opened counts as none.
pub(crate) fn run_dir(config: &crate::config::Config) -> std::path::PathBuf {
    let repo = crate::git::Repo::discover(&config.root).ok().flatten();
    crate::cli::workspace::run_dir(config, repo.as_ref())
}

fn print_text(out: &mut impl Write, summary: &Summary, iterations: usize) -> Result<()> {
    let t = &summary.total;
    if t.turns == 0 {
        writeln!(out, "no turns in the journal yet")?;
        return Ok(());
    }
    writeln!(
        out,
        "{} turns ({}) in {}, {} agent runs",
        t.turns,
        outcomes(t),
        wall(t.duration_ms),
        t.attempts
    )?;
    writeln!(
        out,
        "tokens: {} in ({} cached), {} out; tool calls: {}",
        number(t.input_tokens),
        number(t.cached_input_tokens),
        number(t.output_tokens),
        number(t.tool_calls)
    )?;
    writeln!(
        out,
        "cost: {} ({} of {} turns reported one)",
        cost(t.cost_usd),
        t.cost_reported_turns,
        t.turns
    )?;
    let skip = summary.by_iteration.len().saturating_sub(iterations);
    let newest = summary
        .by_iteration
        .iter()
        .skip(skip)
        .map(|(i, totals)| (i.to_string(), totals));
    table(
        out,
        "actor",
        summary.by_actor.iter().map(|(k, v)| (k.clone(), v)),
    )?;
    table(
        out,
        "prompt",
        summary.by_prompt.iter().map(|(k, v)| (k.clone(), v)),
    )?;
    table(
        out,
        "agent",
        summary.by_agent.iter().map(|(k, v)| (k.clone(), v)),
    )?;
    table(out, "iteration", newest)?;
    Ok(())
}

/// One group as a table: name, turns, tokens in/out, cost, wall time, outcomes.
fn table<'a>(
    out: &mut impl Write,
    title: &str,
    rows: impl Iterator<Item = (String, &'a Totals)>,
) -> Result<()> {
    let rows: Vec<(String, &Totals)> = rows.collect();
    // The name column fits the longest name (`supervisor.md`), at least 12 wide.
    let w = rows
        .iter()
        .map(|(name, _)| name.chars().count())
        .chain([12])
        .max()
        .unwrap_or(12);
    writeln!(out)?;
    writeln!(
        out,
        "{title:<w$} {:>6} {:>12} {:>10} {:>10} {:>9}  outcomes",
        "turns", "tokens in", "out", "cost", "time"
    )?;
    for (name, t) in rows {
        writeln!(
            out,
            "{name:<w$} {:>6} {:>12} {:>10} {:>10} {:>9}  {}",
            t.turns,
            number(t.input_tokens),
            number(t.output_tokens),
            cost(t.cost_usd),
            wall(t.duration_ms),
            outcomes(t)
        )?;
    }
    Ok(())
}
