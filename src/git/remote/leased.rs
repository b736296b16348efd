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
            if is_lease(&rejected.reason) || moved_under(&out.stderr) {
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

    /// Pushes `updates` in one `git push`, each its own compare-and-swap (no `--atomic`; the
    /// arguments are [`crate::pool::push::push_each_args`]'s): how each ended, in the order of
    /// `updates`. An empty list pushes nothing.
    ///
    /// # Errors
    /// [`SyncError`] when any ref was refused for another reason than its lease (a hook, a
    /// permission) or git failed without saying which ref: then no answer is known, and a
    /// fresh read of the refs says which updates were applied.
    pub(crate) fn push_each(&self, updates: &[RefUpdate]) -> Result<Vec<Pushed>, SyncError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let args = crate::pool::push::push_each_args(&self.name, updates);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.git(&args)?;
        let rejected = parse::rejections(&out.stdout);
        // Two pushes creating one ref at once: the remote's ref lock refuses the second with
        // "failed to update ref" and says "cannot lock ref '<ref>'": a lost race, as a lease.
        let raced = |r: &parse::Rejection| {
            r.reason.contains("failed to update ref")
                && out
                    .stderr
                    .contains(&format!("cannot lock ref '{}'", r.refname))
        };
        if let Some(other) = rejected.iter().find(|r| !is_lease(&r.reason) && !raced(r)) {
            return Err(SyncError::PushRejected {
                refname: other.refname.clone(),
                reason: other.reason.clone(),
                remote_message: parse::remote_lines(&out.stderr),
            });
        }
        if rejected.is_empty() {
            out.ok()?;
        }
        Ok(updates
            .iter()
            .map(|update| {
                rejected
                    .iter()
                    .find(|r| r.refname == update.refname)
                    .map_or(Pushed::Applied, |r| Pushed::Stale {
                        refname: r.refname.clone(),
                        reason: r.reason.clone(),
                    })
            })
            .collect())
    }

    /// Fetches `branch` (into `refs/remotes/<remote>/<branch>`) and the refs of `also` (a
    /// refspec, e.g. the pool's claims into their local copies), in one `git fetch --prune`:
    /// refs deleted on the remote disappear from their local copies. It starts no
    /// housekeeping of its own (`--no-auto-maintenance`: a detached `git gc` would lock refs
    /// under a running worker; the run's own background gc packs what fetches leave), writes
    /// no `FETCH_HEAD` (nothing reads it), and keeps what it receives as the pack it came in
    /// (`fetch.unpackLimit=1`): a pool worker's look brings a few landings' objects, which git
    /// would otherwise write as dozens of loose files a look — in `cargo bench --bench pool`,
    /// a fifth of the CPU a task costs.
    ///
    /// # Errors
    /// [`SyncError`].
    pub(crate) fn fetch_with(&self, branch: &str, also: &str) -> Result<(), SyncError> {
        let branch_spec = format!("+refs/heads/{branch}:{}", self.tracking_ref(branch));
        self.git(&[
            "-c",
            "fetch.unpackLimit=1",
            "fetch",
            "--quiet",
            "--no-tags",
            "--prune",
            "--no-auto-maintenance",
            "--no-write-fetch-head",
            "--no-show-forced-updates",
            &self.name,
            &branch_spec,
            also,
        ])?
        .ok()?;
        Ok(())
    }
}

/// Whether the remote's own ref transaction found a ref moved since the push checked its lease
/// (another push went in between): receive-pack then says `cannot lock ref '<ref>': is at
/// <sha> but expected <sha>` (git's `refs/files-backend.c`), and an atomic push reports every
/// ref as `atomic transaction failed`. A failed compare-and-swap, as a lease.
fn moved_under(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|line| line.contains("cannot lock ref '") && line.contains("but expected"))
}

/// Whether git's reason for refusing a ref is a failed compare-and-swap (the ref was not what
/// the push expected), as opposed to a hook or a permission.
fn is_lease(reason: &str) -> bool {
    [
        "stale info",
        "fetch first",
        "atomic push failed",
        "already exists",
    ]
    .iter()
    .any(|r| reason.contains(r))
}
