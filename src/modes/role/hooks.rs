//! Role mode's git work around a turn: the running marker (committed under a new claim id, then
//! won with a compare-and-swap push before the agent starts), the guard in the agent's
//! environment, the check that the agent left the claim in the branch, and the stamp (one
//! fenced push, or the alarm when a foreign commit changed the state over the turn).

use crate::error::{Error, Result};
use crate::git::Repo;
use crate::journal::JournalEntry;
use crate::modes::role::provenance::Foreign;
use crate::modes::role::sync::{KeptOnBackup, Moved, RoleSync};
use crate::state::State;
use crate::turn::subject::{claim_message, subject_of};
use crate::turn::{Claimed, Session, Turn, TurnHooks};

/// Hooks of one role-mode turn.
pub(crate) struct RoleHooks<'a> {
    sync: &'a RoleSync,
    /// What the agent's environment gets (see [`super::guard`]).
    env: Vec<(String, String)>,
    /// The claim won, and the state it claimed.
    claim: Option<(String, State)>,
}

impl<'a> RoleHooks<'a> {
    pub(crate) fn new(sync: &'a RoleSync, env: Vec<(String, String)>) -> Self {
        RoleHooks {
            sync,
            env,
            claim: None,
        }
    }
}

fn repo_of(runner: &Session) -> Result<&Repo> {
    runner
        .repo
        .as_ref()
        .ok_or_else(|| Error::usage("role mode needs a git repository"))
}

impl TurnHooks for RoleHooks<'_> {
    /// Commits the running marker under a new claim id and pushes it as a compare-and-swap:
    /// two daemons of the same actor (a person restarting on a new machine while the old one
    /// still runs) never both run their agent for one turn; the one whose claim reaches the
    /// remote second gets [`Claimed::Lost`] and waits again.
    fn claimed(&mut self, runner: &Session, state: &State) -> Result<Claimed> {
        let repo = repo_of(runner)?;
        let actor = state.expected_actor;
        let id = crate::turn::subject::new_claim_id();
        let message = claim_message(state, &id);
        let sha = repo.commit_paths(std::slice::from_ref(&self.sync.state_rel), &message)?;
        let subject = subject_of(&message);
        runner
            .events
            .committed(crate::events::CommitKind::Claim, &sha, subject);
        crate::fault::point("claim-committed");
        let claimed = self.sync.push_claim(repo)?;
        match &claimed {
            Claimed::Lost(holder) => warn_line!(
                runner.events,
                "[sync] {actor}'s turn was claimed first by another daemon: {holder}; waiting"
            ),
            Claimed::Won => self.claim = Some((id, state.clone())),
        }
        Ok(claimed)
    }

    fn claim_id(&self) -> Option<String> {
        self.claim.as_ref().map(|(id, _)| id.clone())
    }

    fn agent_env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }

    /// The agent must leave the claim in the branch: one that rewound it (`git reset --hard
    /// HEAD~3`, an amend or a rebase of the claim) made a history the remote cannot take
    /// without a force push. Its commits go to a backup ref, the branch goes back to the claim
    /// and the turn fails saying so (see [`super::rewind`]).
    fn before_stamp(&mut self, runner: &Session, turn: &Turn) -> Result<Option<String>> {
        let repo = repo_of(runner)?;
        super::rewind::put_back(repo, turn)
    }

    /// Pushes the stamp. A foreign commit that changed the state over this turn raises the
    /// alarm; a stamp refused and kept on a backup ref is dropped from the turn record.
    fn stamped(&mut self, runner: &Session, _: &State, _: &JournalEntry) -> Result<()> {
        let repo = repo_of(runner)?;
        let moved = match self.sync.push_or_replay(repo) {
            Ok(None) => {
                runner.events.emit(&crate::events::Event::Pushed {
                    remote: self.sync.remote.name(),
                    branch: &self.sync.branch,
                });
                return Ok(());
            }
            Ok(Some(moved)) => moved,
            Err(e) => {
                if e.is::<KeptOnBackup>() {
                    runner.forget_stamp()?;
                }
                return Err(e);
            }
        };
        runner.forget_stamp()?;
        Err(self.refused(runner, repo, &moved)?)
    }
}

impl RoleHooks<'_> {
    /// The error for a stamp the remote's state moved past: an alarm when a foreign commit did
    /// it (or the peer already raised one over this claim), else a stale stamp.
    fn refused(&self, runner: &Session, repo: &Repo, moved: &Moved) -> Result<Error> {
        let Some((claim, claimed)) = &self.claim else {
            return self.sync.stale(repo, moved);
        };
        let Some(step) = moved.culprit.as_deref() else {
            return self.sync.stale(repo, moved);
        };
        let tracking = self.sync.tracking_ref();
        if let Some(reason) = super::alarm::raised_at(self.sync, repo, &tracking) {
            let kept = repo.backup_head()?;
            repo.reset_hard(&tracking)?;
            return Ok(KeptOnBackup::error(
                format!(
                    "the peer raised the alarm over this turn ({reason}); this turn's commits \
                     are kept on {kept}"
                ),
                "look at the commit it names; then baton resume runs the turn again".to_owned(),
            ));
        }
        let m = &step.marks;
        if m.claim.is_some() || m.stamp.is_some() || m.alarm.is_some() {
            return self.sync.stale(repo, moved);
        }
        let kept = repo.backup_head()?;
        repo.reset_hard(&tracking)?;
        let actor = claimed.expected_actor;
        let why = format!(
            "changed {} of the state while {actor}'s turn ran (claim {claim}), and it is not \
             that turn's stamp",
            step.what_changed(),
        );
        let found = Foreign {
            restore: step.before.clone().unwrap_or_else(|| claimed.clone()),
            claim: Some(claim.clone()),
            step: step.clone(),
            why,
        };
        super::alarm::raise(runner, repo, self.sync, actor, &found, Some(&kept))
    }
}
