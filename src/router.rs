//! Pure routing: which prompt runs next (`docs/configuration.md`, router). No I/O here; the
//! turn runner runs the router prompt and hands its output in.
//!
//! Deterministic rule: galph runs `prompts.supervisor`, ralph runs `prompts.main`. When
//! `review_every_n > 0` and `iteration % review_every_n == 0` the review runs once in that
//! iteration: galph runs `prompts.reviewer`; ralph then runs its main prompt, unless galph did not
//! run the reviewer in this iteration, in which case ralph runs it.

use std::fmt;

use crate::config::{Config, RouterMode};
use crate::state::{Actor, State};

/// Where a decision came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The deterministic rule.
    Deterministic,
    /// The router prompt's answer.
    Router,
}

impl Source {
    /// `deterministic` or `router`.
    #[must_use]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Source::Deterministic => "deterministic",
            Source::Router => "router",
        }
    }
}

/// The prompt a turn runs, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Prompt file name relative to `prompts_dir`, e.g. `reviewer.md`.
    pub prompt: String,
    /// Deterministic rule or router prompt.
    pub source: Source,
    /// Human-readable reason, e.g. `review cadence 4%2==0`.
    pub reason: String,
}

impl Decision {
    /// The one-line log form:
    /// `[router] iteration=4 actor=galph prompt=reviewer.md source=deterministic reason=…`.
    #[must_use]
    pub(crate) fn log_line(&self, iteration: u64, actor: Actor) -> String {
        format!(
            "[router] iteration={iteration} actor={actor} prompt={} source={} reason={}",
            self.prompt,
            self.source.as_str(),
            self.reason
        )
    }
}

/// A router-contract violation or a routing failure (exit 2; the turn is stamped `failed`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RouterError {
    /// The router agent exited non-zero, timed out or was killed.
    #[error("router agent failed: {0}")]
    AgentFailed(String),
    /// The output was empty after trimming.
    #[error("router output is empty")]
    Empty,
    /// More than one non-empty line.
    #[error("router output has {0} lines; expected exactly one prompt name")]
    SeveralLines(usize),
    /// An absolute path.
    #[error("router chose an absolute path `{0}`")]
    Absolute(String),
    /// A `..` component.
    #[error("router chose `{0}`, which leaves the prompts directory (`..`)")]
    ParentDir(String),
    /// Control characters in the answer.
    #[error("router output contains control characters: {0:?}")]
    ControlChars(String),
    /// Not in `router.allowlist`.
    #[error("router chose `{prompt}`, which is not in router.allowlist ({allowed})")]
    NotAllowed {
        /// The chosen prompt.
        prompt: String,
        /// The allowlist, comma-separated.
        allowed: String,
    },
    /// The prompt file does not exist under `prompts_dir`.
    #[error("prompt `{0}` does not exist in the prompts directory")]
    Missing(String),
    /// `router_only` without a configured router prompt.
    #[error("router.mode is router_only but no router prompt is configured")]
    NotConfigured,
}

/// What the runner must do before it knows the prompt of a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouterStep {
    /// Use the deterministic decision.
    Deterministic,
    /// Run the router prompt; `check_deterministic` says whether the deterministic choice must
    /// be validated (its file must exist) first (`router_default`).
    RunRouter {
        /// Validate the deterministic prompt before running the router.
        check_deterministic: bool,
    },
    /// Fail the turn with [`RouterError::NotConfigured`].
    Fail,
}

/// Whether `review_every_n` selects a review for `iteration`, with its reason text.
fn cadence(config: &Config, iteration: u64) -> (bool, String) {
    let n = config.review_every_n;
    if n == 0 {
        return (false, "review cadence off".to_owned());
    }
    let due = iteration.is_multiple_of(n);
    let op = if due { "==" } else { "!=" };
    (due, format!("review cadence {iteration}%{n}{op}0"))
}

