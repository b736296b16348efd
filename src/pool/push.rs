//! Every push of the pool as data, and as the system git's arguments (docs/pool.md, "Pushes").
//!
//! Each update of a ref is a compare-and-swap: git's `--force-with-lease=<ref>:<expected>`
//! makes the remote apply it only while the ref is still at the expected commit (or absent,
//! for an empty expected value), and `--atomic` makes a landing's two updates one: both or
//! neither. The remote checks the lease under its ref lock, so two workers pushing at once
//! cannot both win.

use crate::pool::refs;

/// What a ref must be on the remote for an update to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// The ref must not exist (`--force-with-lease=<ref>:`).
    Absent,
    /// The ref must point at this commit, a full SHA (`--force-with-lease=<ref>:<sha>`).
    At(String),
    /// Anything: a forced update (`+<new>:<ref>`), only for backups, which no one else writes.
    Anything,
}

/// One ref update on the remote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RefUpdate {
    /// The full ref name on the remote (from [`refs`]).
    pub(crate) refname: String,
    /// The commit to point it at (a full SHA present in the local clone), or `None` to delete
    /// it.
    pub(crate) new: Option<String>,
    /// What the ref must be for the update to apply.
    pub(crate) expect: Expect,
}

/// A claim: the new claim commit `new` on the task's claim ref, expecting it absent (a fresh
/// claim) or at the stale claim commit it takes over.
#[must_use]
pub(crate) fn claim(task: &str, new: &str, expect: Expect) -> RefUpdate {
    RefUpdate {
        refname: refs::claim(task),
        new: Some(new.to_owned()),
        expect,
    }
}

/// A release without landing, or the sweep of a stale claim: delete the claim ref expecting
/// it at `sha`.
#[must_use]
pub(crate) fn release(task: &str, sha: &str) -> RefUpdate {
    RefUpdate {
        refname: refs::claim(task),
        new: None,
        expect: Expect::At(sha.to_owned()),
    }
}

/// The backup of a merge that lost its claim: `merge` on `refs/baton/backup/<task>-<claim
/// id>`, forced (the ref is this claim's alone).
#[must_use]
pub(crate) fn backup(task: &str, claim_id: &str, merge: &str) -> RefUpdate {
    RefUpdate {
        refname: refs::backup(task, claim_id),
        new: Some(merge.to_owned()),
        expect: Expect::Anything,
    }
}

/// A landing (a train of them): the shared branch to `merge`, the last of a chain of merges
/// made on `fetched_head` (one a task), and every task's claim deleted, each expecting the
/// lander's claim commit — one atomic push, so the branch moves only while every claim is
/// still ours. `claims` are `(task, our claim commit)` pairs; the branch update comes first.
/// A renewal is a [`claim`] expecting the holder's current claim commit.
#[must_use]
pub(crate) fn train(
    branch: &str,
    merge: &str,
    fetched_head: &str,
    claims: &[(&str, &str)],
) -> Vec<RefUpdate> {
    let mut updates = vec![RefUpdate {
        refname: refs::branch(branch),
        new: Some(merge.to_owned()),
        expect: Expect::At(fetched_head.to_owned()),
    }];
    updates.extend(claims.iter().map(|(task, ours)| release(task, ours)));
    updates
}

/// The arguments after `git` that push `updates` to `remote`: `push --porcelain`, `--atomic`
/// when there is more than one, a `--force-with-lease=<ref>:<expected>` for each leased
/// update, the remote, then one refspec each (`<sha>:<ref>`, `:<ref>` to delete, `+<sha>:<ref>`
/// forced). `--porcelain` prints one status line per ref, which says which lease failed.
#[must_use]
pub(crate) fn push_args(remote: &str, updates: &[RefUpdate]) -> Vec<String> {
    args_of(remote, updates, updates.len() > 1)
}

