//! Cheap checks of the remote branch while a daemon waits for its turn (README, "Two machines").
//!
//! For a remote that is a local path the branch ref is read straight from the remote's refs with
//! git2 (no child process), and the remote's `refs/heads` and `packed-refs` are watched with
//! notify so a push by the peer wakes the daemon at once. For ssh and https remotes the probe is
//! one `git ls-remote` per poll interval.

use std::path::Path;
use std::sync::mpsc::Sender;

use notify::event::ModifyKind;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::git::{Remote, SyncError};

/// Reads the remote branch's commit id cheaply, and wakes a sender when a local remote changes.
pub(crate) struct RemoteProbe {
    remote: Remote,
    branch: String,
    local: Option<git2::Repository>,
    _watcher: Option<notify::RecommendedWatcher>,
}

impl std::fmt::Debug for RemoteProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteProbe")
            .field("remote", &self.remote)
            .field("branch", &self.branch)
            .field("local", &self.local.is_some())
            .finish()
    }
}

impl RemoteProbe {
    /// A probe for `branch` on `remote`; when the remote is a local directory, `wake` receives
    /// `()` on every change under its refs. A watcher that cannot start (e.g. the inotify watch
    /// limit) is reported once and polling carries on alone.
    #[must_use]
    pub(crate) fn new(
        remote: Remote,
        branch: &str,
        wake: Sender<()>,
        events: &crate::events::Events,
    ) -> RemoteProbe {
        let dir = remote.local_path();
        let local = dir
            .as_deref()
            .and_then(|d| git2::Repository::open_bare(d).ok());
        let watcher = dir
            .as_deref()
            .filter(|_| local.is_some())
            .and_then(|d| watch(d, wake, events));
        RemoteProbe {
            remote,
            branch: branch.to_owned(),
            local,
            _watcher: watcher,
        }
    }

    /// The remote branch's full commit id; `None` when the branch does not exist there.
    ///
    /// # Errors
    /// [`SyncError`] from `git ls-remote` (non-local remotes only).
    pub(crate) fn head(&self) -> Result<Option<String>, SyncError> {
        match &self.local {
            Some(repo) => {
                let name = format!("refs/heads/{}", self.branch);
                Ok(repo.refname_to_id(&name).ok().map(|oid| oid.to_string()))
            }
            None => self.remote.ls_remote(&self.branch),
        }
    }
}

/// Watches `dir/refs/heads` (recursively) and `dir` itself (for `packed-refs`).
fn watch(
    dir: &Path,
    wake: Sender<()>,
    events: &crate::events::Events,
) -> Option<notify::RecommendedWatcher> {
    // Only changes wake the waiter: the probe's own reads of the remote's refs produce access
    // events, and forwarding those would make the waiter poll itself in a loop.
    let handler = move |event: notify::Result<notify::Event>| {
        let changed = event.is_ok_and(|e| match e.kind {
            EventKind::Create(_) | EventKind::Remove(_) => true,
            EventKind::Modify(kind) => !matches!(kind, ModifyKind::Metadata(_)),
            _ => false,
        });
        if changed {
            let _ = wake.send(());
        }
    };
    let started = notify::recommended_watcher(handler).and_then(|mut w| {
        w.watch(&dir.join("refs").join("heads"), RecursiveMode::Recursive)?;
        w.watch(dir, RecursiveMode::NonRecursive)?;
        Ok(w)
    });
    match started {
        Ok(w) => Some(w),
        Err(e) => {
            let advice = match e.kind {
                notify::ErrorKind::MaxFilesWatch => {
                    "; raise fs.inotify.max_user_watches (sysctl) to get instant wake-ups"
                }
                _ => "",
            };
            warn_line!(
                events,
                "[baton] notice: cannot watch {} ({e}); polling only{advice}",
                dir.display()
            );
            None
        }
    }
}
