//! `baton graph [--format text|dot|mermaid]`: the workflow the configuration makes, drawn —
//! the default pair's when no `workflow:` is written.

use std::io::Write as _;

use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::Result;
use crate::state::StateStore;
use crate::workflow::draw::{Format, draw};

/// Flags of `baton graph`.
#[derive(Debug, Clone, clap::Args)]
pub struct GraphArgs {
    /// `text` (one line per step), `dot` (Graphviz: `baton graph --format dot | dot -Tsvg`) or
    /// `mermaid` (a flowchart GitHub and GitLab render in Markdown).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Prints the workflow; the actors whose turn the state says is running or next are marked.
///
/// # Errors
/// Config errors (exit 2, a graph that cannot run among them); a closed stdout is a quiet exit.
pub(crate) fn cmd_graph(global: &GlobalArgs, args: &GraphArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let state = StateStore::new(config.state_file.clone())
        .load()
        .ok()
        .flatten()
        .map(|l| l.state);
    let mark: Vec<_> = state.map_or_else(Vec::new, |s| {
        let progress = s.progress();
        progress.running.into_iter().chain(progress.ready).collect()
    });
    let mut out = std::io::stdout().lock();
    write!(out, "{}", draw(&config.workflow, args.format, &mark))?;
    Ok(())
}
