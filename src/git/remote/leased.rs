//! Compare-and-swap pushes of any refs (the pool's claims and landings, `docs/pool.md`; the
//! updates and their arguments are [`crate::pool::push`]'s), and the one fetch a pool worker
//! makes: the shared branch and every claim ref, into their local copies.

use super::{Remote, SyncError, parse};
use crate::pool::push::RefUpdate;

/// How a leased push ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Every update applied.
    Applied,
    /// The remote held something else for `refname` (another worker's claim, a moved branch);
    /// with `--atomic`, nothing applied.
    Stale {
        /// The ref whose lease failed (the first git names).
        refname: String,
        /// git's reason (`stale info`, `fetch first`, `atomic push failed`, …).
        reason: String,
    },
}

impl Remote {
    /// Pushes `updates`, each a compare-and-swap (all or none when there are several; the
    /// arguments are [`crate::pool::push::push_args`]'s).
    ///
    /// # Errors
    /// [`SyncError`] for anything but a failed lease (a refused hook, the network).
    pub(crate) fn push_leased(&self, updates: &[RefUpdate]) -> Result<Pushed, SyncError> {
        let args = crate::pool::push::push_args(&self.name, updates);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.git(&args)?;
        let rejected = parse::rejections(&out.stdout);
        // With --atomic every ref is refused; the one that decided is not "atomic push failed".
        let first = rejected
            .iter()
            .find(|r| !r.reason.contains("atomic push failed"))
            .or(rejected.first())
            .cloned();
        if let Some(rejected) = first {
            let lease = [
                "stale info",
                "fetch first",
                "atomic push failed",
                "already exists",
            ]
            .iter()
            .any(|r| rejected.reason.contains(r));
            if lease {
                return Ok(Pushed::Stale {
                    refname: rejected.refname,
                    reason: rejected.reason,
                });
            }
            return Err(SyncError::PushRejected {
                refname: rejected.refname,
                reason: rejected.reason,
                remote_message: parse::remote_lines(&out.stderr),
            });
        }
        out.ok()?;
        Ok(Pushed::Applied)
    }

    /// Fetches `branch` (into `refs/remotes/<remote>/<branch>`) and the refs of `also` (a
    /// refspec, e.g. the pool's claims into their local copies), in one `git fetch --prune`:
    /// refs deleted on the remote disappear from their local copies.
    ///
    /// # Errors
    /// [`SyncError`].
    pub(crate) fn fetch_with(&self, branch: &str, also: &str) -> Result<(), SyncError> {
        let branch_spec = format!("+refs/heads/{branch}:{}", self.tracking_ref(branch));
        self.git(&[
            "fetch",
            "--quiet",
            "--no-tags",
            "--prune",
            &self.name,
            &branch_spec,
            also,
        ])?
        .ok()?;
        Ok(())
    }
}
