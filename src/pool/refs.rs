//! The names of the refs the pool uses on the remote, in one place (docs/pool.md, "Refs").
//!
//! - `refs/heads/<branch>`: the shared branch, where tasks are open (`tasks/<id>.md`) or done
//!   (`tasks/done/<id>.md`);
//! - `refs/baton/claims/<task>`: the claim on one task, a claim commit ([`crate::pool::claim`]);
//! - `refs/baton/claims/_turn`: the claim on the turn a pool worker runs ([`TURN`]);
//! - `refs/baton/backup/<task>-<claim id>`: a merge that could not land because its claim was
//!   lost, kept so that no work is thrown away.

/// Where claim refs live on the remote: `refs/baton/claims/<task id>`.
pub(crate) const CLAIMS: &str = "refs/baton/claims/";

/// The name under the claims of the claim on the turn a pool worker runs (`baton work --as`):
/// no task id starts with `_`, so it never names a task, and the plan of tasks never sees it.
/// It says the worker is alive while its turn runs; the turn itself is claimed on the shared
/// branch as role mode claims it.
pub(crate) const TURN: &str = "_turn";

/// Where backups of merges that lost their claim live: `refs/baton/backup/<task>-<claim id>`.
pub(crate) const BACKUPS: &str = "refs/baton/backup/";

/// `refs/heads/<branch>`, the shared branch on the remote.
#[must_use]
pub(crate) fn branch(branch: &str) -> String {
    format!("refs/heads/{branch}")
}

/// `refs/baton/claims/<task>`, the claim ref of `task` (a task id, so a valid ref component).
#[must_use]
pub(crate) fn claim(task: &str) -> String {
    format!("{CLAIMS}{task}")
}

/// `refs/baton/backup/<task>-<claim id>`, where the merge of a task whose claim was lost is
/// kept (the claim id makes it unique: one per claim).
#[must_use]
pub(crate) fn backup(task: &str, claim_id: &str) -> String {
    format!("{BACKUPS}{task}-{claim_id}")
}

/// The task a claim ref names: `Some("a")` for `refs/baton/claims/a`; `None` for any other
/// ref, or a name under the claims that is not a task id (such a ref is ignored: no task can
/// be blocked by it).
#[must_use]
pub(crate) fn task_of_claim(refname: &str) -> Option<&str> {
    refname
        .strip_prefix(CLAIMS)
        .filter(|task| crate::tasks::is_task_id(task))
}

/// The refspec that fetches every claim ref of `remote` into
/// `refs/baton/remotes/<remote>/claims/*` (forced: claims are replaced, not fast-forwarded).
/// Fetched together with the shared branch, with `--prune`, so released claims disappear.
#[must_use]
pub(crate) fn claims_fetch_spec(remote: &str) -> String {
    format!("+{CLAIMS}*:{}*", tracked_claims(remote))
}

/// `refs/baton/remotes/<remote>/claims/`: where this clone keeps its copy of the remote's
/// claim refs (never `refs/baton/claims/`, which a clone that is itself someone's remote
/// holds for real).
#[must_use]
pub(crate) fn tracked_claims(remote: &str) -> String {
    format!("refs/baton/remotes/{remote}/claims/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_built_and_read_back() {
        assert_eq!(branch("main"), "refs/heads/main");
        assert_eq!(claim("fix-1"), "refs/baton/claims/fix-1");
        assert_eq!(task_of_claim(&claim("fix-1")), Some("fix-1"));
        assert_eq!(
            backup("fix-1", "00112233aabbccdd"),
            "refs/baton/backup/fix-1-00112233aabbccdd"
        );
        assert_eq!(task_of_claim("refs/heads/main"), None);
        assert_eq!(
            task_of_claim("refs/baton/claims/a/b"),
            None,
            "not a task id"
        );
        assert_eq!(task_of_claim("refs/baton/claims/"), None);
        assert_eq!(
            claims_fetch_spec("origin"),
            "+refs/baton/claims/*:refs/baton/remotes/origin/claims/*"
        );
    }
}
