//! What one agent run means for its turn, from its exit and from what its output said (see
//! `crate::agent::output`): done, failed, a usage limit (wait, or run a fallback agent), or a
//! transient error or a stall (run again after a backoff).

use std::time::{Duration, SystemTime};

use crate::agent::AgentChoice;
use crate::agent::output::{Format, Report, is_auth};
use crate::config::Config;
use crate::executor::{RunOutcome, RunResult};
use crate::journal::{Journal, Outcome};
use crate::state::Actor;
use crate::turn::failure::TurnFailure;

/// Waits after a usage limit whose reset the agent did not say, by how many turns of the
/// actor in a row were limited: 5 min, 15 min, 30 min, then hourly.
const LIMIT_BACKOFF: [Duration; 4] = [
    Duration::from_secs(5 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(60 * 60),
];

/// What a run means.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The agent did its turn.
    Done,
    /// The turn failed.
    Fail(TurnFailure),
    /// Run again after a backoff: a transient error or a stall.
    Retry(Retryable),
    /// A usage or rate limit: `reason`, and when it lifts if the agent said.
    Limit {
        /// The agent's words.
        reason: String,
        /// When it lifts, if known.
        resets_at: Option<SystemTime>,
    },
}

/// Why a run is worth running again; `Display` is the reason on the retry line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Retryable {
    /// Overloaded, a 5xx, the network: the agent's words.
    #[error("transient error: {0}")]
    Transient(String),
    /// Neither output nor a file change for `agent.idle_timeout` (the limit, when known).
    #[error("{}", TurnFailure::Stalled(*.0))]
    Stalled(Option<Duration>),
}

impl Retryable {
    /// The failure the turn ends with when no run is left: `attempts` runs were made.
    pub(crate) fn into_failure(self, attempts: u32) -> TurnFailure {
        match self {
            Retryable::Transient(message) => TurnFailure::Transient { message, attempts },
            Retryable::Stalled(limit) => TurnFailure::Stalled(limit),
        }
    }
}

/// Judges `result`, a run of `agent`: an interrupt fails; then what the agent said about its
/// turn — an authentication error fails at once (a person must log the agent in), a limit
/// waits (whatever the exit) — then the exit (timeouts fail; stalls retry), then a transient
/// error, then an error the output reported, then `agent.fail_patterns` over a text agent's
/// last lines.
///
/// Plain text (a text agent's last lines, stderr, the non-JSON lines of a structured stream)
/// decides only a run that did not exit 0: tools print anything inside a turn (a test's
/// `connection refused (expected)`, a quoted `429 Too Many Requests`), and an agent that
/// exited 0 did its turn unless its own structured result says otherwise. So a turn that exited
/// 0 is limited, retried or failed by its output only when a structured agent's result events
/// say so (Claude Code reports an API error, a usage limit among them, with `is_error` and exit
/// 0), or when a text agent's last lines match `agent.fail_patterns`, which a person wrote.
pub(crate) fn judge(result: &RunResult, config: &Config, agent: &AgentChoice) -> Verdict {
    let report = &result.report;
    let exit = TurnFailure::of_run(result, config.agent.timeout, config.agent.idle_timeout);
    if let Some(TurnFailure::Interrupted(signal)) = exit {
        return Verdict::Fail(TurnFailure::Interrupted(signal));
    }
    let heard = result.outcome != RunOutcome::Ok || !report.printed;
    let hint = crate::agent::login_hint(&agent.name, agent.format);
    if heard {
        if let Some(message) = &report.auth {
            let message = message.clone();
            return Verdict::Fail(TurnFailure::Auth { message, hint });
        }
        if let Some(limit) = &report.limit {
            return Verdict::Limit {
                reason: limit.reason.clone(),
                resets_at: limit.resets_at,
            };
        }
    }
    match exit {
        Some(TurnFailure::Stalled(limit)) => return Verdict::Retry(Retryable::Stalled(limit)),
        Some(TurnFailure::Timeout(t)) => return Verdict::Fail(TurnFailure::Timeout(t)),
        _ => {}
    }
    if heard && let Some(message) = &report.transient {
        return Verdict::Retry(Retryable::Transient(message.clone()));
    }
    if let Some(failure) = exit {
        return Verdict::Fail(failure);
    }
    if let Some(error) = &report.reported_error {
        return Verdict::Fail(TurnFailure::Reported(error.clone()));
    }
    if agent.format == Format::Text
        && let Some(line) = matched_pattern(report, &config.agent.fail_patterns)
    {
        if is_auth(&line) {
            return Verdict::Fail(TurnFailure::Auth {
                message: line,
                hint,
            });
        }
        return Verdict::Fail(TurnFailure::Pattern(line));
    }
    Verdict::Done
}

/// The first of the text agent's last lines that matches one of `patterns`.
fn matched_pattern(report: &Report, patterns: &[String]) -> Option<String> {
    let text = report.final_message.as_deref()?;
    let regexes: Vec<regex::Regex> = patterns
        .iter()
        .filter_map(|p| regex::Regex::new(p).ok())
        .collect();
    text.lines()
        .map(str::trim)
        .find(|line| regexes.iter().any(|r| r.is_match(line)))
        .map(str::to_owned)
}

/// How many runs a turn may make for `why`: one plus `agent.retries` reruns after a transient
/// error, one plus at most one after a stall.
pub(crate) fn max_runs(why: &Retryable, config: &Config) -> u32 {
    let reruns = match why {
        Retryable::Stalled(_) => config.agent.retries.min(1),
        Retryable::Transient(_) => config.agent.retries,
    };
    u32::try_from(reruns).unwrap_or(u32::MAX).saturating_add(1)
}

/// The wait before rerun number `rerun` (1-based): `agent.retry_backoff`, doubled each time.
pub(crate) fn retry_backoff(config: &Config, rerun: u32) -> Duration {
    let factor = 1u32 << rerun.saturating_sub(1).min(10);
    config.agent.retry_backoff.saturating_mul(factor)
}

/// When a limited turn runs again: the reset the agent gave, else a backoff by how many of
/// `actor`'s last turns in a row were limited; never later than `limits.max_wait` from now.
pub(crate) fn limit_until(
    config: &Config,
    journal: &Journal,
    actor: Actor,
    resets_at: Option<SystemTime>,
) -> SystemTime {
    let now = SystemTime::now();
    let cap = now + config.limits.max_wait;
    let until = resets_at.unwrap_or_else(|| {
        let in_a_row = journal
            .tail(LIMIT_BACKOFF.len())
            .unwrap_or_default()
            .iter()
            .rev()
            .filter(|e| e.actor == actor)
            .take_while(|e| e.outcome == Outcome::Limited)
            .count();
        now + LIMIT_BACKOFF[in_a_row.min(LIMIT_BACKOFF.len() - 1)]
    });
    until.clamp(now, cap)
}

/// The next agent to run after `tried` hit usage limits, from `agent.fallbacks` of the first
/// one (the turn's own agent).
pub(crate) fn fallback<'a>(config: &'a Config, tried: &[String]) -> Option<&'a str> {
    let chain = config.agent.fallbacks.get(tried.first()?)?;
    chain
        .iter()
        .map(String::as_str)
        .find(|name| !tried.iter().any(|t| t == name))
}

#[cfg(test)]
mod tests;
