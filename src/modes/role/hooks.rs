//! Role mode's git work around a turn: the running marker (committed, then won with a
//! compare-and-swap push before the agent starts) and the stamp (one fenced push).

use crate::error::{Error, Result};
use crate::journal::JournalEntry;
use crate::modes::role::sync::RoleSync;
use crate::state::State;
use crate::turn::{Claimed, Runner, TurnHooks};

/// Hooks of one role-mode turn.
pub(crate) struct RoleHooks<'a> {
    sync: &'a RoleSync,
}

impl<'a> RoleHooks<'a> {
    pub(crate) fn new(sync: &'a RoleSync) -> Self {
        RoleHooks { sync }
    }
}

impl TurnHooks for RoleHooks<'_> {
    /// Commits the running marker and pushes it as a compare-and-swap: two daemons of the same
    /// actor (a person restarting on a new machine while the old one still runs) never both
    /// run their agent for one turn; the one whose claim reaches the remote second gets
    /// [`Claimed::Lost`] and waits again.
    fn claimed(&mut self, runner: &Runner, state: &State) -> Result<Claimed> {
        let repo = runner
            .repo
            .as_ref()
            .ok_or_else(|| Error::usage("role mode needs a git repository"))?;
        let actor = state.expected_actor;
        let subject = format!("[SYNC i={}] actor={actor} status=running", state.iteration);
        let sha = repo.commit_paths(std::slice::from_ref(&self.sync.state_rel), &subject)?;
        crate::events::committed(crate::events::CommitKind::Claim, &sha, &subject);
        crate::fault::point("claim-committed");
        let claimed = self.sync.push_claim(repo)?;
        if let Claimed::Lost(holder) = &claimed {
            warn_line!(
                "[sync] {actor}'s turn was claimed first by another daemon: {holder}; waiting"
            );
        }
        Ok(claimed)
    }

    fn stamped(&mut self, runner: &Runner, _: &State, _: &JournalEntry) -> Result<()> {
        let repo = runner
            .repo
            .as_ref()
            .ok_or_else(|| Error::usage("role mode needs a git repository"))?;
        self.sync.push_fenced(repo)?;
        crate::events::emit(&crate::events::Event::Pushed {
            remote: self.sync.remote.name(),
            branch: &self.sync.branch,
        });
        Ok(())
    }
}
