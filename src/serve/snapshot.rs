//! The dashboard's picture of a workspace at one moment (`GET /api/snapshot`, and the
//! `snapshot` server-sent event): the state file, the newest journal lines, sums per actor,
//! budgets, what the event log says is running (the turn, the workers), the pool's workers and
//! claims on the remote, and the workflow with its current step. Pure: [`build`] takes what the follower
//! read and only rearranges it, so the page and the tests see the same thing.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::decisions::DecisionView;
use super::graph::GraphView;
use super::history::TurnIndex;
use crate::events::EventView;
use crate::journal::{JournalEntry, Summary, Totals};
use crate::modes::budget;
use crate::observe::PoolView;
use crate::state::{Note, State};
use crate::workflow::Workflow;

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

/// One journal line of the turns table, with its number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct TurnRow {
    /// The line's number in the whole journal (1 = the first turn ever): what
    /// `/api/turn/<n>/…` takes.
    pub(crate) n: u64,
    /// The line, as written.
    #[serde(flatten)]
    pub(crate) entry: JournalEntry,
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
    /// The run as the event log tells it (its `workers`: those running and the newest ended).
    pub(crate) events: EventView,
    /// The workflow, with the actors running or ready marked.
    pub(crate) graph: GraphView,
    /// The pool on the remote: its worker processes (host, pid, slots) with their claims and
    /// leases, and the claim refs that hold no claim ([`PoolView`]; empty without a remote).
    pub(crate) pool: PoolView,
    /// The budget limits set, against what was spent since `budget.since`.
    pub(crate) budget: Vec<budget::Line>,
    /// Sums over the whole journal.
    pub(crate) totals: TotalsView,
    /// The newest journal lines, oldest first (at most [`TURNS`]).
    pub(crate) turns: Vec<TurnRow>,
    /// People's answers at approval checkpoints, oldest first.
    pub(crate) decisions: Vec<DecisionView>,
    /// Where a commit is linked to: a URL with `{sha}`; `None` for no links.
    pub(crate) commit_url: Option<String>,
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
    /// How many journal lines come before `turns`.
    pub(crate) turns_before: u64,
    /// Past turns by number.
    pub(crate) index: Arc<TurnIndex>,
    /// Sums over the whole journal.
    pub(crate) summary: Summary,
    /// The budget limits against what was spent.
    pub(crate) budget: Vec<budget::Line>,
    /// The event log, folded.
    pub(crate) events: EventView,
    /// People's answers at approval checkpoints, oldest first.
    pub(crate) decisions: Vec<DecisionView>,
    /// The commit URL template.
    pub(crate) commit_url: Option<String>,
    /// The run's graph.
    pub(crate) workflow: Arc<Workflow>,
    /// The pool's claims.
    pub(crate) pool: PoolView,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            workspace: String::new(),
            source: SourceView::default(),
            state: Ok(None),
            turns: Vec::new(),
            turns_before: 0,
            index: Arc::default(),
            summary: Summary::default(),
            budget: Vec::new(),
            events: EventView::default(),
            decisions: Vec::new(),
            commit_url: None,
            workflow: Arc::default(),
            pool: PoolView::default(),
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
        graph: super::graph::view(&sources.workflow, state),
        pool: sources.pool.clone(),
        budget: sources.budget.clone(),
        totals: TotalsView {
            total: sources.summary.total.clone(),
            by_actor: sources.summary.by_actor.clone(),
        },
        turns: sources.turns[skip..]
            .iter()
            .zip(sources.turns_before + skip as u64 + 1..)
            .map(|(entry, n)| TurnRow {
                n,
                entry: entry.clone(),
            })
            .collect(),
        decisions: sources.decisions.clone(),
        commit_url: sources.commit_url.clone(),
    }
}

#[cfg(test)]
mod tests;
