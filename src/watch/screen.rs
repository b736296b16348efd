//! The redrawn screen on a terminal: a pure [`frame`] of the snapshot (the turn, its lease,
//! limit, approval and stop flag, the workflow's step, budget and totals, the last turns, one
//! row per worker, the pool's workers and claims, the running transcript's newest lines), cut
//! to the terminal's size.

use std::time::SystemTime;

use crate::journal::show::{cost, outcomes, wall};
use crate::watch::lines::{running_row, turn_row};
use crate::watch::model::{Snapshot, approval};
use crate::watch::rows;

/// How many ended workers the screen shows (the newest).
const ENDED_ROWS: usize = 4;

/// What the screen shows beside the snapshot.
pub(crate) struct Shown<'a> {
    /// What is watched.
    pub(crate) title: &'a str,
    /// The newest transcript lines, oldest first (a worker's start with its name).
    pub(crate) transcript: &'a [String],
    /// The time now, for the workers' elapsed times.
    pub(crate) now: SystemTime,
}

/// The screen's lines for `snap` (at most `height`, each at most `width` columns).
pub(crate) fn frame(
    shown: &Shown<'_>,
    snap: &Snapshot,
    width: usize,
    height: usize,
) -> Vec<String> {
    let transcript = shown.transcript;
    let mut out = vec![
        format!("baton watch: {}  (q quits)", shown.title),
        String::new(),
    ];
    let mut field = |name: &str, value: String| out.push(format!("{name:<9} {value}"));
    match &snap.state {
        None => field("turn", "no state file yet".to_owned()),
        Some(s) => {
            field(
                "turn",
                format!(
                    "{} ({}, iteration {}) since {}",
                    s.expected_actor,
                    s.status,
                    s.iteration,
                    s.last_update.as_deref().unwrap_or("-")
                ),
            );
            if let Some(lease) = s.lease_text() {
                field("lease", lease);
            }
            if let Some(limit) = crate::modes::describe_limit(s) {
                field("limit", limit);
            }
            if let Some(what) = approval(s) {
                field("approval", what);
            }
            if let Some(reason) = s.stop_requested() {
                field("stop", format!("requested ({reason})"));
            }
        }
    }
    if let Some(step) = &snap.step {
        field("step", step.clone());
    }
    if !snap.budget.is_empty() {
        field("budget", snap.budget.join(", "));
    }
    let t = &snap.totals;
    if t.turns > 0 {
        field(
            "total",
            format!(
                "{} turns ({}), {}, {}",
                t.turns,
                outcomes(t),
                cost(t.cost_usd),
                wall(t.duration_ms)
            ),
        );
    }
    if let Some(ended) = &snap.ended {
        field("ended", ended.clone());
    }
    if let Some(problem) = &snap.problem {
        field("problem", problem.clone());
    }
    out.push(String::new());
    out.push("last turns".to_owned());
    if snap.turns.is_empty() {
        out.push("  none yet".to_owned());
    }
    out.extend(
        snap.turns
            .iter()
            .rev()
            .map(|t| format!("  {}", turn_row(t))),
    );
    workers(snap, shown.now, &mut out);
    let pool = crate::observe::pool::lines(&snap.pool);
    if let Some((summary, rows)) = pool.split_first() {
        out.push(String::new());
        out.push(format!("pool: {summary}"));
        out.extend(rows.iter().map(|l| printable(l)));
    }
    out.push(String::new());
    match (&snap.running, &snap.elsewhere) {
        (Some(r), _) => out.push(format!("running: {}", running_row(r))),
        (None, Some(elsewhere)) => out.push(format!("agent: {elsewhere}")),
        (None, None) if !snap.workers.is_empty() => out.push(format!(
            "running: {} worker(s), each line with its name",
            snap.workers.len()
        )),
        (None, None) => out.push("no agent running".to_owned()),
    }
    let room = height.saturating_sub(out.len());
    let skip = transcript.len().saturating_sub(room);
    out.extend(
        transcript[skip..]
            .iter()
            .map(|l| format!("| {}", printable(l))),
    );
    out.truncate(height);
    out.iter().map(|l| fit(l, width)).collect()
}

/// The workers' rows, when there are any: each running one, then the newest ended ones with
/// their landing.
fn workers(snap: &Snapshot, now: SystemTime, out: &mut Vec<String>) {
    if snap.workers.is_empty() && snap.ended_workers.is_empty() {
        return;
    }
    out.push(String::new());
    out.push(format!("workers ({} running)", snap.workers.len()));
    for worker in &snap.workers {
        out.push(format!("  {}", printable(&rows::running(worker, now))));
    }
    let skip = snap.ended_workers.len().saturating_sub(ENDED_ROWS);
    for worker in &snap.ended_workers[skip..] {
        out.push(format!("  {}", printable(&rows::landing(worker))));
    }
}

/// `line` without control characters (an agent's own colour codes would garble the screen).
fn printable(line: &str) -> String {
    line.replace('\t', "    ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `line` cut to `width` visible columns; colour sequences (`ESC [ … m`) take none, and a cut
/// inside a coloured stretch ends with a reset.
fn fit(line: &str, width: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut coloured = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            coloured = true;
            out.push(c);
            for next in chars.by_ref() {
                out.push(next);
                if next == 'm' {
                    break;
                }
            }
            continue;
        }
        if shown == width {
            if coloured {
                out.push_str("\x1b[0m");
            }
            break;
        }
        out.push(c);
        shown += 1;
    }
    out
}

#[cfg(test)]
mod tests;
