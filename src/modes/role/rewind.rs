//! An agent that rewinds the branch under its own turn (`git reset --hard HEAD~3`, an amend or a
//! rebase of the claim commit, as coding agents do): its history no longer holds the run's own
//! claim, so the remote could take it only by a force push, which Baton never makes.
//!
//! Why the turn fails rather than stamping the agent's tree on top of the claim: the agent
//! built that tree on a history without the last turns, so stamping it would publish a revert
//! of the peer's work that nobody asked for; and a person, not Baton, decides whether history
//! is given up. So the agent's commits are kept on a backup ref, the branch is put back at the
//! claim, and the turn is stamped `failed` with what the agent did: the stamp is a plain
//! fast-forward of the remote (never a wedge, nobody is accused), and the next start runs the
//! turn again from the shared history.

use crate::error::Result;
use crate::git::Repo;
use crate::text::short_sha;
use crate::turn::Turn;

/// When HEAD no longer contains the turn's claim (`turn.head_before`: the running marker's
/// commit), keeps HEAD on a backup ref, resets the branch, index and work tree to the claim,
/// and returns the turn's `last_error`; `None` when the claim is still in the branch.
///
/// # Errors
/// Git errors (the backup or the reset).
pub(crate) fn put_back(repo: &Repo, turn: &Turn) -> Result<Option<String>> {
    let Some(claim) = turn.head_before.as_deref() else {
        return Ok(None);
    };
    if repo.is_ancestor(claim, "HEAD")? {
        return Ok(None);
    }
    let head = repo.head_id()?;
    let kept = match &head {
        Some(_) => format!("its commits are kept on {}", repo.backup_head()?),
        None => "the branch had no commit left".to_owned(),
    };
    repo.reset_hard(claim)?;
    let head = head.as_deref().map_or("nothing", short_sha);
    Ok(Some(format!(
        "the agent rewound the branch under its turn: HEAD went from the claim {} to {head}, \
         which does not contain it (git reset, an amend or a rebase); the remote could take \
         that only by a force push, which Baton never makes. {kept}; the branch is back at the \
         claim and the turn runs again at the next start",
        short_sha(claim)
    )))
}
