//! What a fresh read of the remote means for a claim this worker holds, or for a push whose
//! answer it did not get (docs/pool.md, "Lost answers" and "Landing"): pure decisions.
//!
//! A push can be applied on the remote while its answer is lost (a dropped connection, a
//! killed git): the pusher cannot tell an error from a rejection by the exit code alone. So
//! after any push that did not report success, the worker reads the ref back and calls
//! [`settle`]; and before each landing, it reads the shared head and the claim ref and calls
//! [`standing`].

use crate::pool::push::Expect;
use crate::tasks::Board;

/// What became of a push whose answer was an error or a rejection, from a later read of the
/// ref it updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Settled {
    /// The ref is what the push wrote: it was applied (its answer was lost).
    Applied,
    /// The ref is still what the push expected: it was not applied; trying again is safe.
    NotApplied,
    /// The ref is something else: someone else moved it; the claim is not ours.
    Overtaken,
}

/// Settles a push that updated a ref expecting `expected` to `pushed` (`None`: deleted it),
/// the ref now reading `found` (`None`: absent). A deletion whose ref is gone counts as
/// applied: either way the claim is no one's.
#[must_use]
pub(crate) fn settle(expected: &Expect, pushed: Option<&str>, found: Option<&str>) -> Settled {
    if found == pushed {
        return Settled::Applied;
    }
    match (expected, found) {
        (Expect::Absent, None) => Settled::NotApplied,
        (Expect::At(sha), Some(found)) if sha == found => Settled::NotApplied,
        _ => Settled::Overtaken,
    }
}

/// What a fresh read of the remote shows, for one task this worker claimed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seen<'a> {
    /// The tasks at the shared head just fetched.
    pub(crate) board: &'a Board,
    /// The claim id of the landing of this task on the shared head, if one is there: the
    /// `Baton-Task-Claim` trailer ([`crate::pool::claim::landed_claim`]) of the commit that
    /// added `done/<task>.md`.
    pub(crate) landed_by: Option<&'a str>,
    /// The task's claim ref as fetched with the head (a full SHA), `None` when absent.
    pub(crate) claim_ref: Option<&'a str>,
}

/// Where a claimed task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// The claim ref is ours and the task open at the head: run it, or land it (merge onto
    /// exactly this head and push, expecting this head and our claim commit).
    Proceed,
    /// Our landing is on the shared head: an earlier landing was applied and its answer lost.
    /// Nothing is left to do (the landing deleted the claim ref).
    Landed,
    /// The claim ref is not ours: the claim was taken over (or swept). Stop; do not land; keep
    /// any merge on `refs/baton/backup/<task>-<claim id>`.
    Lost,
    /// The claim is ours but the task is not open at the head (someone landed it before we
    /// claimed it from an older fetch, or a person moved or removed its file): release the
    /// claim, never land — a landing would move the task to done a second time — and keep
    /// any work on the backup ref.
    Gone,
}

/// Where `task` stands for the worker whose claim commit is `ours` under `claim_id`.
#[must_use]
pub(crate) fn standing(task: &str, ours: &str, claim_id: &str, seen: &Seen<'_>) -> Standing {
    if seen.landed_by == Some(claim_id) {
        Standing::Landed
    } else if seen.claim_ref != Some(ours) {
        Standing::Lost
    } else if !seen.board.open.contains_key(task) {
        Standing::Gone
    } else {
        Standing::Proceed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_back_settles_a_push() {
        let at = |s: &str| Expect::At(s.to_owned());
        assert_eq!(
            settle(&Expect::Absent, Some("n"), Some("n")),
            Settled::Applied
        );
        assert_eq!(
            settle(&Expect::Absent, Some("n"), None),
            Settled::NotApplied
        );
        assert_eq!(
            settle(&Expect::Absent, Some("n"), Some("x")),
            Settled::Overtaken
        );
        assert_eq!(settle(&at("o"), Some("n"), Some("o")), Settled::NotApplied);
        assert_eq!(settle(&at("o"), Some("n"), None), Settled::Overtaken);
        assert_eq!(settle(&at("o"), None, None), Settled::Applied, "a release");
        assert_eq!(settle(&at("o"), None, Some("o")), Settled::NotApplied);
    }

    #[test]
    fn a_claimed_task_proceeds_only_while_open_and_ours() {
        let board = Board::from_files([
            ("a.md".to_owned(), b"a".to_vec()),
            ("done/b.md".to_owned(), b"b".to_vec()),
        ]);
        let seen = |landed_by, claim_ref| Seen {
            board: &board,
            landed_by,
            claim_ref,
        };
        let id = "0123456789abcdef";
        assert_eq!(
            standing("a", "s", id, &seen(None, Some("s"))),
            Standing::Proceed
        );
        assert_eq!(
            standing("a", "s", id, &seen(None, Some("t"))),
            Standing::Lost
        );
        assert_eq!(standing("a", "s", id, &seen(None, None)), Standing::Lost);
        assert_eq!(
            standing("b", "s", id, &seen(Some(id), None)),
            Standing::Landed
        );
        assert_eq!(
            standing("b", "s", id, &seen(Some("ffffffffffffffff"), Some("s"))),
            Standing::Gone,
            "landed by another claim before ours"
        );
        assert_eq!(
            standing("gone", "s", id, &seen(None, Some("s"))),
            Standing::Gone
        );
    }
}
