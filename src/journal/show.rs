//! Journal figures as people read them (`baton stats`, `baton status`, `baton watch`): `-`
//! where no agent reported the figure, never an estimate.

use std::time::Duration;

use super::Totals;

/// `ok 3, failed 1`.
pub(crate) fn outcomes(t: &Totals) -> String {
    let parts: Vec<String> = t.outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
    parts.join(", ")
}

/// A reported count, `-` when nothing was reported.
pub(crate) fn number(n: Option<u64>) -> String {
    n.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

/// `$1.23`, `-` when nothing was reported.
pub(crate) fn cost(usd: Option<f64>) -> String {
    usd.map_or_else(|| "-".to_owned(), |c| format!("${c:.2}"))
}

/// `1h02m`, `3m05s`, `12s` (milliseconds in).
pub(crate) fn wall(ms: u64) -> String {
    let secs = Duration::from_millis(ms).as_secs();
    match (secs / 3600, secs / 60 % 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}
