//! Durations as written in the config and on the command line: `500ms`, `30s`, `10m`, `2h`,
//! fractions allowed (`0.5s`), and `0` for zero.
//!
//! Parsing is exact decimal arithmetic (no floating point), so `0.1s` is exactly 100 ms and
//! [`format_duration`] output parses back to the same value.

use std::time::Duration;

/// Nanoseconds per unit, longest suffix first so `ms` is tried before `m`.
const UNITS: [(&str, u128); 4] = [
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

const NANOS_PER_SEC: u128 = 1_000_000_000;
const NANOS_PER_MILLI: u128 = 1_000_000;

/// Parses `500ms`, `30s`, `1.5s`, `10m`, `2h`, `0`.
///
/// A number (digits, optionally a `.` and more digits) followed by a unit (`ms`, `s`, `m`, `h`,
/// case-insensitive, spaces allowed in between); the bare number `0` needs no unit. Fractions
/// below a nanosecond are truncated.
///
/// # Errors
/// A message naming the bad text and the accepted forms (negative, empty, no unit, unknown unit,
/// or too large).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    parse_nanos(text.trim())
        .and_then(nanos_to_duration)
        .ok_or_else(|| {
            format!(
                "invalid duration `{text}` (expected a number with a unit: 500ms, 30s, 1.5s, \
                 10m, 2h, or 0)"
            )
        })
}

/// The duration in nanoseconds, or `None` when `text` is not a valid duration.
fn parse_nanos(text: &str) -> Option<u128> {
    if text == "0" {
        return Some(0);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let per_unit = UNITS.iter().find(|(name, _)| *name == unit)?.1;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if number.contains('.') && fraction.is_empty() {
        return None;
    }
    let whole_nanos = whole.parse::<u128>().ok()?.checked_mul(per_unit)?;
    whole_nanos.checked_add(fraction_nanos(fraction, per_unit)?)
}

/// `0.<fraction>` units in nanoseconds (truncated below one nanosecond).
fn fraction_nanos(fraction: &str, per_unit: u128) -> Option<u128> {
    // Digits past the 18th cannot change the result (units are at most 3.6e12 ns).
    let digits = &fraction[..fraction.len().min(18)];
    if digits.is_empty() {
        return Some(0);
    }
    let numerator = digits.parse::<u128>().ok()?;
    let scale = 10u128.pow(u32::try_from(digits.len()).ok()?);
    Some(numerator * per_unit / scale)
}

fn nanos_to_duration(nanos: u128) -> Option<Duration> {
    let secs = u64::try_from(nanos / NANOS_PER_SEC).ok()?;
    let sub = u32::try_from(nanos % NANOS_PER_SEC).ok()?;
    Some(Duration::new(secs, sub))
}

/// Formats a duration the way the config writes it (`90m`, `2s`, `500ms`).
///
/// The shortest exact form: whole hours, minutes or seconds when exact, else milliseconds
/// (`1500ms`), else fractional milliseconds (`0.25ms`); zero is `0`.
#[must_use]
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0".to_owned();
    }
    if !nanos.is_multiple_of(NANOS_PER_SEC) {
        let millis = nanos / NANOS_PER_MILLI;
        let rest = nanos % NANOS_PER_MILLI;
        if rest == 0 {
            return format!("{millis}ms");
        }
        let fraction = format!("{rest:06}");
        return format!("{millis}.{}ms", fraction.trim_end_matches('0'));
    }
    let secs = d.as_secs();
    match () {
        () if secs.is_multiple_of(3600) => format!("{}h", secs / 3600),
        () if secs.is_multiple_of(60) => format!("{}m", secs / 60),
        () => format!("{secs}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_fraction() {
        let cases = [
            ("500ms", Duration::from_millis(500)),
            ("30s", Duration::from_secs(30)),
            ("1.5s", Duration::from_millis(1500)),
            ("0.25s", Duration::from_millis(250)),
            ("0.1s", Duration::from_millis(100)),
            ("10m", Duration::from_secs(600)),
            ("2h", Duration::from_secs(7200)),
            ("0", Duration::ZERO),
            ("0s", Duration::ZERO),
            (" 10 M ", Duration::from_secs(600)),
            ("1.0000000001s", Duration::from_secs(1)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn rejects_bad_text_with_a_message_naming_it() {
        for text in [
            "", "-1s", "10", "1.5", "10x", "s", ".5s", "1.s", "1..2s", "1e3s", "1d",
        ] {
            let err = parse_duration(text).expect_err(text);
            assert!(err.contains(&format!("`{text}`")), "{err}");
            assert!(err.contains("500ms, 30s"), "{err}");
        }
        assert!(parse_duration("99999999999999999999h").is_err());
    }

    #[test]
    fn formats_the_shortest_exact_form() {
        let cases = [
            (Duration::from_secs(5400), "90m"),
            (Duration::from_secs(2), "2s"),
            (Duration::from_millis(1500), "1500ms"),
            (Duration::from_secs(7200), "2h"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_micros(250), "0.25ms"),
            (Duration::ZERO, "0"),
        ];
        for (d, want) in cases {
            assert_eq!(format_duration(d), want);
            assert_eq!(parse_duration(want), Ok(d), "round trip of {want}");
        }
    }
}
