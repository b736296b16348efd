//! `baton history [--json] [--branch NAME]`: every turn of the journal — iteration, actor,
//! outcome, the workers' tasks, the commits before and after it and the commit that stamped
//! it — and the branch's rewinds, in the order they happened (see `crate::travel` for how a
//! stamp is found).

use std::io::Write;

use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::journal::Journal;
use crate::journal::show::cost;
use crate::text::short_sha;
use crate::travel::{
    self, History, Line, RewindRow, Row, TurnRow, journal_at, journal_in_files, resolve_branch,
};

/// Flags of `baton history`.
#[derive(Debug, Clone, clap::Args)]
pub struct HistoryArgs {
    /// Print one JSON object: `{"branch", "tip", "turns", "rewinds"}`.
    #[arg(long)]
    pub json: bool,
    /// Read the journal as committed at this branch's tip (or any ref or commit, such as a
    /// rewind's backup ref), not the workspace's files.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
}

/// Prints the history.
///
/// # Errors
/// Config, journal and git errors; `--branch` naming nothing, or without git (exit 2); a
/// closed stdout is a quiet exit 0.
pub(crate) fn cmd_history(global: &GlobalArgs, args: &HistoryArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let repo = Repo::discover(&config.root)?;
    let in_files = || journal_in_files(&Journal::new(config.journal_file.clone()));
    let history = match (&repo, &args.branch) {
        (None, Some(_)) => {
            return Err(Error::usage(
                "--branch reads the journal from git, and this workspace is not in a git \
                 repository",
            ));
        }
        (None, None) => History::of(&in_files()?, None, None),
        (Some(repo), branch) => {
            let rel = travel::relative(repo, &config.journal_file)?;
            let (label, tip, journal) = match branch {
                Some(name) => {
                    let (label, sha) = resolve_branch(repo, name)?;
                    let journal = journal_at(repo, &sha, &rel)?;
                    (label, Some(sha), journal)
                }
                None => {
                    let label = repo.branch()?.unwrap_or_else(|| "HEAD".to_owned());
                    (label, repo.head_id()?, in_files()?)
                }
            };
            let line = match &tip {
                Some(tip) => Some(Line::read(repo, tip, &rel)?),
                None => None,
            };
            History::of(&journal, line.as_ref(), Some(label))
        }
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &history)?;
        writeln!(out)?;
        return Ok(());
    }
    print_text(&mut out, &history)
}

fn print_text(out: &mut impl Write, history: &History) -> Result<()> {
    if history.turns.is_empty() {
        writeln!(out, "no turns in the journal yet")?;
    }
    let width = |header: &str, of: fn(&TurnRow) -> usize| {
        history.turns.iter().map(of).chain([header.len()]).max()
    };
    let widths = Widths {
        actor: width("actor", |t| t.actor.chars().count()).unwrap_or(5),
        outcome: width("outcome", |t| t.outcome.len()).unwrap_or(7),
    };
    let Widths { actor, outcome } = widths;
    if !history.turns.is_empty() {
        writeln!(
            out,
            "{:>4} {:>5}  {:<actor$}  {:<outcome$}  {:>7}  {:<7}  {:<7}  {:<7}  prompt",
            "turn", "iter", "actor", "outcome", "cost", "before", "after", "stamp"
        )?;
    }
    for row in history.in_order() {
        match row {
            Row::Turn(turn) => print_turn(out, turn, widths)?,
            Row::Rewind(rewind) => print_rewind(out, rewind)?,
        }
    }
    Ok(())
}

/// The widths of the text columns that fit their longest value.
#[derive(Clone, Copy)]
struct Widths {
    actor: usize,
    outcome: usize,
}

fn print_turn(out: &mut impl Write, t: &TurnRow, widths: Widths) -> Result<()> {
    let Widths { actor, outcome } = widths;
    let sha = |s: &Option<String>| s.as_deref().map_or("-", short_sha).to_owned();
    writeln!(
        out,
        "{:>4} {:>5}  {:<actor$}  {:<outcome$}  {:>7}  {:<7}  {:<7}  {:<7}  {}",
        t.n,
        t.iteration,
        t.actor,
        t.outcome,
        cost(t.cost_usd),
        sha(&t.head_before),
        sha(&t.head_after),
        sha(&t.stamp),
        t.prompt
    )?;
    for task in &t.tasks {
        let how = match &task.merge {
            Some(merge) => format!("merge {}", short_sha(merge)),
            None => format!("branch {}", task.branch),
        };
        writeln!(
            out,
            "{:>12}{} task {}: {}, {how}",
            "└ ", task.worker, task.task, task.landing
        )?;
    }
    Ok(())
}

fn print_rewind(out: &mut impl Write, r: &RewindRow) -> Result<()> {
    let to = match r.to_turn {
        Some(n) => format!("turn {n}'s stamp {}", short_sha(&r.to)),
        None => format!("the stamp {}", short_sha(&r.to)),
    };
    let over = r
        .commits
        .map_or_else(String::new, |n| format!(" over {n} commit(s)"));
    let before = r.before.as_deref().map_or_else(String::new, |b| {
        format!(
            "; what it went back over: baton history --branch {}",
            short_sha(b)
        )
    });
    writeln!(
        out,
        "rewind {} back to {to}{over}{before}",
        short_sha(&r.commit)
    )?;
    Ok(())
}
