//! What one agent run means for its turn, from its exit and from what its output said (see
//! `crate::agent::output`): done, failed, a usage limit (wait, or run a fallback agent), or a
//! transient error or a stall (run again after a backoff).

use std::time::{Duration, SystemTime};

use crate::agent::output::{Format, Report};
use crate::config::Config;
use crate::executor::RunResult;
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
    /// Run again after a backoff: a transient error or a stall (the failure if it is the last).
    Retry(TurnFailure),
    /// A usage or rate limit: `reason`, and when it lifts if the agent said.
    Limit {
        /// The agent's words.
        reason: String,
        /// When it lifts, if known.
        resets_at: Option<SystemTime>,
    },
}

/// Judges `result`: a limit first (whatever the exit), then the exit (interrupts and
/// timeouts fail; stalls retry), then a transient error, then an error the output reported,
/// then `agent.fail_patterns` over a text agent's last lines.
pub(crate) fn judge(result: &RunResult, config: &Config, format: Format) -> Verdict {
    let report = &result.report;
    let exit = TurnFailure::of_run(result, config.agent.timeout, config.agent.idle_timeout);
    if matches!(exit, Some(TurnFailure::Interrupted(_))) {
        return Verdict::Fail(exit.unwrap_or(TurnFailure::AgentLost));
    }
    if let Some(limit) = &report.limit {
        return Verdict::Limit {
            reason: limit.reason.clone(),
            resets_at: limit.resets_at,
        };
    }
    match exit {
        Some(stall @ TurnFailure::Stalled(_)) => return Verdict::Retry(stall),
        Some(TurnFailure::Timeout(t)) => return Verdict::Fail(TurnFailure::Timeout(t)),
        _ => {}
    }
    if let Some(message) = &report.transient {
        return Verdict::Retry(TurnFailure::Transient {
            message: message.clone(),
            attempts: 0,
        });
    }
    if let Some(failure) = exit {
        return Verdict::Fail(failure);
    }
    if let Some(error) = &report.reported_error {
        return Verdict::Fail(TurnFailure::Reported(error.clone()));
    }
    if format == Format::Text
        && let Some(line) = matched_pattern(report, &config.agent.fail_patterns)
    {
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

/// Whether a retryable verdict may run again after `attempts` runs: a transient error up to
/// `agent.retries` reruns, a stall once.
pub(crate) fn may_retry(failure: &TurnFailure, attempts: u32, config: &Config) -> bool {
    let reruns = u64::from(attempts.saturating_sub(1));
    match failure {
        TurnFailure::Stalled(_) => reruns < config.agent.retries.min(1),
        _ => reruns < config.agent.retries,
    }
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
