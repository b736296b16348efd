use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pretty_assertions::assert_eq;

use super::*;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

const LEASE: Duration = Duration::from_secs(600);

fn seen(task: &str, message: &str) -> Seen {
    Seen {
        task: task.to_owned(),
        why: ClaimRecord::parse(message).err().map(|e| e.to_string()),
        claim: ClaimRef::read("0".repeat(40), message, &crate::process::Here::now()),
    }
}

fn claim(task: &str, host: &str, pid: u32, worker: &str, until: u64, slots: Option<u32>) -> String {
    let holder = Holder::new(host, pid, "boot/1").expect("holder");
    let record =
        ClaimRecord::new(task, holder, worker, at(until), "0123456789abcdef").expect("record");
    match slots {
        Some(n) => record.with_slots(n).expect("slots").message(),
        None => record.message(),
    }
}

/// Claims of two processes (one written before slots were recorded), a lease that ran out, one
/// too far ahead, and a ref whose commit is no claim at all.
fn pool() -> PoolView {
    let seen = [
        seen("a", &claim("a", "build-3", 4242, "ralph-1", 2_000, Some(2))),
        seen("b", &claim("b", "old-box", 7, "ralph-1", 1_000, None)),
        seen("c", &claim("c", "build-3", 4242, "ralph-2", 1_500, Some(2))),
        seen("far", &claim("far", "old-box", 7, "ralph-2", 99_999, None)),
        seen("junk", "planted\n\nby hand\n"),
        seen(
            "red",
            &claim("red", "h", 1, "w", 2_000, None).replace("[CLAIM] red by w@h", "\x1b[31mred"),
        ),
    ];
    let (workers, no_claim) = group(&seen, at(1_200), LEASE);
    PoolView {
        remote: "origin".to_owned(),
        workers,
        no_claim,
        checked_at: Some("2026-01-01T00:00:00Z".to_owned()),
        problem: None,
    }
}

#[test]
fn claims_are_grouped_by_their_holder_with_its_workers_slots_and_leases() {
    let view = pool();
    let holders: Vec<(&str, u32, Vec<&str>, Option<u32>)> = view
        .workers
        .iter()
        .map(|w| {
            let names = w.names.iter().map(String::as_str).collect();
            (w.host.as_str(), w.pid, names, w.slots)
        })
        .collect();
    assert_eq!(
        holders,
        [
            ("build-3", 4242, vec!["ralph-1", "ralph-2"], Some(2)),
            ("old-box", 7, vec!["ralph-1", "ralph-2"], None),
        ]
    );
    let leases: Vec<(&str, &str, bool, bool)> = view
        .workers
        .iter()
        .flat_map(|w| &w.claims)
        .map(|c| (c.task.as_str(), c.lease_until.as_str(), c.expired, c.over))
        .collect();
    assert_eq!(
        leases,
        [
            ("a", "1970-01-01T00:33:20Z", false, false),
            ("c", "1970-01-01T00:25:00Z", false, false),
            ("b", "1970-01-01T00:16:40Z", true, true),
            ("far", "1970-01-02T03:46:39Z", false, true),
        ]
    );
    let no_claim: Vec<(&str, &str)> = view
        .no_claim
        .iter()
        .map(|n| (n.task.as_str(), n.why.as_str()))
        .collect();
    assert_eq!(
        no_claim,
        [
            (
                "junk",
                "not a claim commit: a line of the trailers is not `Key: value`"
            ),
            (
                "red",
                "the claim's subject `\x1b[31mred` is not `[CLAIM] red by w@h`"
            ),
        ]
    );
    assert_eq!(view.refs(), 6);
    let mut renewed = pool();
    renewed.checked_at = None;
    assert!(renewed.same_claims(&view), "when it was read is no change");
    renewed.workers[0].claims[0].lease_until = "1970-01-01T00:40:00Z".to_owned();
    assert!(renewed.same_claims(&view), "nor is a renewal");
    renewed.workers[0].claims[0].expired = true;
    assert!(!renewed.same_claims(&view), "a lease that ran out is");
    let mut released = pool();
    released.workers[0].claims.pop();
    assert!(!released.same_claims(&view), "so is a claim gone");
}

#[test]
fn the_lines_say_each_worker_its_claims_and_the_refs_that_hold_none() {
    assert_eq!(
        lines(&pool()),
        [
            "6 claim(s) on origin by 2 worker(s)",
            "  build-3 pid 4242 (ralph-1, ralph-2): 2 slots, 2 claim(s)",
            "    task a by ralph-1, lease until 1970-01-01T00:33:20Z",
            "    task c by ralph-2, lease until 1970-01-01T00:25:00Z",
            "  old-box pid 7 (ralph-1, ralph-2): slots unknown, 2 claim(s)",
            "    task b by ralph-1, lease ran out at 1970-01-01T00:16:40Z",
            "    task far by ralph-2, lease until 1970-01-02T03:46:39Z (too far ahead: counts as over)",
            "  task junk: its claim ref holds no claim (counts as over): not a claim commit: a line \
             of the trailers is not `Key: value`",
            "  task red: its claim ref holds no claim (counts as over): the claim's subject ` [31mred` \
             is not `[CLAIM] red by w@h`",
        ]
    );
    let stale = PoolView {
        checked_at: None,
        problem: Some("`git fetch` timed out\nafter 2s".to_owned()),
        ..pool()
    };
    assert_eq!(
        lines(&stale)[0],
        "6 claim(s) on origin by 2 worker(s) (the fetch failed, as last fetched: `git fetch` \
         timed out after 2s)"
    );
    assert_eq!(lines(&PoolView::default()), Vec::<String>::new());
}

#[test]
fn the_claim_on_a_pool_workers_turn_reads_as_that_turn() {
    let turn = crate::pool::refs::TURN;
    let seen = [seen(
        turn,
        &claim(turn, "build-3", 4242, "galph", 2_000, Some(1)),
    )];
    let (workers, no_claim) = group(&seen, at(1_200), LEASE);
    assert!(no_claim.is_empty(), "{no_claim:?}");
    let view = PoolView {
        remote: "origin".to_owned(),
        workers,
        no_claim,
        checked_at: None,
        problem: None,
    };
    assert_eq!(
        lines(&view).last().map(String::as_str),
        Some("    galph's turn, lease until 1970-01-01T00:33:20Z")
    );
}
