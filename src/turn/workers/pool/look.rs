//! A pool worker's look at the remote: one fetch of the shared branch and the claims, a failure
//! of which (a ref lock another git held, the network, a remote restarting) is tried again at
//! the next look until looks have failed for long enough.

use std::time::Duration;

use super::streak::Streak;
use crate::error::Result;
use crate::git::Remote;
use crate::pool::refs;
use crate::turn::Session;

impl Session {
    /// Fetches the shared branch and the claims for one look at the remote: `true` when it
    /// did; `false` (with a warning) when it failed, until looks have failed [`LOOKS_TRIED`]
    /// times in a row over at least [`LOOKS_FOR`].
    ///
    /// # Errors
    /// The fetch's error once looks failed that often for that long.
    pub(super) fn look(&self, remote: &Remote, branch: &str, failing: &mut Streak) -> Result<bool> {
        match remote.fetch_with(branch, &refs::claims_fetch_spec(remote.name())) {
            Ok(()) => {
                *failing = Streak::default();
                Ok(true)
            }
            Err(e) => {
                if failing.failed(LOOKS_TRIED, LOOKS_FOR) {
                    return Err(e.into());
                }
                warn_line!(self.events, "[pool] fetching {branch} and the claims: {e}");
                Ok(false)
            }
        }
    }
}

/// How many looks at the remote in a row may fail before the worker gives up …
const LOOKS_TRIED: u32 = 5;
/// … once they have failed for this long (a network blip, a remote restarting).
const LOOKS_FOR: Duration = Duration::from_secs(60);
