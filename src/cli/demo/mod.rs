//! `baton demo`: a self-contained, offline demonstration in a temporary directory, with Baton's
//! real prompts and a scripted agent that really edits and commits files and reports tokens and
//! a cost as Claude Code does. By default it shows two machines: a bare remote, two clones, and
//! galph and ralph daemons as two processes handing turns over through the remote
//! (`--combined`: one process, combined mode). It prints the turns with their receipts, the
//! shared history and the final state, and keeps the workspace (unless `--discard`) for `baton
//! stats`, `watch` and `serve` to look at.

mod examples;
mod machines;

use std::path::Path;

use anyhow::Context as _;

use crate::cli::init::init_workspace;
use crate::config::{self, LoadOptions};
use crate::error::{Error, ErrorKind};
use crate::executor;
use crate::fsutil::write_atomic;
use crate::git::Repo;
use crate::journal::{Journal, JournalEntry};
use crate::modes;
use crate::state::{Actor, StateStore};
use crate::text::short_sha;
use crate::turn::{RunOptions, Session};

/// The scripted agent (POSIX sh), run as `sh ./demo-agent.sh`.
const DEMO_AGENT: &str = include_str!("agent.sh");

/// The demo's configuration: Baton's defaults, review every 2 iterations, the scripted agent
/// (which speaks Claude Code's stream-json, so its turns report tokens and cost).
const DEMO_CONFIG: &str = "\
# Baton demo workspace: every turn runs the scripted agent in demo-agent.sh.
review_every_n: 2
agent:
  default: demo
  commands:
    demo: [sh, ./demo-agent.sh]
  formats:
    demo: claude-stream-json
  heartbeat: 10s
";

/// Flags of `baton demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Iterations to run (at least 1).
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = crate::cli::args::parse_iterations)]
    pub iterations: u64,
    /// Remove the workspace at the end (by default it is kept, to look at with `baton stats`,
    /// `watch` and `serve`).
    #[arg(long)]
    pub discard: bool,
    /// Keep the workspace (the default; accepted for older scripts).
    #[arg(long, hide = true, conflicts_with = "discard")]
    pub keep: bool,
    /// One process in combined mode instead of two machines in role mode.
    #[arg(long)]
    pub combined: bool,
    /// Run one of the workflow examples instead (`pr-review`: reviewers fan out, a critic
    /// loops, a synthesizer reports; `parallel`: four workers in worktrees, landings, a
    /// conflict), in combined mode.
    #[arg(long, value_name = "NAME", value_parser = parse_example, conflicts_with = "combined")]
    pub example: Option<String>,
}

fn parse_example(name: &str) -> Result<String, String> {
    examples::find(name).map(|e| e.name.to_owned())
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
    let workspace = if let Some(name) = &args.example {
        let example = examples::find(name).map_err(anyhow::Error::msg)?;
        examples::run(example, args.iterations, tmp.path())?;
        tmp.path().to_path_buf()
    } else if args.combined {
        combined(args, tmp.path())?;
        tmp.path().to_path_buf()
    } else {
        machines::run(args, tmp.path())?
    };
    if args.discard {
        return Ok(());
    }
    let kept = tmp.keep();
    look_around(&kept, &workspace);
    Ok(())
}

/// The closing lines: where the kept workspace is, and the commands that look at it.
fn look_around(kept: &Path, workspace: &Path) {
    let exe = std::env::current_exe().ok();
    let on_path = crate::agent::find_program(Path::new("/"), "baton")
        .and_then(|found| found.canonicalize().ok());
    let baton = match exe {
        Some(exe) if on_path.as_ref() != exe.canonicalize().ok().as_ref() => {
            exe.display().to_string()
        }
        _ => "baton".to_owned(),
    };
    say!(
        "\n== Look around: the workspace is kept in {}",
        kept.display()
    );
    let lines = [
        (
            format!("cd {}", workspace.display()),
            "the clone that ran the last turn",
        ),
        (
            format!("{baton} stats"),
            "what the run cost: turns, tokens, cost, by actor and prompt",
        ),
        (
            format!("{baton} watch --once"),
            "whose turn it is, the last turns with their receipts",
        ),
        (
            format!("{baton} serve"),
            "the dashboard, at http://127.0.0.1:7878/",
        ),
        (format!("rm -rf {}", kept.display()), "when done"),
    ];
    let width = lines
        .iter()
        .map(|(command, _)| command.len())
        .max()
        .unwrap_or(0);
    for (command, what) in lines {
        say!("  {command:<width$}  # {what}");
    }
}

