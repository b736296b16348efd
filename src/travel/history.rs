//! `baton history`'s view: every turn of a journal with its heads and the commit that stamped
//! it, and the rewinds of the branch, in the order they happened.

use serde::Serialize;

use super::{JournalLine, Line, Stamp};
use crate::journal::{JournalEntry, Landing, TaskRun};

/// A journal's turns and a branch's rewinds (`baton history --json`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct History {
    /// The branch (or ref, or commit) read; `null` for a workspace without git.
    pub(crate) branch: Option<String>,
    /// The commit its first-parent line was read from.
    pub(crate) tip: Option<String>,
    /// Every turn, oldest first.
    pub(crate) turns: Vec<TurnRow>,
    /// The rewinds on the line, oldest first.
    pub(crate) rewinds: Vec<RewindRow>,
}

/// One turn.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TurnRow {
    /// Its number in the journal (1: the first line).
    pub(crate) n: u64,
    /// The iteration it ran in.
    pub(crate) iteration: u64,
    /// Who ran it.
    pub(crate) actor: String,
    /// The prompt.
    pub(crate) prompt: String,
    /// The agent.
    pub(crate) agent: String,
    /// How it ended.
    pub(crate) outcome: &'static str,
    /// When it ended (UTC).
    pub(crate) ended_at: String,
    /// Its length, milliseconds.
    pub(crate) duration_ms: u64,
    /// What the agent reported it cost, US dollars.
    pub(crate) cost_usd: Option<f64>,
    /// HEAD before the turn.
    pub(crate) head_before: Option<String>,
    /// HEAD after the turn (after auto-commit).
    pub(crate) head_after: Option<String>,
    /// The commit that stamped it; `null` when no commit of the line did (`--no-git`).
    pub(crate) stamp: Option<String>,
    /// The tasks its parallel workers ran; empty without workers.
    pub(crate) tasks: Vec<TaskRow>,
    /// The stamp's place on the line, to order the rewinds among the turns.
    #[serde(skip)]
    pub(crate) at: Option<usize>,
}

/// One task of a turn that ran parallel workers.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TaskRow {
    /// The worker (`ralph-2`).
    pub(crate) worker: String,
    /// The task id.
    pub(crate) task: String,
    /// How it ended: `landed`, `conflict`, `red`, `failed`, `limited`, `interrupted`.
    pub(crate) landing: String,
    /// The worker's branch.
    pub(crate) branch: String,
    /// The merge commit that landed it.
    pub(crate) merge: Option<String>,
}

/// One rewind.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RewindRow {
    /// The rewind's commit.
    pub(crate) commit: String,
    /// Its subject.
    pub(crate) subject: String,
    /// The stamp it went back to.
    pub(crate) to: String,
    /// The number of the turn that stamp ended, when this journal has it.
    pub(crate) to_turn: Option<u64>,
    /// The newest commit it rewound over (its first parent): `baton history --branch <it>`
    /// shows the turns rewound over.
    pub(crate) before: Option<String>,
    /// How many commits of the line it rewound over.
    pub(crate) commits: Option<usize>,
    /// Its place on the line.
    #[serde(skip)]
    pub(crate) at: usize,
}

impl History {
    /// The view of `journal` (oldest first), with the stamps and rewinds of `line` (the
    /// first-parent line of `branch`; `None` without git).
    #[must_use]
    pub(crate) fn of(
        journal: &[JournalLine],
        line: Option<&Line>,
        branch: Option<String>,
    ) -> History {
        let turns: Vec<TurnRow> = (1..)
            .zip(journal)
            .map(|(n, l)| row(n, &l.entry, line.and_then(|line| line.stamp_of(&l.bytes))))
            .collect();
        let rewinds = line.map_or_else(Vec::new, |line| {
            line.rewinds
                .iter()
                .map(|r| {
                    let to_at = line.place(&r.to);
                    RewindRow {
                        commit: r.sha.clone(),
                        subject: r.subject.clone(),
                        to: r.to.clone(),
                        to_turn: turns
                            .iter()
                            .find(|t| t.stamp.as_deref() == Some(r.to.as_str()))
                            .map(|t| t.n),
                        before: r.before.clone(),
                        commits: to_at.map(|to| r.at.saturating_sub(to + 1)),
                        at: r.at,
                    }
                })
                .collect()
        });
        History {
            branch,
            tip: line.map(|l| l.tip.clone()),
            turns,
            rewinds,
        }
    }

    /// The turns and rewinds in the order they happened: a rewind comes before the first turn
    /// stamped after it (a turn without a stamp keeps its place after the one before it).
    #[must_use]
    pub(crate) fn in_order(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::with_capacity(self.turns.len() + self.rewinds.len());
        let mut rewinds = self.rewinds.iter().peekable();
        for turn in &self.turns {
            if let Some(at) = turn.at {
                while let Some(rewind) = rewinds.next_if(|r| r.at < at) {
                    rows.push(Row::Rewind(rewind));
                }
            }
            rows.push(Row::Turn(turn));
        }
        rows.extend(rewinds.map(Row::Rewind));
        rows
    }
}

/// A turn or a rewind, as [`History::in_order`] lists them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Row<'h> {
    /// A turn.
    Turn(&'h TurnRow),
    /// A rewind.
    Rewind(&'h RewindRow),
}

/// A turn's row; `stamp` is the commit that wrote its line. A pool worker's line cannot name
/// the merge it is written in: its landed task's merge is that commit.
fn row(n: u64, entry: &JournalEntry, stamp: Option<&Stamp>) -> TurnRow {
    let merged_in = stamp.filter(|s| s.landing).map(|s| s.sha.as_str());
    TurnRow {
        n,
        iteration: entry.iteration,
        actor: entry.actor.to_string(),
        prompt: entry.prompt.clone(),
        agent: entry.agent.clone(),
        outcome: entry.outcome.as_str(),
        ended_at: entry.ended_at.clone(),
        duration_ms: entry.duration_ms,
        cost_usd: entry.usage.cost_usd,
        head_before: entry.head_before.clone(),
        head_after: entry.head_after.clone(),
        stamp: stamp.map(|s| s.sha.clone()),
        tasks: entry.tasks.iter().map(|run| task(run, merged_in)).collect(),
        at: stamp.map(|s| s.at),
    }
}

/// A task's row; `merged_in` is the pool landing its line was written in, if it was.
fn task(run: &TaskRun, merged_in: Option<&str>) -> TaskRow {
    let landed = run.landing == Landing::Landed;
    TaskRow {
        worker: run.worker.clone(),
        task: run.task.clone(),
        landing: run.landing.to_string(),
        branch: run.branch.clone(),
        merge: run
            .merge
            .clone()
            .or_else(|| merged_in.filter(|_| landed).map(str::to_owned)),
    }
}
