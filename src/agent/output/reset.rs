//! Reset times as agents write them, resolved to an instant.
//!
//! Forms read (matched without regard to case):
//! - wall-clock times, optionally with a date and an IANA zone in parentheses — Claude Code's
//!   `4:20am (Europe/Warsaw)`, `4am (Europe/Warsaw)`, `Feb 7, 11am (Asia/Seoul)`,
//!   `Nov 24, 2026, 4:20pm (UTC)`; codex's `4:20 PM` and `Nov 24th, 2025 1:36 PM` (no zone:
//!   codex prints the local time of its own process, which runs on this machine);
//! - ISO dates: `2026-04-01 at 00:00 UTC`;
//! - durations: `2 hours 5 minutes`, `5 days 22 hours 11 minutes`, `2h 30m`, `42s`, `900ms`,
//!   `less than a minute`.
//!
//! A time without a date is the next such time (within 10 minutes in the past it still counts
//! as today: the limit is lifting); a date without a year is this year's unless that is more
//! than a day past. Zones are looked up in the system's tz database, falling back to the copy
//! bundled with `jiff`; an unknown zone gives no reset time rather than a guess.

use std::time::{Duration, SystemTime};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// How far in the past a date-less reset time may lie and still mean today.
const GRACE: SignedDuration = SignedDuration::from_mins(10);

/// The clock and local time zone that reset times are resolved with.
#[derive(Clone, Debug)]
pub(crate) struct Clock {
    now: Option<Timestamp>,
    local: TimeZone,
}

impl Clock {
    /// The system clock and the system's time zone (`TZ`, `/etc/localtime`; UTC if unknown).
    pub(crate) fn system() -> Self {
        Self {
            now: None,
            local: TimeZone::system(),
        }
    }

    /// A clock stopped at `unix_secs`, in the IANA zone `local`.
    ///
    /// # Panics
    /// If `unix_secs` or `local` is invalid (test inputs).
    #[cfg(test)]
    pub(crate) fn fixed(unix_secs: i64, local: &str) -> Self {
        Self {
            now: Some(Timestamp::from_second(unix_secs).expect("a valid test instant")),
            local: TimeZone::get(local).expect("a known test zone"),
        }
    }

    fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(Timestamp::now)
    }

    /// Now plus `d`.
    pub(super) fn after(&self, d: Duration) -> Option<SystemTime> {
        SystemTime::from(self.now()).checked_add(d)
    }
}

/// `unix_secs` as an instant.
pub(super) fn unix(unix_secs: u64) -> Option<SystemTime> {
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(unix_secs))
}

/// An RFC 3339 timestamp (`2026-10-10T13:00:00+09:00`).
pub(super) fn rfc3339(s: &str) -> Option<SystemTime> {
    s.trim().parse::<Timestamp>().ok().map(SystemTime::from)
}

/// The rest of `hay` after the first occurrence of `needle` (ASCII case-insensitive).
pub(super) fn after_ci<'a>(hay: &'a str, needle: &str) -> Option<&'a str> {
    // ASCII lowercasing keeps every byte offset, so the index is valid in `hay`.
    let at = hay
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())?;
    hay.get(at + needle.len()..)
}

