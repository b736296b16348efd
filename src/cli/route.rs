//! `baton route [--next N]`: the deterministic router's next decisions, nothing run.

use std::io::Write as _;
use std::time::SystemTime;

use crate::cli::{GlobalArgs, load_workspace};
use crate::config::Overrides;
use crate::error::Result;
use crate::router;
use crate::state::{Next, StateStore};
use crate::turn::next::{Leads, step};
use crate::workflow::walk::Assumed;

/// Flags of `baton route`.
#[derive(Debug, Clone, clap::Args)]
pub struct RouteArgs {
    /// How many decisions to print.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub next: u64,
    /// Print a JSON array of `{"iteration", "actor", "prompt", "source", "reason"}`.
    #[arg(long)]
    pub json: bool,
}

/// Prints the next `--next` decisions from the current state, walking the workflow and
/// assuming every turn succeeds with no answer (no `when: {command}` runs; no `when: {file}`
/// exists). Turns that would run at once are listed one after the other.
///
/// # Errors
/// Config or state errors (exit 2).
pub(crate) fn cmd_route(global: &GlobalArgs, args: &RouteArgs) -> Result<()> {
    let config = load_workspace(global, Overrides::default())?.config;
    let mut state = StateStore::new(config.state_file.clone())
        .load()?
        .map(|l| l.state)
        .unwrap_or_default();
    let out = &mut std::io::stdout().lock();
    let mut decisions = Vec::new();
    for _ in 0..args.next {
        let actor = state.expected_actor;
        let decision = router::deterministic(&state, &config, actor);
        if args.json {
            decisions.push(serde_json::json!({
                "iteration": state.iteration,
                "actor": actor,
                "prompt": decision.prompt,
                "source": decision.source.as_str(),
                "reason": decision.reason,
            }));
        } else {
            writeln!(out, "{}", decision.log_line(state.iteration, actor))?;
        }
        let (leads, progress) = step(&config.workflow, &state, actor, true, None, &mut Assumed);
        let next = match leads {
            Leads::To(next) => next,
            Leads::Again => Next::Actor(actor),
        };
        state.finish_ok(actor, &decision.prompt, None, next, SystemTime::now());
        state.set_progress(progress);
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&decisions)?)?;
    }
    Ok(())
}
