//! The dashboard's picture of a workspace at one moment (`GET /api/snapshot`, and the
//! `snapshot` server-sent event): the state file, the newest journal lines, sums per actor,
//! budgets, and what the event log says is running. Pure: [`build`] takes what the follower
//! read and only rearranges it, so the page and the tests see the same thing.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::events::EventView;
use crate::journal::{JournalEntry, Summary, Totals};
use crate::modes::budget;
use crate::state::{Note, State};

/// How many of the newest turns a snapshot carries.
pub(crate) const TURNS: usize = 50;

/// The status in which a run waits for a person's `baton approve` or `baton reject`.
pub(crate) const AWAITING_APPROVAL: &str = "awaiting-approval";

/// Whose turn it is, and since when.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Whose {
    /// `galph` or `ralph`.
    pub(crate) actor: String,
    /// The state's `status` (`running-ralph`, `waiting-ralph`, `awaiting-approval`, …).
    pub(crate) status: String,
    /// The iteration.
    pub(crate) iteration: u64,
    /// The state's last write (UTC): when the turn was claimed, or handed over.
    pub(crate) since: Option<String>,
    /// `host:pid` of the process running the turn.
    pub(crate) lease_owner: Option<String>,
    /// When its lease ends (UTC).
    pub(crate) lease_expires_at: Option<String>,
}

/// Sums of the whole journal: in total and per actor.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct TotalsView {
    /// Every turn.
    pub(crate) total: Totals,
    /// By actor (`galph`, `ralph`).
    pub(crate) by_actor: BTreeMap<String, Totals>,
}

/// What the page is looking at, and how fresh it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct SourceView {
    /// `local` (a Baton runs in this workspace: its files as it writes them), `remote` (the
    /// remote's branch at its remote-tracking ref: no Baton runs here) or `files` (this
    /// workspace's files: no Baton runs here, and the remote shows nothing newer).
    pub(crate) kind: &'static str,
    /// `local`: the pid of the Baton that runs here.
    pub(crate) pid: Option<i32>,
    /// `remote`: the branch, as `origin/main`.
    pub(crate) name: Option<String>,
    /// `remote`: when the remote last answered and the view was brought up to its branch (UTC;
    /// `null` before the first answer).
    pub(crate) checked_at: Option<String>,
    /// `remote`: how often the remote is asked, in seconds.
    pub(crate) every_secs: Option<u64>,
    /// `remote`: why the last check failed; the view is then the last fetched one (stale).
    pub(crate) problem: Option<String>,
    /// `remote`: how many commits of the remote's branch this clone's own files lack.
    pub(crate) behind: Option<usize>,
    /// `files`: why this workspace's files are shown.
    pub(crate) why: Option<String>,
}

/// Everything the dashboard shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Snapshot {
    /// The workspace root.
    pub(crate) workspace: String,
    /// What the page is looking at.
    pub(crate) source: SourceView,
    /// The state file as Baton reads it (`null` before the first run).
    pub(crate) state: Option<Value>,
    /// Why the state file could not be read (it is shown instead of the state).
    pub(crate) state_error: Option<String>,
    /// Whose turn it is (from the state).
    pub(crate) whose: Option<Whose>,
    /// Whether the run waits for `baton approve` / `baton reject`.
    pub(crate) awaiting_approval: bool,
    /// The approval being waited for (the state's `approval` object), when it is.
    pub(crate) approval: Option<Value>,
    /// A usage limit being waited out, for people.
    pub(crate) limit: Option<String>,
    /// The stop flag's reason, when set.
    pub(crate) stop_flag: Option<String>,
    /// Notes waiting for their turn.
    pub(crate) notes: Vec<Note>,
    /// The run as the event log tells it.
    pub(crate) events: EventView,
    /// The budget limits set, against what was spent since `budget.since`.
    pub(crate) budget: Vec<budget::Line>,
    /// Sums over the whole journal.
    pub(crate) totals: TotalsView,
    /// The newest journal lines, oldest first (at most [`TURNS`]).
    pub(crate) turns: Vec<JournalEntry>,
}