/// A duration at the start of `s` (see the module docs for the forms).
pub(super) fn duration(s: &str) -> Option<Duration> {
    let s = s.trim_start();
    if s.get(..18)
        .is_some_and(|w| w.eq_ignore_ascii_case("less than a minute"))
    {
        return Some(Duration::from_secs(60));
    }
    let mut rest = s;
    let mut total = 0.0_f64;
    let mut parts = 0;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        rest = rest.strip_prefix("and ").unwrap_or(rest);
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let Ok(n) = rest[..digits].parse::<f64>() else {
            break;
        };
        let after = rest[digits..].trim_start();
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let secs = match after[..unit_len].to_ascii_lowercase().as_str() {
            "ms" | "millisecond" | "milliseconds" => 0.001,
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86400.0,
            _ => break,
        };
        total += n * secs;
        parts += 1;
        rest = &after[unit_len..];
    }
    if parts == 0 {
        return None;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// A wall-clock reset time at the start of `s`, resolved with `clock`.
pub(super) fn wall_time(s: &str, clock: &Clock) -> Option<SystemTime> {
    let s = s.trim_start();
    let (date, s) = match month_day(s) {
        Some((m, d, y, rest)) => (Some((m, d, y)), rest),
        None => (None, s),
    };
    let (hour, minute, rest) = clock_time(s)?;
    let tz = match zone(rest) {
        Some(name) => TimeZone::get(name).ok()?,
        None => clock.local.clone(),
    };
    let now = clock.now();
    let today = now.to_zoned(tz.clone()).date();
    let at = |day: Date| day.at(hour, minute, 0, 0).to_zoned(tz.clone()).ok();
    let resolved = match date {
        None => {
            let t = at(today)?;
            if t.timestamp() < now.checked_sub(GRACE).ok()? {
                at(today.tomorrow().ok()?)?
            } else {
                t
            }
        }
        Some((month, day, year)) => {
            let t = at(Date::new(year.unwrap_or(today.year()), month, day).ok()?)?;
            if year.is_none()
                && t.timestamp() < now.checked_sub(SignedDuration::from_hours(24)).ok()?
            {
                at(Date::new(today.year() + 1, month, day).ok()?)?
            } else {
                t
            }
        }
    };
    Some(SystemTime::from(resolved.timestamp()))
}

/// `2026-04-01 at 00:00 UTC` (also `2026-04-01T00:00`, `2026-04-01 00:00 (Europe/Paris)`): the
/// zone defaults to the local one.
pub(super) fn iso_date_time(s: &str, clock: &Clock) -> Option<SystemTime> {
    let s = s.trim_start();
    let date: Date = s.get(..10)?.parse().ok()?;
    let rest = s[10..].trim_start_matches(['T', ' ']);
    let rest = rest.strip_prefix("at ").unwrap_or(rest);
    let (hour, minute, rest) = clock_time(rest)?;
    let tz = match zone(rest) {
        Some(name) => TimeZone::get(name).ok()?,
        None => clock.local.clone(),
    };
    let zoned = date.at(hour, minute, 0, 0).to_zoned(tz).ok()?;
    Some(SystemTime::from(zoned.timestamp()))
}

/// `4:20am`, `4am`, `4:20 PM`, `16:20`: (hour 0–23, minute, rest). A bare number is no time.
fn clock_time(s: &str) -> Option<(i8, i8, &str)> {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let hour: i8 = s
        .get(..digits)
        .filter(|d| (1..=2).contains(&d.len()))?
        .parse()
        .ok()?;
    let mut rest = &s[digits..];
    let mut minute = None;
    if let Some(m) = rest.strip_prefix(':') {
        minute = Some(m.get(..2)?.parse::<i8>().ok()?);
        rest = &m[2..];
    }
    let trimmed = rest.trim_start();
    let meridiem = [("am", 0), ("a.m.", 0), ("pm", 12), ("p.m.", 12)]
        .into_iter()
        .find(|(word, _)| {
            trimmed
                .get(..word.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
        });
    let hour = match meridiem {
        Some((word, offset)) => {
            rest = &trimmed[word.len()..];
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour % 12 + offset
        }
        None if minute.is_some() && hour < 24 => hour,
        None => return None,
    };
    let minute = minute.unwrap_or(0);
    (minute < 60).then_some((hour, minute, rest))
}

/// `Nov 24`, `Nov 24th, 2025`, `Feb 7,`, `November 24 at`: (month, day, year, rest after the
/// separators before the time).
fn month_day(s: &str) -> Option<(i8, i8, Option<i16>, &str)> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let word_len = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    let word = s[..word_len].to_ascii_lowercase();
    let month = MONTHS
        .iter()
        .position(|m| word.len() >= 3 && word.starts_with(m))?;
    let rest = s[word_len..].trim_start_matches('.').trim_start();
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let day: i8 = rest.get(..digits).filter(|d| !d.is_empty())?.parse().ok()?;
    let mut rest = &rest[digits..];
    for suffix in ["st", "nd", "rd", "th"] {
        rest = rest.strip_prefix(suffix).unwrap_or(rest);
    }
    rest = rest.trim_start_matches([',', ' ']);
    let mut year = None;
    if rest.len() >= 4
        && rest.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && !rest[4..].starts_with(':')
    {
        year = rest[..4].parse().ok();
        rest = rest[4..].trim_start_matches([',', ' ']);
    }
    rest = rest.strip_prefix("at ").unwrap_or(rest);
    let month = i8::try_from(month + 1).ok()?;
    Some((month, day, year, rest))
}

/// A zone after a time: `(Europe/Warsaw)` or a bare `UTC`/`GMT`.
fn zone(s: &str) -> Option<&str> {
    let s = s.trim_start();
    if let Some(inner) = s.strip_prefix('(') {
        let name = &inner[..inner.find(')')?];
        return (!name.is_empty() && !name.contains(' ')).then_some(name);
    }
    ["UTC", "GMT"].into_iter().find_map(|z| {
        s.get(..3)
            .filter(|w| w.eq_ignore_ascii_case(z))
            .map(|_| if z == "UTC" { "UTC" } else { "Etc/GMT" })
    })
}
