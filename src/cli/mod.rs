//! The command line (README): one file per subcommand, each with its `XxxArgs` and `cmd_xxx`,
//! and this module's single dispatch.

mod approve;
mod args;
mod check;
mod cleanup;
mod demo;
mod fork;
mod graph;
mod history;
mod init;
mod logs;
mod man;
mod preflight;
mod rewind;
mod route;
mod run;
mod runner;
mod serve;
mod shell;
mod stamp;
mod stats;
mod status;
mod stop;
mod watch;
mod work;
mod workspace;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub(crate) use args::RunArgs;
pub(crate) use workspace::lock_path;

use crate::config::{self, Loaded, Overrides};
use crate::error::Result;

/// Git-native handoff orchestrator for coding-agent CLIs: galph plans, ralph works, turn by turn.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Use this configuration file instead of searching upward for `orchestration.yaml`.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More diagnostics (repeatable).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Do not echo agent output to the console (it still goes to the turn log).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour on the console: `auto` (a terminal, and no `NO_COLOR`), `always` or `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// When the console uses colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run turns: combined mode by default (galph then ralph, N iterations).
    Run(RunArgs),
    /// galph's turns only (= `run --mode role --role galph`).
    Supervisor(RunArgs),
    /// ralph's turns only (= `run --mode role --role ralph`): the classic single-agent loop.
    Loop(RunArgs),
    /// Show whose turn it is, the lease, and the last turns.
    Status(status::StatusArgs),
    /// Sum the journal: turns, tokens, cost, time and outcomes, by actor, prompt, agent and
    /// iteration.
    Stats(stats::StatsArgs),
    /// Every turn with its iteration, actor, outcome, tasks, heads and stamp commit, and the
    /// rewinds.
    History(history::HistoryArgs),
    /// Go back to a turn's stamp with a new commit (tree, state and journal as it left them;
    /// history kept).
    Rewind(rewind::RewindArgs),
    /// Make a branch at a turn's stamp commit, to run from there beside this branch.
    Fork(fork::ForkArgs),
    /// Print the next decisions of the deterministic router, without running anything.
    Route(route::RouteArgs),
    /// Draw the workflow: which actor's turn leads to which (text, Graphviz DOT or Mermaid).
    Graph(graph::GraphArgs),
    /// Validate config, prompts, state and agents; exit 0 or 2.
    Check(check::CheckArgs),
    /// Stamp a turn by hand: `baton stamp ralph ok` (same commits and pushes as a daemon).
    Stamp(stamp::StampArgs),
    /// Stop the run at the next turn boundary (sets `exit` in the state), from any clone.
    Stop(stop::StopArgs),
    /// Leave a note for the next turn's agent (`--to ralph`), from any clone.
    Note(stop::NoteArgs),
    /// Let a turn that waits at an approval checkpoint run, from any clone.
    Approve(approve::ApproveArgs),
    /// Send a turn that waits at an approval checkpoint back to galph with a note.
    Reject(approve::RejectArgs),
    /// Clear the stop flag so that the next start runs again (committed and pushed like stop).
    Resume(stop::ResumeArgs),
    /// Show or follow turn logs.
    Logs(logs::LogsArgs),
    /// Remove what workers left: worktrees of tasks that did not land, merged worker branches.
    Cleanup(cleanup::CleanupArgs),
    /// Be a pool worker: take open tasks through the remote, land each (any number of clones).
    Work(work::WorkArgs),
    /// Write jobs that run pool workers: a GitHub Actions workflow or a Kubernetes Indexed Job.
    Runner(runner::RunnerArgs),
    /// Serve a live dashboard of the run in the browser (loopback; a token for anything else).
    Serve(crate::serve::ServeArgs),
    /// Follow a run live: whose turn, the running transcript, the last turns, budget, lease.
    Watch(watch::WatchArgs),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(shell::CompletionsArgs),
    /// Print the man page (roff): `baton man > baton.1`.
    Man,
    /// Print the version (as `--version`), and the git commit of a release build.
    Version,
    /// Write a commented orchestration.yaml, prompts and an initial state.
    Init(init::InitArgs),
    /// Run a self-contained offline demonstration in a temporary workspace.
    Demo(demo::DemoArgs),
}

