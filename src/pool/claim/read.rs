//! The one reader of a claim commit's message (module docs of [`super`]): strict, and never
//! panicking, whatever the bytes.

use super::lease::parse_lease;
use super::{CLAIM, ClaimError, ClaimRecord, HOLDER, Holder, LEASE, SLOTS, TASK, WORKER, invalid};

impl ClaimRecord {
    /// Reads a claim commit's message, strictly (module docs); trailing newlines are ignored.
    /// Never panics, whatever the input.
    ///
    /// # Errors
    /// [`ClaimError`] saying what is wrong first.
    pub(crate) fn parse(message: &str) -> Result<ClaimRecord, ClaimError> {
        let text = message.trim_end_matches('\n');
        let (subject, trailers) = text
            .split_once("\n\n")
            .ok_or(ClaimError::Shape("no blank line before the trailers"))?;
        if subject.contains('\n') {
            return Err(ClaimError::Shape("more than one line before the trailers"));
        }
        let mut found: [Option<&str>; 6] = [None; 6];
        let keys = [TASK, HOLDER, WORKER, LEASE, CLAIM, SLOTS];
        for line in trailers.split('\n') {
            let (key, value) = line
                .split_once(": ")
                .filter(|(key, _)| is_trailer_key(key))
                .ok_or(ClaimError::Shape(
                    "a line of the trailers is not `Key: value`",
                ))?;
            if let Some(at) = keys.iter().position(|k| *k == key)
                && found[at].replace(value).is_some()
            {
                return Err(ClaimError::Repeated(keys[at]));
            }
        }
        let [task, holder, worker, lease, claim, slots] = found;
        let mut record = ClaimRecord::new(
            task.ok_or(ClaimError::Missing(TASK))?,
            Holder::parse(holder.ok_or(ClaimError::Missing(HOLDER))?)?,
            worker.ok_or(ClaimError::Missing(WORKER))?,
            parse_lease(lease.ok_or(ClaimError::Missing(LEASE))?)?,
            claim.ok_or(ClaimError::Missing(CLAIM))?,
        )?;
        if let Some(slots) = slots {
            record = record.with_slots(parse_slots(slots)?)?;
        }
        let expected = record.subject();
        if subject != expected {
            return Err(ClaimError::Subject {
                found: subject.chars().take(80).collect(),
                expected,
            });
        }
        Ok(record)
    }
}

/// A trailer key as git reads one: ASCII letters, digits and `-`.
fn is_trailer_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `Baton-Slots`' value: a decimal number without a leading zero that fits a `u32`.
fn parse_slots(text: &str) -> Result<u32, ClaimError> {
    text.parse::<u32>()
        .ok()
        .filter(|n| n.to_string() == text)
        .ok_or_else(|| invalid("slots", text, "a decimal number of slots"))
}