/// The deterministic decision for `actor` in `state` (`docs/configuration.md`, router).
#[must_use]
pub(crate) fn deterministic(state: &State, config: &Config, actor: Actor) -> Decision {
    // A declared actor runs its own prompt; the cadence is the default pair's.
    if let Some(prompt) = config
        .workflow
        .actors
        .get(&actor)
        .and_then(|spec| spec.prompt.as_ref())
    {
        return Decision {
            prompt: prompt.clone(),
            source: Source::Deterministic,
            reason: format!("{actor}'s prompt"),
        };
    }
    let (due, why) = cadence(config, state.iteration);
    let prompts = &config.prompts;
    let (prompt, reason) = match actor {
        Actor::GALPH if due => (&prompts.reviewer, why),
        Actor::GALPH => (&prompts.supervisor, format!("supervisor turn; {why}")),
        Actor::RALPH if !due => (&prompts.main, format!("main turn; {why}")),
        _ => {
            let galph_reviewed = state.last_prompt_actor == Some(Actor::GALPH)
                && state.last_prompt.as_deref() == Some(prompts.reviewer.as_str());
            if galph_reviewed {
                (
                    &prompts.main,
                    format!("{why}; galph reviewed this iteration"),
                )
            } else {
                (
                    &prompts.reviewer,
                    format!("{why}; galph did not review this iteration"),
                )
            }
        }
    };
    Decision {
        prompt: prompt.clone(),
        source: Source::Deterministic,
        reason,
    }
}

/// Whether (and how) the router prompt takes part in `actor`'s turn.
#[must_use]
pub(crate) fn router_step(config: &Config, actor: Actor) -> RouterStep {
    if actor != Actor::GALPH || !config.router.enabled {
        return RouterStep::Deterministic;
    }
    let configured = config.router.prompt.is_some();
    match (config.router.mode, configured) {
        (RouterMode::Default, true) => RouterStep::RunRouter {
            check_deterministic: true,
        },
        (RouterMode::First | RouterMode::Only, true) => RouterStep::RunRouter {
            check_deterministic: false,
        },
        (RouterMode::Only, false) => RouterStep::Fail,
        (RouterMode::Default | RouterMode::First, false) => RouterStep::Deterministic,
    }
}

/// Validates the router's raw stdout against the output contract and returns the decision.
/// `exists(name)` tells whether `prompts_dir/name` exists.
///
/// # Errors
/// A [`RouterError`] for each violation: empty, several lines, absolute, `..`, control
/// characters, not allowlisted, missing file.
pub(crate) fn accept_output(
    raw: &str,
    config: &Config,
    exists: impl Fn(&str) -> bool,
) -> Result<Decision, RouterError> {
    let lines: Vec<&str> = raw
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = match lines.as_slice() {
        [] => return Err(RouterError::Empty),
        [one] => *one,
        many => return Err(RouterError::SeveralLines(many.len())),
    };
    if line.chars().any(char::is_control) {
        return Err(RouterError::ControlChars(line.to_owned()));
    }
    let prompt = if line.ends_with(".md") {
        line.to_owned()
    } else {
        format!("{line}.md")
    };
    if is_absolute(&prompt) {
        return Err(RouterError::Absolute(prompt));
    }
    if prompt.split(['/', '\\']).any(|part| part == "..") {
        return Err(RouterError::ParentDir(prompt));
    }
    let allowlist = &config.router.allowlist;
    if !allowlist.contains(&prompt) {
        let allowed = allowlist.join(", ");
        return Err(RouterError::NotAllowed { prompt, allowed });
    }
    if !exists(&prompt) {
        return Err(RouterError::Missing(prompt));
    }
    let reason = format!("router prompt chose `{prompt}`");
    Ok(Decision {
        prompt,
        source: Source::Router,
        reason,
    })
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}: {})",
            self.prompt,
            self.source.as_str(),
            self.reason
        )
    }
}

#[cfg(test)]
mod tests;

/// `/x`, `\x` and `C:…` are absolute on some platform; the router must answer a relative name.
fn is_absolute(prompt: &str) -> bool {
    let bytes = prompt.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    prompt.starts_with(['/', '\\']) || drive
}