/// Runs the parsed command line.
///
/// # Errors
/// Any command's error; its kind decides the exit code.
pub(crate) fn dispatch(cli: Cli) -> Result<()> {
    crate::console::set_color(match cli.global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stderr())
        }
    });
    crate::console::trace::init(cli.global.verbose);
    let g = &cli.global;
    match &cli.command {
        Command::Run(a) => run::cmd_run(g, a, None),
        Command::Supervisor(a) => run::cmd_run(g, a, Some(crate::state::Actor::GALPH)),
        Command::Loop(a) => run::cmd_run(g, a, Some(crate::state::Actor::RALPH)),
        Command::Status(a) => status::cmd_status(g, a),
        Command::Stats(a) => stats::cmd_stats(g, a),
        Command::History(a) => history::cmd_history(g, a),
        Command::Rewind(a) => rewind::cmd_rewind(g, a),
        Command::Fork(a) => fork::cmd_fork(g, a),
        Command::Route(a) => route::cmd_route(g, a),
        Command::Graph(a) => graph::cmd_graph(g, a),
        Command::Check(a) => check::cmd_check(g, a),
        Command::Stamp(a) => stamp::cmd_stamp(g, a),
        Command::Stop(a) => stop::cmd_stop(g, a),
        Command::Resume(a) => stop::cmd_resume(g, a),
        Command::Note(a) => stop::cmd_note(g, a),
        Command::Approve(a) => approve::cmd_approve(g, a),
        Command::Reject(a) => approve::cmd_reject(g, a),
        Command::Logs(a) => logs::cmd_logs(g, a),
        Command::Cleanup(a) => cleanup::cmd_cleanup(g, a),
        Command::Work(a) => work::cmd_work(g, a),
        Command::Runner(a) => runner::cmd_runner(g, a),
        Command::Serve(a) => serve::cmd_serve(g, a),
        Command::Watch(a) => watch::cmd_watch(g, a),
        Command::Completions(a) => shell::cmd_completions(a),
        Command::Man => man::cmd_man(),
        Command::Version => cmd_version(),
        Command::Init(a) => init::cmd_init(a),
        Command::Demo(a) => demo::cmd_demo(a),
    }
}

/// The version line: `baton 0.1.0`, with ` (commit 1a2b3c4d5e6f)` for a release build made in
/// a git checkout (recorded by `build.rs`).
#[must_use]
pub(crate) fn version_line() -> String {
    let version = env!("CARGO_PKG_VERSION");
    match option_env!("BATON_BUILD_COMMIT") {
        Some(commit) => format!("baton {version} (commit {commit})"),
        None => format!("baton {version}"),
    }
}

/// Prints [`version_line`].
///
/// # Errors
/// A write error (a closed stdout ends quietly, see [`crate::error::report`]).
fn cmd_version() -> Result<()> {
    use std::io::Write as _;
    writeln!(std::io::stdout().lock(), "{}", version_line())?;
    Ok(())
}

/// Refuses to go on outside a workspace: no `orchestration.yaml` was found from the working
/// directory upward and none was given with `--config`. Every command that reads or changes a
/// run (`run`, `stop`, `note`, `approve`, `stamp`, `status`, …) would otherwise create a state
/// and logs, or show a made-up one; `init`, `check`, `logs` and `demo` work anywhere.
///
/// # Errors
/// A usage error (exit 2) naming the directory searched, with a hint to `baton init`.
pub(crate) fn require_workspace(config: &config::Config) -> Result<()> {
    if config.file.is_some() {
        return Ok(());
    }
    Err(crate::error::Error::usage(format!(
        "not a Baton workspace: no {} in {} or any directory above it",
        config::CONFIG_FILE_NAME,
        config.root.display()
    ))
    .with_hint("run `baton init` to make this directory a workspace, or pass --config FILE"))
}

/// Loads the configuration as [`load_config`] does and refuses to go on outside a workspace
/// ([`require_workspace`]), before anything is written.
///
/// # Errors
/// As [`load_config`]; a usage error (exit 2) outside a workspace.
pub(crate) fn load_workspace(global: &GlobalArgs, overrides: Overrides) -> Result<Loaded> {
    let loaded = load_config(global, overrides)?;
    require_workspace(&loaded.config)?;
    Ok(loaded)
}

/// Loads the configuration from the working directory, the `BATON_*` environment and
/// `overrides`, printing its warnings to stderr.
///
/// # Errors
/// [`crate::config::ConfigError`] (exit 2), or the working directory cannot be read.
pub(crate) fn load_config(global: &GlobalArgs, overrides: Overrides) -> Result<Loaded> {
    let env = std::env::vars()
        .filter(|(k, _)| k.starts_with("BATON_"))
        .collect();
    let opts = config::LoadOptions {
        cwd: std::env::current_dir()?,
        config_file: global.config.clone(),
        env,
        overrides,
    };
    let loaded = config::load(&opts)?;
    for warning in &loaded.warnings {
        note!("baton: warning: {warning}");
    }
    Ok(loaded)
}
