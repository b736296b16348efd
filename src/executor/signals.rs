//! SIGINT / SIGTERM handling: remembered for the runner, forwarded to live agent groups.
//!
//! Each agent runs in its own process group, so it never sees the terminal's Ctrl-C, and a
//! detached baton has no terminal at all (uv `child.rs`): we forward both signals ourselves.
//! A background thread (signal-hook's iterator, a self-pipe underneath) receives them, stores
//! the first one for [`received_signal`], and sends it to every group in the registry; a second
//! signal sends SIGKILL instead. Each [`run`](fn@super::run) registers its group together with a
//! callback that wakes its wait loop, and unregisters when the group is gone.

use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Mutex, MutexGuard, PoisonError};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Called on the signal thread with the received signal number.
type Notify = Box<dyn Fn(i32) + Send>;

/// One live agent group and how to wake its runner.
struct Entry {
    id: u64,
    group: Pid,
    notify: Notify,
}

static INSTALLED: Mutex<bool> = Mutex::new(false);
static FIRST: AtomicI32 = AtomicI32::new(0);
static COUNT: AtomicU32 = AtomicU32::new(0);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static REGISTRY: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
static WAKERS: Mutex<Vec<Sender<()>>> = Mutex::new(Vec::new());

/// Sends `()` on `waker` whenever SIGINT or SIGTERM arrives, so that a loop sleeping on the
/// other end (a daemon waiting for its turn) wakes at once. Senders whose receiver is gone are
/// skipped.
pub(crate) fn wake_on_signal(waker: Sender<()>) {
    WAKERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(waker);
}

/// Installs the handlers once per process (idempotent).
///
/// After this, SIGINT and SIGTERM no longer end baton: the runner must check
/// [`received_signal`] and exit 130 / 143 itself.
///
/// # Errors
/// When signal-hook cannot register.
pub(crate) fn install_handlers() -> std::io::Result<()> {
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if *installed {
        return Ok(());
    }
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("baton-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                deliver(signal);
            }
        })?;
    *installed = true;
    Ok(())
}

/// The first SIGINT (2) or SIGTERM (15) received since start, if any.
#[must_use]
pub(crate) fn received_signal() -> Option<i32> {
    match FIRST.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Records `signal`, forwards it to every live group (SIGKILL from the second signal on) and
/// wakes their runners. The registry lock is held throughout, so [`register`] sees each signal
/// either as already received or as delivered to its entry, never both or neither.
fn deliver(signal: i32) {
    let entries = registry();
    let _ = FIRST.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    let count = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    let forwarded = if count == 1 {
        Signal::try_from(signal).unwrap_or(Signal::SIGTERM)
    } else {
        Signal::SIGKILL
    };
    for entry in entries.iter() {
        // Wake the runner before the group can die of this signal, so that its channel holds
        // the signal ahead of the leader's exit and the turn reads as interrupted, not failed.
        (entry.notify)(signal);
        // ESRCH: the group is already gone.
        let _ = killpg(entry.group, forwarded);
    }
    drop(entries);
    for waker in WAKERS.lock().unwrap_or_else(PoisonError::into_inner).iter() {
        let _ = waker.send(());
    }
}

fn registry() -> MutexGuard<'static, Vec<Entry>> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A live group in the registry; dropping it unregisters the group.
#[must_use = "dropping the registration unregisters the group at once"]
pub(crate) struct Registration {
    id: u64,
    /// The signal received before the group was registered (not forwarded to it).
    pub(crate) prior: Option<i32>,
}

/// Adds `group` to the registry; `notify` runs on the signal thread for each signal received
/// from now on.
pub(crate) fn register(group: Pid, notify: impl Fn(i32) + Send + 'static) -> Registration {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut entries = registry();
    entries.push(Entry {
        id,
        group,
        notify: Box::new(notify),
    });
    Registration {
        id,
        prior: received_signal(),
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        registry().retain(|entry| entry.id != self.id);
    }
}

/// The signal's conventional name, for console lines (`SIGINT`, `SIGTERM`, else the number).
pub(crate) fn signal_name(signal: i32) -> String {
    Signal::try_from(signal).map_or_else(|_| format!("signal {signal}"), |s| s.as_str().into())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn registration_is_removed_on_drop() {
        let (tx, _rx) = mpsc::channel::<i32>();
        let reg = register(Pid::from_raw(i32::MAX), move |s| {
            let _ = tx.send(s);
        });
        let id = reg.id;
        let present = || registry().iter().any(|e| e.id == id);
        assert!(present());
        drop(reg);
        assert!(!present());
    }

    #[test]
    fn signal_names_are_readable() {
        assert_eq!(signal_name(2), "SIGINT");
        assert_eq!(signal_name(15), "SIGTERM");
        assert_eq!(signal_name(999), "signal 999");
    }
}
