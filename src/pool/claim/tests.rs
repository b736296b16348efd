use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pretty_assertions::assert_eq;
use proptest::prelude::*;

use super::*;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn holder() -> Holder {
    Holder::new("build-3", 4242, "0b1c2d3e-aaaa-bbbb-cccc-0123456789ab/991").expect("holder")
}

fn record() -> ClaimRecord {
    ClaimRecord::new(
        "fix-parser",
        holder(),
        "ralph-2",
        at(1_750_000_000),
        "0123456789abcdef",
    )
    .expect("record")
}

#[test]
fn a_claim_commit_message_is_the_documented_one() {
    assert_eq!(
        record().message(),
        "[CLAIM] fix-parser by ralph-2@build-3\n\
         \n\
         Baton-Task: fix-parser\n\
         Baton-Holder: build-3:4242:0b1c2d3e-aaaa-bbbb-cccc-0123456789ab/991\n\
         Baton-Worker: ralph-2\n\
         Baton-Lease: 2025-06-15T15:06:40Z\n\
         Baton-Claim: 0123456789abcdef\n"
    );
    let read = ClaimRecord::parse(&record().message()).expect("parses");
    assert_eq!(read, record());
    assert_eq!((read.task(), read.worker()), ("fix-parser", "ralph-2"));
    assert_eq!(read.subject(), "[CLAIM] fix-parser by ralph-2@build-3");
}

#[test]
fn a_host_may_hold_colons_and_the_holder_still_reads_back() {
    let v6 = Holder::new("fe80::1", 7, "boot/1").expect("holder");
    assert_eq!(v6.to_string(), "fe80::1:7:boot/1");
    let r = ClaimRecord::new("a", v6.clone(), "w", at(0), "ffffffffffffffff").expect("record");
    let back = ClaimRecord::parse(&r.message()).expect("parses");
    assert_eq!(back.holder(), &v6);
    assert_eq!(back.holder().host(), "fe80::1");
    assert_eq!((back.holder().pid(), back.holder().start()), (7, "boot/1"));
}

#[test]
fn leases_are_whole_seconds_and_end_at_their_second() {
    let lease = Duration::from_secs(600);
    let now = at(1_000) + Duration::from_millis(999);
    let renewed = record().renewed(now, lease);
    assert_eq!(renewed.lease_until(), at(1_600), "cut to the second below");
    assert_eq!(
        renewed.claim_id(),
        record().claim_id(),
        "a renewal keeps its id"
    );
    assert_eq!(ClaimRecord::parse(&renewed.message()), Ok(renewed.clone()));
    assert!(!renewed.expired(at(1_599) + Duration::from_millis(999)));
    assert!(renewed.expired(at(1_600)));
    let far = record().renewed(at(LAST_SECOND), Duration::MAX);
    assert_eq!(far.lease_until(), at(LAST_SECOND), "held within 9999");
    assert_eq!(ClaimRecord::parse(&far.message()), Ok(far));
    let sub = ClaimRecord::new(
        "a",
        holder(),
        "w",
        at(5) + Duration::from_nanos(1),
        "0000000000000000",
    );
    assert_eq!(sub.map(|r| r.lease_until()), Ok(at(5)));
}

#[test]
fn invalid_fields_are_refused_when_built() {
    let h = holder;
    let id = "0123456789abcdef";
    assert!(ClaimRecord::new("a/b", h(), "w", at(0), id).is_err());
    assert!(ClaimRecord::new("a", h(), "w x", at(0), id).is_err());
    assert!(ClaimRecord::new("a", h(), "w", at(0), "0123456789ABCDEF").is_err());
    assert!(ClaimRecord::new("a", h(), "w", at(0), "0123").is_err());
    assert!(ClaimRecord::new("a", h(), "w", at(LAST_SECOND + 1), id).is_err());
    assert!(ClaimRecord::new("a", h(), "w", UNIX_EPOCH - Duration::from_secs(1), id).is_err());
    assert!(Holder::new("", 1, "s").is_err());
    assert!(Holder::new("my host", 1, "s").is_err());
    assert!(Holder::new("h", 1, "a:b").is_err());
    assert!(Holder::new("h", 1, "").is_err());
}

#[test]
fn anything_but_an_exact_claim_message_is_refused() {
    let good = record().message();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "empty"),
        (
            "[CLAIM] fix-parser by ralph-2@build-3".into(),
            "no trailers",
        ),
        (
            good.replace("[CLAIM] fix-parser", "[CLAIM] other"),
            "subject",
        ),
        (good.replace("\n\n", "\nbody\n\n"), "a body"),
        (good.replace("\n\n", "\n\nbody\n\n"), "a second paragraph"),
        (
            good.replace("Baton-Worker: ralph-2\n", ""),
            "missing worker",
        ),
        (
            good.replace(
                "Baton-Task: fix-parser\n",
                "Baton-Task: fix-parser\nBaton-Task: fix-parser\n",
            ),
            "repeated",
        ),
        (
            good.replace("2025-06-15T15:06:40Z", "2025-06-15T15:06:40.5Z"),
            "fraction",
        ),
        (
            good.replace("2025-06-15T15:06:40Z", "2025-06-15 15:06:40Z"),
            "space",
        ),
        (
            good.replace("2025-06-15T15:06:40Z", "2025-02-30T15:06:40Z"),
            "no such day",
        ),
        (
            good.replace("2025-06-15T15:06:40Z", "2025-06-15T23:59:60Z"),
            "leap second",
        ),
        (
            good.replace("2025-06-15T15:06:40Z", "1969-06-15T15:06:40Z"),
            "before 1970",
        ),
        (good.replace(":4242:", ":04242:"), "pid with a zero"),
        (good.replace(":4242:", ":-1:"), "negative pid"),
        (good.replace(":4242:", ":99999999999:"), "pid too large"),
        (
            good.replace(
                "Baton-Claim: 0123456789abcdef",
                "Baton-Claim: 0123456789abcde",
            ),
            "short id",
        ),
        (good.replace("Baton-Claim: ", "Baton-Claim:"), "no space"),
        (
            good.replace("Baton-Claim: ", "Baton-Claim:  "),
            "two spaces",
        ),
        (good.replace('\n', "\r\n"), "CRLF"),
        (
            good.replace("fix-parser\nBaton-Holder", "fix-parser \nBaton-Holder"),
            "trailing space",
        ),
    ];
    for (message, why) in cases {
        assert!(ClaimRecord::parse(&message).is_err(), "{why}: {message:?}");
    }
    let extra = good.replace("Baton-Claim:", "Baton-Future: yes\nBaton-Claim:");
    assert_eq!(
        ClaimRecord::parse(&extra),
        Ok(record()),
        "unknown trailers are allowed"
    );
    assert_eq!(
        ClaimRecord::parse(good.trim_end()),
        Ok(record()),
        "no final newline"
    );
}

