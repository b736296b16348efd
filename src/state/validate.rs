//! The checks a state file must pass beyond its JSON types (`docs/state.md`): no key
//! twice in any object, a 1-based `iteration`, counters every JSON reader holds exactly, and
//! times in the one documented format.
//!
//! Pure: [`check_unique_keys`] reads the bytes (serde_json's `Value` would silently keep the last
//! of two equal keys), [`check_fields`] the deserialized [`State`].

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::state::State;

/// The largest `iteration` and `generation` accepted: 2^53 − 1, the largest integer every JSON
/// reader (JavaScript, jq) holds exactly. Far from `u64::MAX`, so no counter ever wraps.
pub(super) const MAX_COUNTER: u64 = (1 << 53) - 1;

/// Fails on the first object (at any depth) that holds a key twice, with serde_json's position
/// of the second occurrence; syntax errors come back as serde_json reports them.
pub(super) fn check_unique_keys(bytes: &[u8]) -> Result<(), serde_json::Error> {
    serde_json::from_slice::<UniqueKeys>(bytes).map(drop)
}

/// A field of a deserialized state that breaks the schema: the key and what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct FieldError {
    /// The top-level key.
    pub(super) field: &'static str,
    /// The message, naming the field.
    pub(super) message: String,
}

/// Checks the values serde cannot: `iteration` in 1..=[`MAX_COUNTER`], `generation` at most
/// [`MAX_COUNTER`], `last_update`, `lease_expires_at` and `limit_until` as UTC
/// `YYYY-MM-DDTHH:MM:SSZ` (or null).
pub(super) fn check_fields(state: &State) -> Result<(), FieldError> {
    let counter = |field: &'static str, value: u64, min: u64| {
        if (min..=MAX_COUNTER).contains(&value) {
            return Ok(());
        }
        Err(FieldError {
            field,
            message: format!(
                "field `{field}`: expected an integer from {min} to {MAX_COUNTER}, got {value}"
            ),
        })
    };
    counter("iteration", state.iteration, 1)?;
    if state.status == crate::state::Status::AwaitingApproval && state.approval.is_none() {
        return Err(FieldError {
            field: "approval",
            message: "field `approval`: a state `awaiting-approval` needs the `approval` object \
                      naming the waiting turn"
                .to_owned(),
        });
    }
    counter("generation", state.generation, 0)?;
    let times = [
        ("last_update", &state.last_update),
        ("lease_expires_at", &state.lease_expires_at),
        ("limit_until", &state.limit_until),
    ];
    for (field, value) in times {
        if let Some(text) = value.as_deref().filter(|t| !is_utc_seconds(t)) {
            return Err(FieldError {
                field,
                message: format!(
                    "field `{field}`: expected a UTC time `YYYY-MM-DDTHH:MM:SSZ` or null, got \
                     {text:?}"
                ),
            });
        }
    }
    Ok(())
}

/// Whether `text` is exactly `YYYY-MM-DDTHH:MM:SSZ` and a real date and time.
fn is_utc_seconds(text: &str) -> bool {
    const SHAPE: &[u8; 20] = b"dddd-dd-ddTdd:dd:ddZ";
    let bytes = text.as_bytes();
    let shaped = bytes.len() == SHAPE.len()
        && bytes.iter().zip(SHAPE).all(|(&b, &want)| match want {
            b'd' => b.is_ascii_digit(),
            _ => b == want,
        });
    shaped && humantime::parse_rfc3339(text).is_ok()
}

/// Deserializes any JSON value, failing on an object with a repeated key.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            map.next_value::<UniqueKeys>()?;
            seen.insert(key);
        }
        Ok(UniqueKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_none<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<UniqueKeys, D::Error> {
        IgnoredAny::deserialize(d).map(|_| UniqueKeys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(text: &str) -> (usize, usize, String) {
        let err = check_unique_keys(text.as_bytes()).expect_err("duplicate");
        (err.line(), err.column(), err.to_string())
    }

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        let (line, column, message) = position("{\n  \"status\": \"idle\",\n  \"status\": 1\n}");
        assert_eq!((line, column), (3, 10));
        assert!(message.starts_with("duplicate key `status`"), "{message}");
        let (line, _, message) = position("{\"x\": [{\"a\": 1,\n \"a\": 2}]}");
        assert_eq!(line, 2);
        assert!(message.starts_with("duplicate key `a`"), "{message}");
        let (_, _, message) = position(r#"{"k\u0065y": 1, "key": 2}"#);
        assert!(message.starts_with("duplicate key `key`"), "{message}");
    }

    #[test]
    fn unique_keys_and_any_values_pass() {
        let text =
            r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": null, "d": -1.5e3, "e": "s"}"#;
        check_unique_keys(text.as_bytes()).expect("unique");
    }

    #[test]
    fn utc_seconds_is_the_only_time_format() {
        for good in ["2026-11-21T10:04:05Z", "2024-02-29T23:59:59Z"] {
            assert!(is_utc_seconds(good), "{good}");
        }
        let bad = [
            "yesterday",
            "",
            "2026-11-21 10:04:05Z",
            "2026-11-21T10:04:05",
            "2026-11-21T10:04:05.5Z",
            "2026-11-21T10:04:05+00:00",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-21T24:00:00Z",
        ];
        for text in bad {
            assert!(!is_utc_seconds(text), "{text}");
        }
    }

    #[test]
    fn counters_and_times_are_checked() {
        let ok = State::default();
        assert_eq!(check_fields(&ok), Ok(()));
        let zero = State {
            iteration: 0,
            ..State::default()
        };
        let err = check_fields(&zero).expect_err("iteration 0");
        assert_eq!(err.field, "iteration");
        assert!(err.message.contains("got 0"), "{}", err.message);
        let wraps = State {
            generation: u64::MAX,
            ..State::default()
        };
        assert_eq!(
            check_fields(&wraps).expect_err("too big").field,
            "generation"
        );
        let edge = State {
            iteration: MAX_COUNTER,
            generation: MAX_COUNTER,
            ..State::default()
        };
        assert_eq!(check_fields(&edge), Ok(()));
        let lease = State {
            lease_expires_at: Some("soon".into()),
            ..State::default()
        };
        let err = check_fields(&lease).expect_err("bad time");
        assert_eq!(err.field, "lease_expires_at");
        assert!(err.message.contains("\"soon\""), "{}", err.message);
    }
}
