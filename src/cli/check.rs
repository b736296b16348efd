//! `baton check`: validates config, prompts, state and agents like a compile step (exit 0 / 2).
//! Warnings (`warn …` lines) point at what will fail later without being an error now, such as
//! `claude` as root outside a sandbox.

use std::io::Write as _;

use crate::agent::{self, AgentChoice};
use crate::cli::{GlobalArgs, load_config};
use crate::config::{Config, Overrides};
use crate::console::{Paint, paint};
use crate::error::{Error, Result};
use crate::state::{Actor, StateStore};

/// The prompts `actor` may run under `config`: its deterministic prompts, the reviewer when the
/// cadence is on, and (galph, router enabled) the router prompt and its allowlist.
#[must_use]
pub(crate) fn prompts_of(config: &Config, actor: Actor) -> Vec<String> {
    let p = &config.prompts;
    let mut prompts = match actor {
        Actor::Galph => vec![p.supervisor.clone()],
        Actor::Ralph => vec![p.main.clone()],
    };
    if config.review_every_n > 0 {
        prompts.push(p.reviewer.clone());
    }
    if actor == Actor::Galph && config.router.enabled {
        prompts.extend(config.router.prompt.iter().cloned());
        prompts.extend(config.router.allowlist.iter().cloned());
    }
    prompts.sort();
    prompts.dedup();
    prompts
}

/// Resolves the agent of every prompt the given actors may run, so that an unknown agent, a
/// missing program or an empty prompt file stops the run before anything runs (a missing
/// prompt file stops the turn that needs it).
///
/// # Errors
/// The first [`crate::agent::AgentError`] or empty prompt (exit 2).
pub(crate) fn check_agents(
    config: &Config,
    actors: &[Actor],
) -> Result<Vec<(Actor, String, AgentChoice)>> {
    let mut chosen = Vec::new();
    for &actor in actors {
        for prompt in prompts_of(config, actor) {
            let path = config.prompt_path(&prompt);
            if path.exists() {
                agent::prompt::check(&path, "prompt file")?;
            }
            let choice = agent::resolve(config, actor, &prompt)?;
            chosen.push((actor, prompt, choice));
        }
    }
    Ok(chosen)
}

/// The flag `claude` refuses as root unless `IS_SANDBOX=1` (or `CLAUDE_CODE_BUBBLEWRAP=1`):
/// it exits 1 before doing anything.
const CLAUDE_BYPASS_FLAG: &str = "--dangerously-skip-permissions";

/// Whether Baton runs as root (real user id, as `claude` checks).
fn is_root() -> bool {
    nix::unistd::getuid().is_root()
}

/// The warning for agents that pass [`CLAUDE_BYPASS_FLAG`] when running as root without the
/// sandbox variables `claude` accepts (`env` reads a variable); `None` when nothing would fail.
fn root_bypass_warning(
    config: &Config,
    root: bool,
    env: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let sandboxed = ["IS_SANDBOX", "CLAUDE_CODE_BUBBLEWRAP"]
        .iter()
        .any(|k| env(k).as_deref() == Some("1"));
    if !root || sandboxed {
        return None;
    }
    let mut agents: Vec<String> = Actor::ALL
        .iter()
        .flat_map(|&actor| {
            prompts_of(config, actor)
                .into_iter()
                .map(move |p| (actor, p))
        })
        .filter_map(|(actor, prompt)| agent::resolve(config, actor, &prompt).ok())
        .filter(|choice| choice.argv.iter().any(|a| a == CLAUDE_BYPASS_FLAG))
        .map(|choice| choice.name)
        .collect();
    agents.sort();
    agents.dedup();
    if agents.is_empty() {
        return None;
    }
    Some(format!(
        "agent {}: running as root, `claude {CLAUDE_BYPASS_FLAG}` refuses to start unless \
         IS_SANDBOX=1; set IS_SANDBOX=1 when baton runs in a sandbox or container, or run \
         baton as a non-root user",
        agents.join(", ")
    ))
}

