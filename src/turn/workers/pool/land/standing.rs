//! Where a task this worker holds stands at a fetched head: the one read `outcome::standing`
//! decides from.

use super::super::Held;
use crate::error::Result;
use crate::git::{Remote, Repo};
use crate::pool::outcome::{Seen, Standing};
use crate::pool::refs;
use crate::tasks::Board;

/// How far back along the shared branch a worker looks for its own landing whose answer it
/// lost (first-parent commits).
const RECENT_LANDINGS: usize = 64;

/// Where this worker's task stands at `shared` (`tasks`: the tasks directory, relative) (see [`crate::pool::outcome::standing`]): its
/// claim ref as fetched with it, and — when the task is no longer open — whether one of the
/// shared branch's recent landings carries this claim's id.
pub(super) fn standing(
    tasks: &str,
    repo: &Repo,
    remote: &Remote,
    shared: &str,
    task: &str,
    claim: &Held,
) -> Result<Standing> {
    let board = task_alone(tasks, repo, shared, task)?;
    let claim_ref = repo.ref_sha(&format!("{}{task}", refs::tracked_claims(remote.name())))?;
    let messages = if board.open.contains_key(task) {
        Vec::new()
    } else {
        repo.recent_messages(shared, RECENT_LANDINGS)?
    };
    let id = claim.record.claim_id();
    let landed_by = messages
        .iter()
        .filter_map(|m| crate::pool::claim::landed_claim(m))
        .find(|found| *found == id);
    let seen = Seen {
        board: &board,
        landed_by,
        claim_ref: claim_ref.as_deref(),
    };
    Ok(crate::pool::outcome::standing(task, &claim.sha, id, &seen))
}

/// The board of `task` alone at `shared`: the task open when its file is there and no
/// `done/` copy is (two blob lookups, where the whole board reads every task file).
fn task_alone(tasks: &str, repo: &Repo, shared: &str, task: &str) -> Result<Board> {
    let (open, done) = crate::turn::workers::task_paths(tasks, task);
    let mut files = Vec::new();
    if let Some(bytes) = repo.read_at(shared, &open)? {
        files.push((format!("{task}.md"), bytes));
    }
    if repo.read_at(shared, &done)?.is_some() {
        files.push((format!("{}/{task}.md", crate::tasks::DONE_DIR), Vec::new()));
    }
    Ok(Board::from_files(files))
}
