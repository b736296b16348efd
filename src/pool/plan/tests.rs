use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pretty_assertions::assert_eq;

use super::*;

const LEASE: Duration = Duration::from_secs(600);

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn board(files: &[(&str, &str)]) -> Board {
    Board::from_files(
        files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec())),
    )
}

fn holder(pid: u32) -> Holder {
    Holder::new("h", pid, "boot/1").expect("holder")
}

fn claim_ref(task: &str, sha: &str, until: u64) -> ClaimRef {
    let record = ClaimRecord::new(task, holder(9), "w", at(until), "0123456789abcdef");
    ClaimRef {
        sha: sha.to_owned(),
        record: Some(record.expect("record")),
        ended: false,
    }
}

fn tasks(plan: &Plan) -> Vec<&str> {
    plan.attempts.iter().map(|a| a.task.as_str()).collect()
}

#[test]
fn free_fresh_and_expired_tasks_are_tried_and_live_claims_left_alone() {
    let b = board(&[("a.md", "a"), ("b.md", "b"), ("c.md", "c"), ("d.md", "d")]);
    let claims = BTreeMap::from([
        ("b".to_owned(), claim_ref("b", "sb", 1_000)),
        ("c".to_owned(), claim_ref("c", "sc", 999)),
        (
            "d".to_owned(),
            ClaimRef {
                sha: "sd".to_owned(),
                record: None,
                ended: false,
            },
        ),
    ]);
    let view = View {
        board: &b,
        claims: &claims,
        now: at(999),
        lease: LEASE,
    };
    let p = plan(&view, &holder(1), &BTreeSet::new(), 1);
    let mut found = p.attempts.clone();
    found.sort_by(|x, y| x.task.cmp(&y.task));
    let take_over = |sha: &str| Claim::TakeOver {
        stale_sha: sha.to_owned(),
    };
    assert_eq!(
        found,
        [
            Attempt {
                task: "a".into(),
                claim: Claim::Fresh
            },
            Attempt {
                task: "c".into(),
                claim: take_over("sc")
            },
            Attempt {
                task: "d".into(),
                claim: take_over("sd")
            },
        ],
        "b's lease runs to 1000; c's ended at 999; d's ref is garbage"
    );
    assert!(p.sweep.is_empty());
    assert_eq!(
        Claim::Fresh.expect(),
        Expect::Absent,
        "a fresh claim expects no ref"
    );
    assert_eq!(take_over("sc").expect(), Expect::At("sc".into()));
    let busy = BTreeSet::from(["a".to_owned()]);
    assert!(!tasks(&plan(&view, &holder(1), &busy, 1)).contains(&"a"));
    assert!(
        plan(&view, &holder(1), &BTreeSet::new(), 0)
            .attempts
            .is_empty()
    );
}

#[test]
fn a_lease_beyond_two_leases_is_over_and_stale_claims_of_closed_tasks_are_swept() {
    let b = board(&[("a.md", "a"), ("done/old.md", "x")]);
    let now = 10_000;
    let claims = BTreeMap::from([
        ("a".to_owned(), claim_ref("a", "sa", now + 1_201)),
        ("old".to_owned(), claim_ref("old", "so", now)),
        ("live".to_owned(), claim_ref("live", "sl", now + 1)),
    ]);
    let view = View {
        board: &b,
        claims: &claims,
        now: at(now),
        lease: LEASE,
    };
    let p = plan(&view, &holder(1), &BTreeSet::new(), 1);
    assert_eq!(
        p.attempts,
        [Attempt {
            task: "a".into(),
            claim: Claim::TakeOver {
                stale_sha: "sa".into()
            }
        }]
    );
    assert_eq!(
        p.sweep,
        [Sweep {
            task: "old".into(),
            sha: "so".into()
        }],
        "a live claim on a task this head does not have may be newer than the head"
    );
    assert!(!claim_ref("a", "s", now + 1_200).is_over(at(now), LEASE));
}

#[test]
fn tasks_others_wait_for_come_first_and_workers_start_at_different_tasks() {
    let b = board(&[
        ("a.md", "a"),
        ("b.md", "b"),
        ("c.md", "c"),
        ("d.md", "d"),
        ("e.md", "depends: [c]\n"),
        ("f.md", "depends: [e]\n"),
        ("g.md", "depends: [d]\n"),
    ]);
    let claims = BTreeMap::new();
    let view = View {
        board: &b,
        claims: &claims,
        now: at(0),
        lease: LEASE,
    };
    let mut firsts = BTreeSet::new();
    for pid in 0..40 {
        let p = plan(&view, &holder(pid), &BTreeSet::new(), 2);
        let order = tasks(&p);
        assert_eq!(order[0], "c", "two tasks wait for c");
        assert_eq!(order[1], "d", "one waits for d");
        let mut rest = order[2..].to_vec();
        rest.sort_unstable();
        assert_eq!(rest, ["a", "b"]);
        firsts.insert(order[2].to_owned());
        assert_eq!(p, plan(&view, &holder(pid), &BTreeSet::new(), 2), "stable");
    }
    assert_eq!(firsts.len(), 2, "the ties are spread over the workers");
}

#[test]
fn renewals_fall_due_a_third_of_a_lease_after_each_other() {
    let r = claim_ref("a", "s", 1_600).record.expect("record");
    assert!(!renew_due(&r, at(1_199), LEASE));
    assert!(renew_due(&r, at(1_200), LEASE));
    assert!(renew_due(&r, at(5_000), LEASE));
}

#[test]
fn a_renewal_due_waits_for_a_push_only_while_more_than_half_the_lease_is_left() {
    // LEASE is 600 s: the lease set at 1_000 ends at 1_600, due at 1_200.
    let r = claim_ref("a", "s", 1_600).record.expect("record");
    assert!(renew_may_wait(&r, at(1_200), LEASE));
    assert!(renew_may_wait(&r, at(1_299), LEASE));
    assert!(!renew_may_wait(&r, at(1_300), LEASE), "half left");
    assert!(!renew_may_wait(&r, at(1_700), LEASE), "over");
}
