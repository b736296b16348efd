//! The claim a pool landing names: its merge on the shared branch carries
//! `Baton-Task-Claim: <claim id>` after its `Baton-Task` (docs/pool.md, "Claim commits").

/// The trailer a landing's merge carries.
const TASK_CLAIM: &str = "Baton-Task-Claim";

/// The trailer line a pool landing's merge message carries after `Baton-Task: <task>`:
/// `Baton-Task-Claim: <claim id>` and a newline (module docs).
#[must_use]
pub(crate) fn landing_trailer(claim_id: &str) -> String {
    format!("{TASK_CLAIM}: {claim_id}\n")
}

/// The claim id in the `Baton-Task-Claim` trailer of a commit message (its last paragraph, as
/// git reads trailers), if it has one.
#[must_use]
pub(crate) fn landed_claim(message: &str) -> Option<&str> {
    let (_, last) = message.trim_end().rsplit_once("\n\n")?;
    last.lines()
        .filter_map(|line| line.split_once(": "))
        .find(|(key, _)| *key == TASK_CLAIM)
        .map(|(_, value)| value.trim())
}