/// Flags of `baton check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Print one JSON object: `{"ok": bool, "checks": [{"level", "what", "detail"}]}`.
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

/// One check: its level, what was checked (`config`, `prompt`, `agent`, …) and the detail.
#[derive(Debug, serde::Serialize)]
struct Finding {
    level: Level,
    what: &'static str,
    detail: String,
}

/// Checks the configuration, prompts, agents and state; prints one line per check (or one
/// JSON object) and fails with exit 2 when any check fails.
///
/// # Errors
/// A usage error counting the problems; config errors as they come.
pub(crate) fn cmd_check(global: &GlobalArgs, args: &CheckArgs) -> Result<()> {
    let loaded = load_config(global, Overrides::default())?;
    let findings = findings(&loaded.config);
    let out = &mut std::io::stdout().lock();
    let failed = findings.iter().filter(|f| f.level == Level::Fail).count();
    if args.json {
        let value = serde_json::json!({"ok": failed == 0, "checks": findings});
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
        }
    }
    if failed == 0 {
        return Ok(());
    }
    Err(Error::usage(format!("{failed} problem(s) found")))
}

/// Every check of `config`, in order: oks and warnings first, then the failures.
fn findings(config: &Config) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut ok = |what, detail: String| {
        found.push(Finding {
            level: Level::Ok,
            what,
            detail,
        });
    };
    let source = config
        .file
        .as_ref()
        .map_or_else(|| "defaults".to_owned(), |f| f.display().to_string());
    ok("config", source);
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
    for actor in Actor::ALL {
        for prompt in prompts_of(config, actor) {
            let path = config.prompt_path(&prompt);
            match agent::prompt::problem(&path) {
                None => ok("prompt", format!("{actor} {prompt}")),
                Some(problem) => problems.push(format!(
                    "prompt `{prompt}` of {actor}: `{}` {problem}",
                    path.display()
                )),
            }
            match agent::resolve(config, actor, &prompt) {
                Ok(c) => ok(
                    "agent",
                    format!(
                        "{actor} {prompt} -> {} ({}) `{}`",
                        c.name,
                        c.rule,
                        c.argv.join(" ")
                    ),
                ),
                Err(e) => problems.push(format!("agent for {actor} {prompt}: {e}")),
            }
        }
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
        Err(e) => problems.push(Error::from(e).to_string()),
    }
    if let Some(warning) = root_bypass_warning(config, is_root(), |k| std::env::var(k).ok()) {
        found.push(Finding {
            level: Level::Warn,
            what: "",
            detail: warning,
        });
    }
    found.extend(problems.into_iter().map(|detail| Finding {
        level: Level::Fail,
        what: "",
        detail,
    }));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(default: &str) -> Config {
        let text = format!(
            "agent:\n  default: {default}\n  commands:\n    stub: [sh]\n    \
             yolo: [sh, -c, 'true', --dangerously-skip-permissions]\n"
        );
        let opts = crate::config::LoadOptions::default();
        crate::config::load_from_str(&text, std::path::Path::new("/ws/orchestration.yaml"), &opts)
            .expect("config")
            .config
    }

    #[test]
    fn root_with_claude_outside_a_sandbox_warns() {
        let none = |_: &str| None;
        let warning = root_bypass_warning(&config("yolo"), true, none).expect("a warning");
        assert!(
            warning.starts_with("agent yolo: running as root"),
            "{warning}"
        );
        assert!(warning.contains("IS_SANDBOX=1"), "{warning}");
        assert_eq!(root_bypass_warning(&config("yolo"), false, none), None);
        assert_eq!(root_bypass_warning(&config("stub"), true, none), None);
        let sandbox = |k: &str| (k == "IS_SANDBOX").then(|| "1".to_owned());
        assert_eq!(root_bypass_warning(&config("yolo"), true, sandbox), None);
    }
}
