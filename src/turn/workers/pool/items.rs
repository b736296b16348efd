//! What a pool worker has in hand: the claims it holds, the claims a look just won, and the
//! tasks whose workers came back.

use std::path::PathBuf;
use std::time::SystemTime;

use super::streak::Streak;
use crate::pool::claim::ClaimRecord;
use crate::turn::workers::job;

/// A claim this worker holds.
#[derive(Clone, Debug)]
pub(in crate::turn::workers) struct Held {
    /// The claim as pushed last.
    pub(in crate::turn::workers) record: ClaimRecord,
    /// Its commit (what the remote's claim ref must still point at).
    pub(in crate::turn::workers) sha: String,
    /// Whether a renewal found it taken over: the worker's work must not land.
    pub(in crate::turn::workers) lost: bool,
    /// How long its claim push took (milliseconds).
    pub(in crate::turn::workers) claim_ms: u64,
}

/// A claim won at a look at the remote, its task about to run.
pub(in crate::turn::workers::pool) struct Pending {
    pub(in crate::turn::workers::pool) task: String,
    pub(in crate::turn::workers::pool) found: crate::tasks::Task,
    pub(in crate::turn::workers::pool) slot: u32,
    pub(in crate::turn::workers::pool) claim: Held,
}

/// A finished worker of the pool, handed back by its thread.
pub(in crate::turn::workers) struct Back {
    pub(in crate::turn::workers) slot: u32,
    pub(in crate::turn::workers) task: String,
    pub(in crate::turn::workers) branch: String,
    pub(in crate::turn::workers) worktree: PathBuf,
    pub(in crate::turn::workers) ran: job::Ran,
    pub(in crate::turn::workers) shared: String,
    /// When it came back: its landing's time counts from here (trains it missed included).
    pub(in crate::turn::workers) landing_from: SystemTime,
    /// Its tip verified at an earlier look whose train did not land (not verified again).
    pub(in crate::turn::workers) verified: Option<String>,
    /// The trains it was on that the remote refused (the branch moved), in a row.
    pub(in crate::turn::workers) refused: Streak,
}
