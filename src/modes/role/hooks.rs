//! Role mode's git work around a turn: the running marker (committed, pushed in the background
//! while the agent starts) and the stamp (committed with the journal line, one fenced push).

use std::thread::JoinHandle;

use crate::error::{Error, Result};
use crate::git::SyncError;
use crate::journal::JournalEntry;
use crate::modes::role::sync::RoleSync;
use crate::state::State;
use crate::turn::{Runner, TurnHooks};

/// Hooks of one role-mode turn.
pub(crate) struct RoleHooks<'a> {
    sync: &'a RoleSync,
    claim_push: Option<JoinHandle<Result<(), SyncError>>>,
}

impl<'a> RoleHooks<'a> {
    pub(crate) fn new(sync: &'a RoleSync) -> Self {
        RoleHooks {
            sync,
            claim_push: None,
        }
    }
}

impl TurnHooks for RoleHooks<'_> {
    fn claimed(&mut self, runner: &Runner, state: &State) -> Result<()> {
        let repo = runner
            .repo
            .as_ref()
            .ok_or_else(|| Error::usage("role mode needs a git repository"))?;
        let actor = state.expected_actor;
        let subject = format!("[SYNC i={}] actor={actor} status=running", state.iteration);
        let sha = repo.commit_paths(std::slice::from_ref(&self.sync.state_rel), &subject)?;
        say!("[sync] {sha} {subject}");
        // The agent need not wait for this push (SPEC §7); the stamp push joins it.
        let remote = self.sync.remote.clone();
        let branch = self.sync.branch.clone();
        self.claim_push = Some(std::thread::spawn(move || remote.push(&branch)));
        Ok(())
    }

    fn stamped(&mut self, runner: &Runner, state: &State, entry: &JournalEntry) -> Result<()> {
        let repo = runner
            .repo
            .as_ref()
            .ok_or_else(|| Error::usage("role mode needs a git repository"))?;
        if let Some(push) = self.claim_push.take() {
            match push.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    note!("[sync] running marker not pushed ({e}); the stamp follows")
                }
                Err(_) => note!("[sync] the running-marker push panicked; the stamp follows"),
            }
        }
        runner.commit_stamp(repo, state, entry.actor)?;
        self.sync.push_fenced(repo)?;
        say!(
            "[sync] pushed to {}/{}",
            self.sync.remote.name(),
            self.sync.branch
        );
        Ok(())
    }
}
