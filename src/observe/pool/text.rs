//! The pool for people, one author for `baton status` and `baton watch`: a summary line, then
//! one line per worker process and one per claim under it, then the claim refs that hold no
//! claim.

use super::{PoolClaim, PoolView, PoolWorker};

/// The lines of `view`; none when the remote has no claim ref. The first is the summary
/// (`3 claim(s) on origin by 2 worker(s)`, with how fresh it is), the others are indented:
///
/// ```text
///   build-3 pid 4242 (ralph-1, ralph-2): 2 slots, 2 claim(s)
///     task a by ralph-1, lease until 2026-11-21T10:14:05Z
///     task b by ralph-2, lease ran out at 2026-11-21T10:02:00Z
///   task junk: its claim ref holds no claim (counts as over): <why>
/// ```
#[must_use]
pub(crate) fn lines(view: &PoolView) -> Vec<String> {
    if view.is_empty() {
        return Vec::new();
    }
    let fresh = match (&view.problem, &view.checked_at) {
        (Some(problem), _) => format!(
            " (the fetch failed, as last fetched: {})",
            printable(problem)
        ),
        (None, None) => " (as last fetched)".to_owned(),
        (None, Some(_)) => String::new(),
    };
    let mut out = vec![format!(
        "{} claim(s) on {} by {} worker(s){fresh}",
        view.refs(),
        view.remote,
        view.workers.len()
    )];
    for worker in &view.workers {
        out.push(format!("  {}", worker_line(worker)));
        out.extend(
            worker
                .claims
                .iter()
                .map(|c| format!("    {}", claim_line(c))),
        );
    }
    out.extend(view.no_claim.iter().map(|n| {
        format!(
            "  task {}: its claim ref holds no claim (counts as over): {}",
            n.task,
            printable(&n.why)
        )
    }));
    out
}

/// `build-3 pid 4242 (ralph-1, ralph-2): 2 slots, 2 claim(s)`.
fn worker_line(worker: &PoolWorker) -> String {
    let slots = match worker.slots {
        Some(1) => "1 slot".to_owned(),
        Some(n) => format!("{n} slots"),
        None => "slots unknown".to_owned(),
    };
    format!(
        "{} pid {} ({}): {slots}, {} claim(s)",
        worker.host,
        worker.pid,
        worker.names.join(", "),
        worker.claims.len()
    )
}

/// `task a by ralph-1, lease until <UTC>` (`ran out at` once over; a lease too far ahead
/// says it counts as over); `galph's turn, lease …` for the claim on a pool worker's turn.
fn claim_line(claim: &PoolClaim) -> String {
    let lease = match (claim.expired, claim.over) {
        (true, _) => format!("ran out at {}", claim.lease_until),
        (false, true) => format!(
            "until {} (too far ahead: counts as over)",
            claim.lease_until
        ),
        (false, false) => format!("until {}", claim.lease_until),
    };
    if claim.task == crate::pool::refs::TURN {
        return format!("{}'s turn, lease {lease}", claim.worker);
    }
    format!("task {} by {}, lease {lease}", claim.task, claim.worker)
}

/// `text` without control characters: a claim ref's message is anyone's, and its bytes must
/// not steer a terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
