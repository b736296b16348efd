//! The runs of one turn's agent: run, judge (see `verdict.rs`), and run again after a
//! transient error or a stall (with backoff), or with the next agent of `agent.fallbacks`
//! after a usage limit; the receipt counts the runs.

use std::time::Duration;

use crate::agent::{self, AgentChoice};
use crate::router::Decision;
use crate::turn::failure::TurnFailure;
use crate::turn::finish::Turn;
use crate::turn::launch::{Launched, Receipt, failed, run_prompt};
use crate::turn::verdict::{self, Verdict};
use crate::turn::{Failure, Session};

/// Runs `agent` for the turn until a verdict ends it.
pub(crate) fn run(
    runner: &Session,
    turn: &Turn,
    decision: Decision,
    mut agent: AgentChoice,
) -> Result<Launched, Box<Failure>> {
    let config = &runner.config;
    let mut tried = vec![agent.name.clone()];
    let mut receipt = Receipt::default();
    loop {
        receipt.attempts += 1;
        let (result, log) = match run_prompt(runner, turn, &decision.prompt, &agent, None) {
            Ok(done) => done,
            Err(e) => {
                return Err(Box::new(Failure {
                    agent: agent.name,
                    receipt,
                    ..*failed(decision, e)
                }));
            }
        };
        receipt.usage = result.report.usage.clone();
        receipt.final_message = result.report.final_message.clone();
        let fail = |failure: TurnFailure, agent: AgentChoice, receipt: Receipt| {
            Box::new(Failure {
                exit_code: result.exit_code,
                agent: agent.name,
                log: Some(log.clone()),
                receipt,
                ..*failed(decision.clone(), failure)
            })
        };
        match verdict::judge(&result, config, &agent) {
            Verdict::Done => {
                return Ok(Launched {
                    decision,
                    agent,
                    log,
                    receipt,
                });
            }
            Verdict::Fail(failure) => return Err(fail(failure, agent, receipt)),
            Verdict::Retry(why) => {
                let runs = verdict::max_runs(&why, config);
                if receipt.attempts >= runs {
                    let failure = why.into_failure(receipt.attempts);
                    return Err(fail(failure, agent, receipt));
                }
                let wait = verdict::retry_backoff(config, receipt.attempts);
                runner.events.emit(&crate::events::Event::Retry {
                    actor: turn.actor,
                    reason: &why.to_string(),
                    attempt: receipt.attempts + 1,
                    of: runs,
                    wait_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    wait_secs: wait.as_secs(),
                });
                if let Err(signal) = sleep_unless_signalled(wait) {
                    return Err(fail(TurnFailure::Interrupted(signal), agent, receipt));
                }
            }
            Verdict::Limit { reason, resets_at } => {
                let next = verdict::fallback(config, &tried).map(str::to_owned);
                let rule = format!("agent.fallbacks.{}", tried[0]);
                match next.map(|name| agent::resolve_as(config, name, rule)) {
                    Some(Ok(next)) => {
                        runner.events.emit(&crate::events::Event::Fallback {
                            actor: turn.actor,
                            from: &agent.name,
                            to: &next.name,
                            reason: &reason,
                        });
                        tried.push(next.name.clone());
                        agent = next;
                    }
                    Some(Err(e)) => return Err(fail(e.into(), agent, receipt)),
                    None => {
                        let until =
                            verdict::limit_until(config, &runner.journal, turn.actor, resets_at);
                        let limited = TurnFailure::Limited { reason, until };
                        return Err(fail(limited, agent, receipt));
                    }
                }
            }
        }
    }
}

/// Sleeps `wait`, waking early with the signal number if SIGINT or SIGTERM arrives.
fn sleep_unless_signalled(wait: Duration) -> Result<(), i32> {
    let until = std::time::Instant::now() + wait;
    loop {
        if let Some(signal) = crate::executor::received_signal() {
            return Err(signal);
        }
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}
