//! A lease's end as the `Baton-Lease` trailer writes it: `YYYY-MM-DDTHH:MM:SSZ`, UTC, whole
//! seconds, from 1970 to 9999.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{ClaimError, invalid};

/// The last second a lease may end in: `9999-12-31T23:59:59Z` (four-digit years only).
pub(super) const LAST_SECOND: u64 = 253_402_300_799;

/// The whole second at or before `at`, held within 1970–9999.
pub(super) fn whole_second(at: SystemTime) -> SystemTime {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs.min(LAST_SECOND))
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC) of [`whole_second`]`(at)`.
pub(super) fn format_lease(at: SystemTime) -> String {
    // Within 1970–9999 humantime formats without failing.
    humantime::format_rfc3339_seconds(whole_second(at)).to_string()
}

/// Reads exactly `YYYY-MM-DDTHH:MM:SSZ`: a real UTC time from 1970 to 9999 written as
/// [`format_lease`] writes it (no fraction, no offset, no leap second).
pub(super) fn parse_lease(text: &str) -> Result<SystemTime, ClaimError> {
    let bad = || invalid("lease", text, "`YYYY-MM-DDTHH:MM:SSZ` (UTC)");
    let shaped = text.len() == 20
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(bad());
    }
    let at = humantime::parse_rfc3339(text).map_err(|_| bad())?;
    if format_lease(at) != text {
        return Err(bad());
    }
    Ok(at)
}