/// What the follower read, to build a [`Snapshot`] from.
#[derive(Debug)]
pub(crate) struct Sources {
    /// The workspace root, for display.
    pub(crate) workspace: String,
    /// What is looked at.
    pub(crate) source: SourceView,
    /// The state (`Ok(None)`: no state file yet) or why it could not be read.
    pub(crate) state: Result<Option<State>, String>,
    /// The newest journal lines, oldest first.
    pub(crate) turns: Vec<JournalEntry>,
    /// Sums over the whole journal.
    pub(crate) summary: Summary,
    /// The budget limits against what was spent.
    pub(crate) budget: Vec<budget::Line>,
    /// The event log, folded.
    pub(crate) events: EventView,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            workspace: String::new(),
            source: SourceView::default(),
            state: Ok(None),
            turns: Vec::new(),
            summary: Summary::default(),
            budget: Vec::new(),
            events: EventView::default(),
        }
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        build(&Sources::default())
    }
}

/// Builds the snapshot of `sources`.
pub(crate) fn build(sources: &Sources) -> Snapshot {
    let (state, state_error) = match &sources.state {
        Ok(state) => (state.as_ref(), None),
        Err(e) => (None, Some(e.clone())),
    };
    let value = state.and_then(|s| serde_json::to_value(s).ok());
    let status = value
        .as_ref()
        .and_then(|v| v.get("status"))
        .and_then(Value::as_str);
    let awaiting_approval = status == Some(AWAITING_APPROVAL);
    let approval = value
        .as_ref()
        .and_then(|v| v.get("approval"))
        .filter(|a| !a.is_null())
        .cloned();
    let whose = state.map(|s| Whose {
        actor: s.expected_actor.as_str().to_owned(),
        status: status.unwrap_or_default().to_owned(),
        iteration: s.iteration,
        since: s.last_update.clone(),
        lease_owner: s.lease_owner.clone(),
        lease_expires_at: s.lease_expires_at.clone(),
    });
    let skip = sources.turns.len().saturating_sub(TURNS);
    Snapshot {
        workspace: sources.workspace.clone(),
        source: sources.source.clone(),
        whose,
        awaiting_approval,
        approval,
        limit: state.and_then(crate::modes::describe_limit),
        stop_flag: state.and_then(State::stop_requested),
        notes: state.map(|s| s.notes.clone()).unwrap_or_default(),
        state: value,
        state_error,
        events: sources.events.clone(),
        budget: sources.budget.clone(),
        totals: TotalsView {
            total: sources.summary.total.clone(),
            by_actor: sources.summary.by_actor.clone(),
        },
        turns: sources.turns[skip..].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Actor, Status};
    use serde_json::json;

    fn entry(iteration: u64, actor: &str, prompt: &str, cost: f64) -> JournalEntry {
        serde_json::from_value(json!({
            "iteration": iteration, "actor": actor, "prompt": prompt,
            "source": "deterministic", "reason": "r", "agent": "stub",
            "started_at": "2026-11-21T10:00:00Z", "ended_at": "2026-11-21T10:01:00Z",
            "duration_ms": 60_000, "outcome": "ok", "exit_code": 0,
            "head_before": "a".repeat(40), "head_after": "b".repeat(40), "files_changed": 2,
            "insertions": 5, "deletions": 1, "log": "logs/x.log", "host": "h", "generation": 3,
            "usage": {"input_tokens": 100, "output_tokens": 10, "cost_usd": cost}
        }))
        .expect("journal entry")
    }

    #[test]
    fn a_running_turn_with_its_history_sums_and_events() {
        let mut state = State {
            iteration: 2,
            expected_actor: Actor::RALPH,
            status: Status::Running(Actor::RALPH),
            last_update: Some("2026-11-21T10:02:00Z".into()),
            lease_owner: Some("h:42".into()),
            ..State::default()
        };
        state.request_stop("enough for today");
        let turns = vec![
            entry(1, "galph", "supervisor.md", 0.5),
            entry(1, "ralph", "main.md", 0.25),
            entry(2, "galph", "reviewer.md", 1.0),
        ];
        let mut summary = Summary::default();
        for t in &turns {
            summary.add(t);
        }
        let mut events = EventView::default();
        events.apply(&json!({"kind": "run_started", "pid": 9, "mode": "combined"}));
        events.apply(
            &json!({"kind": "agent_started", "actor": "ralph", "iteration": 2, "log": "/l"}),
        );
        let snapshot = build(&Sources {
            workspace: "/w".into(),
            source: SourceView::default(),
            state: Ok(Some(state)),
            turns,
            summary,
            budget: Vec::new(),
            events,
        });
        let whose = snapshot.whose.as_ref().expect("whose");
        assert_eq!(
            (whose.actor.as_str(), whose.status.as_str(), whose.iteration),
            ("ralph", "running-ralph", 2)
        );
        assert_eq!(whose.since.as_deref(), Some("2026-11-21T10:02:00Z"));
        assert!(!snapshot.awaiting_approval);
        assert_eq!(snapshot.stop_flag.as_deref(), Some("enough for today"));
        assert_eq!(snapshot.turns.len(), 3);
        assert_eq!(snapshot.turns[2].prompt, "reviewer.md", "oldest first");
        assert_eq!(snapshot.totals.total.turns, 3);
        assert_eq!(snapshot.totals.by_actor["galph"].cost_usd, Some(1.5));
        assert_eq!(snapshot.totals.by_actor["ralph"].turns, 1);
        assert!(snapshot.events.turn.as_ref().is_some_and(|t| t.running));
        let wire = serde_json::to_value(&snapshot).expect("serializes");
        assert_eq!(wire["state"]["status"], "running-ralph");
        assert_eq!(wire["turns"][0]["head_after"], "b".repeat(40));
    }

    #[test]
    fn no_state_a_broken_state_and_a_long_journal() {
        let empty = Snapshot::default();
        assert_eq!((empty.state.as_ref(), empty.whose.as_ref()), (None, None));
        let turns: Vec<_> = (1..=TURNS as u64 + 7)
            .map(|i| entry(i, "ralph", "main.md", 0.0))
            .collect();
        let broken = build(&Sources {
            state: Err("state file `sync/state.json`: line 1".into()),
            turns,
            ..Sources::default()
        });
        assert_eq!(
            broken.state_error.as_deref(),
            Some("state file `sync/state.json`: line 1")
        );
        assert_eq!(broken.turns.len(), TURNS);
        assert_eq!(broken.turns[0].iteration, 8, "the newest are kept");
    }

    #[test]
    fn an_awaiting_approval_state_carries_its_request() {
        let state = State {
            status: Status::AwaitingApproval,
            expected_actor: Actor::RALPH,
            approval: Some(crate::state::Approval {
                actor: Actor::RALPH,
                iteration: 1,
                prompt: Some("main.md".into()),
                requested_at: "2026-11-21T10:02:00Z".into(),
                resume_status: Status::Waiting(Actor::RALPH),
                approved_by: None,
                approved_at: None,
            }),
            ..State::default()
        };
        let snapshot = build(&Sources {
            state: Ok(Some(state)),
            ..Sources::default()
        });
        assert!(snapshot.awaiting_approval);
        let approval = snapshot.approval.expect("the request");
        assert_eq!(
            (approval["actor"].as_str(), approval["prompt"].as_str()),
            (Some("ralph"), Some("main.md"))
        );
        let approved = build(&Sources::default());
        assert!(!approved.awaiting_approval && approved.approval.is_none());
    }
}