/// [`push_args`] without `--atomic`: each update is its own compare-and-swap, applied or
/// refused alone (a worker's claims and renewals of one look at the remote, in one push).
#[must_use]
pub(crate) fn push_each_args(remote: &str, updates: &[RefUpdate]) -> Vec<String> {
    args_of(remote, updates, false)
}

fn args_of(remote: &str, updates: &[RefUpdate], atomic: bool) -> Vec<String> {
    let mut args = vec!["push".to_owned(), "--porcelain".to_owned()];
    if atomic {
        args.push("--atomic".to_owned());
    }
    for update in updates {
        match &update.expect {
            Expect::Absent => args.push(format!("--force-with-lease={}:", update.refname)),
            Expect::At(sha) => args.push(format!("--force-with-lease={}:{sha}", update.refname)),
            Expect::Anything => {}
        }
    }
    args.push(remote.to_owned());
    for update in updates {
        let force = if update.expect == Expect::Anything {
            "+"
        } else {
            ""
        };
        let new = update.new.as_deref().unwrap_or_default();
        args.push(format!("{force}{new}:{}", update.refname));
    }
    args
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const C: &str = "cccccccccccccccccccccccccccccccccccccccc";
    const D: &str = "dddddddddddddddddddddddddddddddddddddddd";

    fn args(updates: &[RefUpdate]) -> String {
        push_args("origin", updates).join(" ")
    }

    #[test]
    fn each_push_is_a_compare_and_swap() {
        assert_eq!(
            args(&[claim("t1", A, Expect::Absent)]),
            format!(
                "push --porcelain --force-with-lease=refs/baton/claims/t1: origin {A}:refs/baton/claims/t1"
            )
        );
        assert_eq!(
            args(&[claim("t1", A, Expect::At(B.into()))]),
            format!(
                "push --porcelain --force-with-lease=refs/baton/claims/t1:{B} origin {A}:refs/baton/claims/t1"
            ),
            "a take-over"
        );

        assert_eq!(
            args(&[release("t1", B)]),
            format!(
                "push --porcelain --force-with-lease=refs/baton/claims/t1:{B} origin :refs/baton/claims/t1"
            )
        );
        assert_eq!(
            args(&[backup("t1", "0123456789abcdef", A)]),
            format!("push --porcelain origin +{A}:refs/baton/backup/t1-0123456789abcdef")
        );
    }

    #[test]
    fn a_landing_moves_the_branch_and_deletes_the_claim_atomically() {
        let land = train("main", A, B, &[("t1", C)]);
        assert_eq!(
            push_args("origin", &land),
            [
                "push",
                "--porcelain",
                "--atomic",
                &format!("--force-with-lease=refs/heads/main:{B}"),
                &format!("--force-with-lease=refs/baton/claims/t1:{C}"),
                "origin",
                &format!("{A}:refs/heads/main"),
                ":refs/baton/claims/t1",
            ]
        );
        assert_eq!(land[1], release("t1", C));
        assert_ne!(land[0].new.as_deref(), Some(D));
    }

    #[test]
    fn a_train_moves_the_branch_once_and_deletes_every_claim_atomically() {
        let updates = train("main", A, B, &[("t1", C), ("t2", D)]);
        assert_eq!(updates[..2], train("main", A, B, &[("t1", C)]));
        assert_eq!(updates[2], release("t2", D));
        let args = push_args("origin", &updates);
        assert!(args.contains(&"--atomic".to_owned()), "{args:?}");
    }

    #[test]
    fn claims_of_one_look_are_pushed_together_each_on_its_own() {
        let updates = [
            claim("t1", A, Expect::Absent),
            claim("t2", B, Expect::At(C.into())),
        ];
        assert_eq!(
            push_each_args("origin", &updates).join(" "),
            format!(
                "push --porcelain --force-with-lease=refs/baton/claims/t1: \
                 --force-with-lease=refs/baton/claims/t2:{C} origin {A}:refs/baton/claims/t1 \
                 {B}:refs/baton/claims/t2"
            )
        );
    }
}
