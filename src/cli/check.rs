//! `baton check`: validates config, prompts, state and agents like a compile step (exit 0 / 2).
//! Warnings (`warn …` lines) point at what will fail later without being an error now, such as
//! `claude` as root outside a sandbox.

use std::io::Write as _;

use crate::cli::preflight::{preflight, prompts_of};
use crate::cli::{GlobalArgs, load_config};
use crate::config::{Loaded, Origin, Overrides};
use crate::console::{Paint, paint};
use crate::error::{Error, Result};
use crate::state::{Actor, StateStore};

/// Flags of `baton check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Print one JSON object: `{"ok": bool, "checks": [{"level", "what", "detail", "hints"}],
    /// "config": [{"key", "env", "kind", "value", "from"}]}` (every key's value in force).
    #[arg(long)]
    pub json: bool,
}

/// How one check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Ok,
    Warn,
    Fail,
}

/// One check: its level, what was checked (`config`, `prompt`, `agent`, …), the detail and,
/// for a failure, what to do.
#[derive(Debug, serde::Serialize)]
struct Finding {
    level: Level,
    what: &'static str,
    detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hints: Vec<String>,
}

/// Checks the configuration, prompts, agents, the programs a run may start and the state;
/// prints one line per check (or one JSON object, with every key's value in force) and fails
/// with exit 2 when any check fails.
///
/// # Errors
/// A usage error counting the problems; config errors as they come.
pub(crate) fn cmd_check(global: &GlobalArgs, args: &CheckArgs) -> Result<()> {
    let loaded = load_config(global, Overrides::default())?;
    let findings = findings(&loaded);
    let out = &mut std::io::stdout().lock();
    let failed = findings.iter().filter(|f| f.level == Level::Fail).count();
    if args.json {
        let value = serde_json::json!({
            "ok": failed == 0,
            "checks": findings,
            "config": crate::config::settings(&loaded),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        for f in &findings {
            let level = match f.level {
                Level::Ok => paint(Paint::Green, "ok  "),
                Level::Warn => paint(Paint::Yellow, "warn"),
                Level::Fail => paint(Paint::Red, "FAIL"),
            };
            match f.what {
                "" => writeln!(out, "{level} {}", f.detail)?,
                what => writeln!(out, "{level} {what:<6} {}", f.detail)?,
            }
            for hint in &f.hints {
                writeln!(out, "     hint: {hint}")?;
            }
        }
    }
    if failed == 0 {
        return Ok(());
    }
    Err(Error::usage(format!("{failed} problem(s) found")))
}

/// Every check of `loaded`, in order: oks and warnings first, then the failures.
fn findings(loaded: &Loaded) -> Vec<Finding> {
    let config = &loaded.config;
    let mut found = Vec::new();
    let mut failures = Vec::new();
    let mut ok = |what, detail: String| {
        found.push(Finding {
            level: Level::Ok,
            what,
            detail,
            hints: Vec::new(),
        });
    };
    let source = config
        .file
        .as_ref()
        .map_or_else(|| "defaults".to_owned(), |f| f.display().to_string());
    ok("config", source);
    for setting in crate::config::settings(loaded) {
        if let origin @ (Origin::Env(_) | Origin::Flag(_)) = loaded.origins.of(setting.key) {
            ok("set", format!("{} by {origin}", setting.key));
        }
    }
    let limit = |d: Option<std::time::Duration>| {
        d.map_or_else(|| "none".to_owned(), crate::config::format_duration)
    };
    ok(
        "limits",
        format!(
            "agent.timeout {}, agent.heartbeat {}",
            limit(config.agent.timeout),
            limit(config.agent.heartbeat)
        ),
    );
    for actor in Actor::PAIR {
        for prompt in prompts_of(config, actor) {
            let path = config.prompt_path(&prompt);
            match crate::agent::prompt::problem(&path) {
                None => ok("prompt", format!("{actor} {prompt}")),
                Some(problem) => failures.push(Error::usage(format!(
                    "prompt `{prompt}` of {actor}: `{}` {problem}",
                    path.display()
                ))),
            }
        }
    }
    let checked = preflight(loaded, &Actor::PAIR, true);
    for (actor, prompt, c) in &checked.agents {
        let argv = c.argv.join(" ");
        ok(
            "agent",
            format!("{actor} {prompt} -> {} ({}) `{argv}`", c.name, c.rule),
        );
    }
    for (from, c) in &checked.fallbacks {
        let argv = c.argv.join(" ");
        ok(
            "agent",
            format!("{from} at a usage limit -> {} `{argv}`", c.name),
        );
    }
    match StateStore::new(config.state_file.clone()).load() {
        Ok(Some(s)) => ok(
            "state",
            format!(
                "{} (iteration {}, expected {}, {})",
                config.state_file.display(),
                s.state.iteration,
                s.state.expected_actor,
                s.state.status
            ),
        ),
        Ok(None) => ok(
            "state",
            format!(
                "{} (missing; created on first run)",
                config.state_file.display()
            ),
        ),
        Err(e) => failures.push(Error::from(e)),
    }
    found.extend(checked.warnings.into_iter().map(|detail| Finding {
        level: Level::Warn,
        what: "",
        detail,
        hints: Vec::new(),
    }));
    failures.extend(checked.problems);
    found.extend(failures.into_iter().map(|error| Finding {
        level: Level::Fail,
        what: "",
        detail: error.to_string(),
        hints: error.hints().to_vec(),
    }));
    found
}
