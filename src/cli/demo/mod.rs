//! `baton demo`: a self-contained, offline demonstration in a temporary directory, with Baton's
//! real prompts and a scripted agent that really edits and commits files. By default it shows
//! two machines: a bare remote, two clones, and galph and ralph daemons as two processes handing
//! turns over through the remote (`--combined`: one process, combined mode). It prints the turns,
//! the shared history and the final state.

mod machines;

use std::path::Path;

use anyhow::Context as _;

use crate::cli::init::init_workspace;
use crate::config::{self, LoadOptions};
use crate::error::{Error, ErrorKind};
use crate::executor;
use crate::fsutil::write_atomic;
use crate::git::Repo;
use crate::git::short_sha;
use crate::journal::{Journal, JournalEntry};
use crate::modes;
use crate::state::{Handoff, StateStore};
use crate::turn::{RunOptions, Runner};

/// The scripted agent (POSIX sh), run as `sh ./demo-agent.sh`.
const DEMO_AGENT: &str = include_str!("agent.sh");

/// The demo's configuration: Baton's defaults, review every 2 iterations, the scripted agent.
const DEMO_CONFIG: &str = "\
# Baton demo workspace: every turn runs the scripted agent in demo-agent.sh.
review_every_n: 2
agent:
  default: demo
  commands:
    demo: [sh, ./demo-agent.sh]
  heartbeat: 10s
";

/// Flags of `baton demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Iterations to run.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub iterations: u64,
    /// Keep the temporary workspace and print its path.
    #[arg(long)]
    pub keep: bool,
    /// One process in combined mode instead of two machines in role mode.
    #[arg(long)]
    pub combined: bool,
}

/// Runs the demonstration.
///
/// # Errors
/// Any failure of the demo's own turns or files (exit 1).
pub(crate) fn cmd_demo(args: &DemoArgs) -> crate::error::Result<()> {
    demo(args).map_err(|e| Error::new(ErrorKind::Failed, e))
}

fn demo(args: &DemoArgs) -> anyhow::Result<()> {
    executor::install_handlers().context("install signal handlers")?;
    let tmp = tempfile::Builder::new().prefix("baton-demo-").tempdir()?;
    if args.combined {
        combined(args, tmp.path())?;
    } else {
        machines::run(args, tmp.path())?;
    }
    if args.keep {
        let kept = tmp.keep();
        say!("\nworkspace kept at {}", kept.display());
    }
    Ok(())
}

/// Combined mode in one process.
fn combined(args: &DemoArgs, root: &Path) -> anyhow::Result<()> {
    say!("== Baton demo: a temporary workspace in {}", root.display());
    let repo = prepare(root)?;
    let loaded = config::load(&LoadOptions {
        cwd: root.to_path_buf(),
        ..LoadOptions::default()
    })?;
    let options = RunOptions {
        handoff: Handoff::ToPeer,
        autocommit: true,
        commit_dry_run: false,
        echo: true,
    };
    let run_dir = repo.git_dir().join("baton");
    let runner = Runner::new(loaded.config, Some(repo), &run_dir, options);
    say!(
        "== {} combined iterations (galph then ralph), review every 2\n",
        args.iterations
    );
    modes::run_combined(&runner, args.iterations)?;
    summarize(&runner)
}

/// Writes the workspace and makes the first commit.
fn prepare(root: &Path) -> anyhow::Result<Repo> {
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let git = git2::Repository::init_opts(root, &init).context("git init")?;
    let mut cfg = git.config()?;
    cfg.set_str("user.name", "Baton Demo")?;
    cfg.set_str("user.email", "demo@baton.invalid")?;
    init_workspace(root, false)?;
    write_atomic(&root.join("orchestration.yaml"), DEMO_CONFIG.as_bytes())?;
    write_atomic(&root.join("demo-agent.sh"), DEMO_AGENT.as_bytes())?;
    let repo = Repo::discover(root)?.context("open the demo repository")?;
    let paths: Vec<String> = repo.dirty_paths()?.into_iter().map(|d| d.path).collect();
    repo.commit_paths(&paths, "demo: workspace from baton init")?;
    Ok(repo)
}

/// Prints the combined run's journal, history and final state.
fn summarize(runner: &Runner) -> anyhow::Result<()> {
    let turns = Journal::new(runner.config.journal_file.clone()).tail(100)?;
    let state = StateStore::new(runner.config.state_file.clone())
        .load()?
        .map(|l| l.state);
    let bytes = crate::state::to_bytes(&state.unwrap_or_default());
    let repo = runner.repo.as_ref().context("the demo runs with git")?;
    print_summary(&turns, repo, &bytes)
}

/// Prints the turns, the commits of `repo` (newest first) and the state file's bytes.
fn print_summary(turns: &[JournalEntry], repo: &Repo, state: &[u8]) -> anyhow::Result<()> {
    say!("\n== Turns (sync/journal.jsonl)");
    for t in turns {
        say!(
            "  iteration {}  {:5}  {:13}  {:7}  {} -> {}  +{} -{}  on {}",
            t.iteration,
            t.actor.as_str(),
            t.prompt,
            t.outcome.as_str(),
            t.head_before.as_deref().map_or("-", short_sha),
            t.head_after.as_deref().map_or("-", short_sha),
            t.insertions,
            t.deletions,
            t.host
        );
    }
    say!("\n== Commits (newest first)");
    for line in repo.log_oneline(60)? {
        say!("  {line}");
    }
    say!("\n== Final state (sync/state.json)");
    print!("{}", String::from_utf8_lossy(state));
    Ok(())
}