/// Combined mode in one process.
fn combined(args: &DemoArgs, root: &Path) -> anyhow::Result<()> {
    say!("== Baton demo: a temporary workspace in {}", root.display());
    let runner = local_session(root, prepare(root)?)?;
    say!(
        "== {} combined iterations (galph then ralph), review every 2\n",
        args.iterations
    );
    let plan = modes::run::Plan {
        workflow: runner.config.workflow.clone(),
        actors: Actor::PAIR.to_vec(),
        count: args.iterations,
    };
    modes::run::run(&runner, &mut modes::Local, &plan)?;
    summarize(&runner)
}

/// A local (combined-mode) run of the workspace at `root`, committed in `repo`, echoing its
/// agents.
fn local_session(root: &Path, repo: Repo) -> anyhow::Result<Session> {
    let loaded = config::load(&LoadOptions {
        cwd: root.to_path_buf(),
        ..LoadOptions::default()
    })?;
    let options = RunOptions {
        autocommit: true,
        commit_dry_run: false,
        echo: true,
    };
    let run_dir = repo.git_dir().join("baton");
    let events = crate::events::Events::for_run(&loaded.config);
    let ws = crate::turn::Workspace::new(loaded.config, Some(repo), &run_dir, events);
    let graph = ws.config.workflow.clone();
    Ok(Session::new(ws, graph, options))
}

/// Writes the workspace and makes the first commit.
fn prepare(root: &Path) -> anyhow::Result<Repo> {
    new_repository(root)?;
    init_workspace(root, false)?;
    write_atomic(&root.join("orchestration.yaml"), DEMO_CONFIG.as_bytes())?;
    write_atomic(&root.join("demo-agent.sh"), DEMO_AGENT.as_bytes())?;
    commit_everything(root, "demo: workspace from baton init")
}

/// A new repository at `root` on `main`, with the demo's committer.
fn new_repository(root: &Path) -> anyhow::Result<()> {
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let git = git2::Repository::init_opts(root, &init).context("git init")?;
    let mut cfg = git.config()?;
    cfg.set_str("user.name", "Baton Demo")?;
    cfg.set_str("user.email", "demo@baton.invalid")?;
    Ok(())
}

/// Commits every file of the work tree at `root` as `message`; the repository.
fn commit_everything(root: &Path, message: &str) -> anyhow::Result<Repo> {
    let repo = Repo::discover(root)?.context("open the demo repository")?;
    let paths: Vec<String> = repo.dirty_paths()?.into_iter().map(|d| d.path).collect();
    repo.commit_paths(&paths, message)?;
    Ok(repo)
}

/// Prints the combined run's journal, history and final state.
fn summarize(runner: &Session) -> anyhow::Result<()> {
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
    say!("\n== Turns (sync/journal.jsonl), with what each agent reported");
    let (mut tokens, mut cost) = (0, 0.0);
    for t in turns {
        let (input, output) = (
            t.usage.input_tokens.unwrap_or(0),
            t.usage.output_tokens.unwrap_or(0),
        );
        tokens += input + output;
        cost += t.usage.cost_usd.unwrap_or(0.0);
        say!(
            "  iteration {}  {:5}  {:13}  {:7}  {} -> {}  +{} -{}  {input} in / {output} out, \
             ${:.4}",
            t.iteration,
            t.actor.as_str(),
            t.prompt,
            t.outcome.as_str(),
            t.head_before.as_deref().map_or("-", short_sha),
            t.head_after.as_deref().map_or("-", short_sha),
            t.insertions,
            t.deletions,
            t.usage.cost_usd.unwrap_or(0.0)
        );
        for task in &t.tasks {
            let why = task
                .error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            say!(
                "      {:9} task {:10} {:8} {}{why}",
                task.worker,
                task.task,
                task.landing.to_string(),
                task.merge
                    .as_deref()
                    .map_or(task.branch.as_str(), short_sha),
            );
        }
    }
    say!(
        "  {} turns, {tokens} tokens, ${cost:.4} (made-up figures: the demo agent calls no model)",
        turns.len()
    );
    say!("\n== Commits (newest first)");
    for line in repo.log_oneline(60)? {
        say!("  {line}");
    }
    say!("\n== Final state (sync/state.json)");
    say!("{}", String::from_utf8_lossy(state).trim_end());
    Ok(())
}
