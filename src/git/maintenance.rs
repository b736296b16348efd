//! Keeping the object store packed. libgit2 never runs git's automatic housekeeping, so
//! without it every stamp leaves loose objects for good (hundreds of MB after thousands of
//! turns). After each stamp Baton starts `git gc --auto` through the system git in the
//! background: it returns at once unless there are enough loose objects (`gc.auto`, 6700 by
//! default), and then packs them while the next agent works.
//!
//! At most one runs at a time (one Baton works on one clone). It is never running during a
//! push ([`settle`] waits for it first), it stays in the foreground of its own child (no
//! `gc.autoDetach`, so it remains Baton's child and is waited for), the end-of-turn sweep of
//! agent processes spares it (`crate::process::spare`), and a run waits for it before it exits.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::process;

/// The housekeeping started last, while it may still run.
static RUNNING: Mutex<Option<Child>> = Mutex::new(None);

fn running() -> MutexGuard<'static, Option<Child>> {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts `git gc --auto --quiet` in `workdir` in the background, unless one still runs. A
/// spawn failure (no `git` on PATH) is only logged: housekeeping is never worth a failed turn.
pub(crate) fn start(workdir: &Path) {
    let mut slot = running();
    if let Some(child) = slot.as_mut()
        && matches!(child.try_wait(), Ok(None))
    {
        return;
    }
    finish(&mut slot);
    let spawned = Command::new("git")
        .args([
            "-c",
            "gc.autoDetach=false",
            "-c",
            "maintenance.autoDetach=false",
        ])
        .args(["gc", "--auto", "--quiet"])
        .current_dir(workdir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(child) => {
            process::spare(child.id());
            *slot = Some(child);
        }
        Err(e) => tracing::debug!(error = %e, "git gc --auto not started"),
    }
}

/// Waits for the running housekeeping, if any: before a push, and before a run exits.
pub(crate) fn settle() {
    let mut slot = running();
    if let Some(child) = slot.as_mut() {
        match child.wait() {
            Ok(status) if !status.success() => {
                tracing::warn!(%status, "git gc --auto failed");
            }
            Err(e) => tracing::warn!(error = %e, "wait for git gc --auto"),
            Ok(_) => {}
        }
    }
    finish(&mut slot);
}

/// Forgets a finished child (already waited for) and takes it off the spared list.
fn finish(slot: &mut Option<Child>) {
    if let Some(child) = slot.take() {
        process::unspare(child.id());
    }
}
