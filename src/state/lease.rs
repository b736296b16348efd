//! The running turn's lease as people read it (`baton status`, `baton watch`): who holds it and
//! how long it has left, from `lease_owner` and `lease_expires_at`.

use std::time::SystemTime;

use crate::state::State;

impl State {
    /// Seconds until the lease ends (negative once expired), when a lease is set and its
    /// expiry parses.
    #[must_use]
    pub(crate) fn lease_remaining(&self) -> Option<i64> {
        let expires = humantime::parse_rfc3339(self.lease_expires_at.as_deref()?).ok()?;
        let secs = match expires.duration_since(SystemTime::now()) {
            Ok(left) => i64::try_from(left.as_secs()).ok()?,
            Err(past) => -i64::try_from(past.duration().as_secs()).ok()?,
        };
        Some(secs)
    }

    /// `<owner>, expires in 540s` (or `expired 12s ago`, `no expiry`); `None` without an
    /// owner.
    #[must_use]
    pub(crate) fn lease_text(&self) -> Option<String> {
        let owner = self.lease_owner.as_deref()?;
        let left = match self.lease_remaining() {
            Some(r) if r < 0 => format!("expired {}s ago", -r),
            Some(r) => format!("expires in {r}s"),
            None => "no expiry".to_owned(),
        };
        Some(format!("{owner}, {left}"))
    }
}
