//! What the event log (`logs/events.jsonl`, schema in `docs/state.md`) says about the run now:
//! the turn whose agent runs (the latest `agent_started` not yet `stamped`) and how the run
//! ended. Fed one line at a time; kinds and fields it does not know are ignored, and so are
//! lines that do not parse (a line being written).

use std::path::Path;

use serde_json::Value;

use crate::state::Actor;
use crate::watch::model::Running;

/// The run as the event log tells it so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct Trail {
    /// The pid of the Baton that wrote the latest `run_started`.
    pub(crate) pid: Option<i32>,
    /// The running turn.
    pub(crate) running: Option<Running>,
    /// How the latest run ended, once it has.
    pub(crate) ended: Option<String>,
    /// The prompt of the latest `routed` event, for an `agent_started` that names none.
    prompt: Option<String>,
    /// Why the run stops (its `reason`, else its `why`), from the latest `stopped` event.
    stopping: Option<String>,
}

impl Trail {
    /// Takes in one line of the log; `root` resolves a relative transcript path.
    pub(crate) fn feed(&mut self, line: &[u8], root: &Path) {
        let Ok(event) = serde_json::from_slice::<Value>(line) else {
            return;
        };
        let text = |key: &str| event.get(key).and_then(Value::as_str).map(str::to_owned);
        let actor = || {
            event
                .get("actor")
                .cloned()
                .and_then(|a| serde_json::from_value::<Actor>(a).ok())
        };
        let iteration = event.get("iteration").and_then(Value::as_u64).unwrap_or(0);
        match event.get("kind").and_then(Value::as_str).unwrap_or("") {
            "run_started" => {
                *self = Trail {
                    pid: event
                        .get("pid")
                        .and_then(Value::as_i64)
                        .and_then(|p| i32::try_from(p).ok()),
                    ..Trail::default()
                };
            }
            "routed" => self.prompt = text("prompt"),
            "agent_started" => {
                let (Some(actor), Some(log)) = (actor(), text("log")) else {
                    return;
                };
                self.running = Some(Running {
                    actor,
                    iteration,
                    prompt: text("prompt").or_else(|| self.prompt.clone()),
                    agent: text("agent").unwrap_or_default(),
                    log: root.join(log),
                    since: text("ts").unwrap_or_default(),
                });
            }
            "stamped" => self.running = None,
            "stopped" => {
                let why = text("why").unwrap_or_default();
                let reason = text("reason").unwrap_or_default();
                self.stopping = Some(if reason.is_empty() { why } else { reason });
            }
            "run_ended" => {
                self.running = None;
                let code = event.get("code").and_then(Value::as_u64).unwrap_or(0);
                let at = text("ts").unwrap_or_default();
                self.ended = Some(match self.stopping.take() {
                    Some(why) => format!("run ended at {at} with exit {code} ({why})"),
                    None => format!("run ended at {at} with exit {code}"),
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(lines: &[&str]) -> Trail {
        let mut trail = Trail::default();
        for line in lines {
            trail.feed(line.as_bytes(), Path::new("/ws"));
        }
        trail
    }

    const STARTED: &str = r#"{"v":1,"seq":1,"ts":"2026-11-21T10:00:00Z","pid":42,"kind":"run_started","mode":"combined","actor":null,"host":"h"}"#;
    const ROUTED: &str = r#"{"v":1,"seq":2,"ts":"2026-11-21T10:00:01Z","pid":42,"kind":"routed","actor":"ralph","iteration":3,"prompt":"main.md","source":"deterministic","reason":"r"}"#;
    const AGENT: &str = r#"{"v":1,"seq":3,"ts":"2026-11-21T10:00:02Z","pid":42,"kind":"agent_started","actor":"ralph","iteration":3,"agent":"stub","log":"logs/main/ralph/iter-00003.log"}"#;

    #[test]
    fn an_agent_runs_from_agent_started_until_stamped() {
        let trail = fed(&[STARTED, ROUTED, AGENT]);
        assert_eq!(trail.pid, Some(42));
        let running = trail.running.expect("running");
        assert_eq!(running.actor, Actor::Ralph);
        assert_eq!(running.iteration, 3);
        assert_eq!(running.prompt.as_deref(), Some("main.md"));
        assert_eq!(running.log, Path::new("/ws/logs/main/ralph/iter-00003.log"));
        assert_eq!(running.since, "2026-11-21T10:00:02Z");
        let stamped = r#"{"kind":"stamped","actor":"ralph","iteration":3}"#;
        assert_eq!(fed(&[STARTED, ROUTED, AGENT, stamped]).running, None);
    }

    #[test]
    fn unknown_kinds_and_broken_lines_change_nothing_and_the_end_names_the_stop() {
        let trail = fed(&[
            STARTED,
            ROUTED,
            AGENT,
            r#"{"kind":"approval_requested","actor":"ralph"}"#,
            r#"{"kind":"stamp"#,
        ]);
        assert!(trail.running.is_some());
        let ended = fed(&[
            STARTED,
            r#"{"kind":"stopped","why":"budget","reason":"budget: turns 2 reached budget.max_turns 2"}"#,
            r#"{"kind":"run_ended","ts":"2026-11-21T11:00:00Z","code":3}"#,
        ]);
        assert_eq!(
            ended.ended.as_deref(),
            Some(
                "run ended at 2026-11-21T11:00:00Z with exit 3 (budget: turns 2 reached budget.max_turns 2)"
            )
        );
        assert_eq!(
            fed(&[STARTED, r#"{"kind":"run_ended","code":0}"#, STARTED]).ended,
            None
        );
    }
}