#[test]
fn slots_are_an_optional_last_trailer_kept_by_renewals_and_read_strictly() {
    let with = record().with_slots(4).expect("slots");
    assert_eq!(with.slots(), Some(4));
    assert_eq!(record().slots(), None, "a claim of an older writer");
    assert_eq!(
        with.message(),
        format!("{}Baton-Slots: 4\n", record().message()),
        "after the five trailers an older reader knows"
    );
    assert_eq!(ClaimRecord::parse(&with.message()), Ok(with.clone()));
    let renewed = with.renewed(at(1_000), Duration::from_secs(600));
    assert_eq!(renewed.slots(), Some(4), "a renewal keeps them");
    assert!(renewed.message().ends_with("Baton-Slots: 4\n"));
    assert!(record().with_slots(0).is_err());
    let good = with.message();
    let moved = good
        .replace("Baton-Slots: 4\n", "")
        .replace("Baton-Task:", "Baton-Slots: 4\nBaton-Task:");
    assert_eq!(
        ClaimRecord::parse(&moved),
        Ok(with.clone()),
        "anywhere among the trailers"
    );
    for (bad, why) in [
        ("Baton-Slots: 0", "zero"),
        ("Baton-Slots: 04", "a leading zero"),
        ("Baton-Slots: -4", "negative"),
        ("Baton-Slots: four", "not a number"),
        ("Baton-Slots: 4294967296", "too large"),
        ("Baton-Slots: 4\nBaton-Slots: 4", "repeated"),
    ] {
        let message = good.replace("Baton-Slots: 4", bad);
        assert!(ClaimRecord::parse(&message).is_err(), "{why}: {message:?}");
    }
}

#[test]
fn a_landing_names_its_claim_in_its_last_paragraph() {
    let message = format!(
        "[LAND i=3] ralph-2: task a (baton/ralph-2/a)\n\nBaton-Task: a\n{}",
        landing_trailer("0123456789abcdef")
    );
    assert_eq!(landed_claim(&message), Some("0123456789abcdef"));
    assert_eq!(
        landed_claim("x\n\nBaton-Task-Claim: 1\n\nSigned-off-by: me"),
        None
    );
    assert_eq!(
        landed_claim("Baton-Task-Claim: 1"),
        None,
        "a subject is no trailer"
    );
}

fn any_record() -> impl Strategy<Value = ClaimRecord> {
    (
        "[a-z0-9][a-z0-9._-]{0,20}",
        "[a-zA-Z0-9:.-]{1,30}",
        any::<u32>(),
        "[a-z0-9/-]{1,40}",
        "[a-z][a-z0-9-]{0,10}",
        0u64..=LAST_SECOND,
        "[0-9a-f]{16}",
        prop::option::of(any::<u32>()),
    )
        .prop_filter_map(
            "valid",
            |(task, host, pid, start, worker, secs, id, slots)| {
                let holder = Holder::new(&host, pid, &start).ok()?;
                let record = ClaimRecord::new(&task, holder, &worker, at(secs), &id).ok()?;
                match slots {
                    Some(n) => record.with_slots(n).ok(),
                    None => Some(record),
                }
            },
        )
}

proptest! {
    /// Every record reads back from its message as itself.
    #[test]
    fn every_record_reads_back(record in any_record()) {
        prop_assert_eq!(ClaimRecord::parse(&record.message()), Ok(record));
    }

    /// Whatever the bytes, the reader answers without panicking, and whatever it accepts
    /// writes back as the same claim.
    #[test]
    fn the_reader_never_panics(message in "\\PC{0,300}") {
        if let Ok(record) = ClaimRecord::parse(&message) {
            prop_assert_eq!(ClaimRecord::parse(&record.message()), Ok(record));
        }
    }

    /// A real message with one character changed, removed or added is refused or reads as a
    /// valid record (never a panic).
    #[test]
    fn damaged_messages_never_panic(
        record in any_record(),
        at in any::<prop::sample::Index>(),
        with in any::<char>(),
        how in 0u8..3,
    ) {
        let mut chars: Vec<char> = record.message().chars().collect();
        let i = at.index(chars.len());
        match how {
            0 => chars[i] = with,
            1 => { chars.remove(i); }
            _ => chars.insert(i, with),
        }
        let damaged: String = chars.into_iter().collect();
        if let Ok(read) = ClaimRecord::parse(&damaged) {
            prop_assert_eq!(ClaimRecord::parse(&read.message()), Ok(read));
        }
    }
}
