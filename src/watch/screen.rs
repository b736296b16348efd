//! The redrawn screen on a terminal: a pure [`frame`] of the snapshot (the turn, its lease,
//! limit, approval and stop flag, budget and totals, the last turns, the running transcript's
//! newest lines), cut to the terminal's size.

use crate::journal::show::{cost, outcomes, wall};
use crate::watch::lines::{running_row, turn_row};
use crate::watch::model::{Snapshot, approval};

/// The screen's lines for `snap` (at most `height`, each at most `width` columns): `title`
/// names the source, `transcript` holds the newest transcript lines (oldest first).
pub(crate) fn frame(
    title: &str,
    snap: &Snapshot,
    transcript: &[String],
    width: usize,
    height: usize,
) -> Vec<String> {
    let mut out = vec![format!("baton watch: {title}  (q quits)"), String::new()];
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
    out.push(String::new());
    match (&snap.running, &snap.elsewhere) {
        (Some(r), _) => out.push(format!("running: {}", running_row(r))),
        (None, Some(elsewhere)) => out.push(format!("agent: {elsewhere}")),
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
mod tests {
    use super::*;
    use crate::state::{State, Status};

    #[test]
    fn the_frame_fits_the_terminal_and_keeps_the_newest_transcript_lines() {
        let snap = Snapshot {
            state: Some(State {
                status: Status::Running(crate::state::Actor::RALPH),
                ..State::default()
            }),
            budget: vec!["turns 3 of 10".to_owned()],
            ..Snapshot::default()
        };
        let transcript: Vec<String> = (1..=50).map(|i| format!("line {i}\tend")).collect();
        let lines = frame("workspace /ws", &snap, &transcript, 30, 14);
        assert_eq!(lines.len(), 14);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:#?}");
        assert_eq!(lines[0], "baton watch: workspace /ws  (q");
        assert!(
            lines[13].starts_with("| line 50"),
            "the newest line is last"
        );
        assert!(
            lines[2].starts_with("turn      galph (running-ralph"),
            "{lines:#?}"
        );
        assert_eq!(lines[3], "budget    turns 3 of 10");
        assert!(lines.iter().any(|l| l == "no agent running"), "{lines:#?}");
        let elsewhere = Snapshot {
            elsewhere: Some("runs on box:7 (the lease holder)".to_owned()),
            ..snap
        };
        let lines = frame("origin/main", &elsewhere, &[], 80, 14);
        assert!(
            lines
                .iter()
                .any(|l| l == "agent: runs on box:7 (the lease holder)")
                && !lines.iter().any(|l| l == "no agent running"),
            "{lines:#?}"
        );
    }

    #[test]
    fn colour_takes_no_columns_and_a_cut_resets_it() {
        assert_eq!(
            fit("\x1b[32mok\x1b[0m done", 4),
            "\x1b[32mok\x1b[0m d\x1b[0m"
        );
        assert_eq!(fit("short", 10), "short");
    }
}
