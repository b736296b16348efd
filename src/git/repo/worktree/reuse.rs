//! A worktree kept for the next task of the same slot (a pool worker's): put on the next
//! task's branch by a checkout that writes only the files that differ and removes what is not
//! tracked, instead of a whole new checkout per task — whose cost grows with the repository
//! (hundreds of files created and deleted a task) — and left on no branch between tasks, so
//! that a landed task's branch can be deleted.

use git2::ErrorCode;
use git2::build::CheckoutBuilder;

use super::super::git_err;
use super::Worktree;
use crate::git::{GitError, Repo};

impl Repo {
    /// Worktree `name` on a new branch `branch` at commit `start`: the worktree kept from the
    /// slot's last task when there is a sound one (checked out forcibly, untracked and ignored
    /// files removed: the same files as a new worktree), else a new one ([`Repo::add_worktree`],
    /// which first removes whatever is left at that name).
    ///
    /// # Errors
    /// [`GitError`], e.g. when `branch` exists.
    pub(crate) fn reuse_worktree(
        &self,
        name: &str,
        branch: &str,
        start: &str,
    ) -> Result<Worktree, GitError> {
        match self.put_on_branch(name, branch, start) {
            Ok(Some(tree)) => return Ok(tree),
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, worktree = name, "made anew"),
        }
        // A branch made before the checkout failed is made again with the new worktree.
        if let Err(e) = self.delete_branch(branch)
            && !matches!(&e, GitError::Git2 { source, .. } if source.code() == ErrorCode::NotFound)
        {
            tracing::debug!(error = %e, "a half-made branch stays");
        }
        self.add_worktree(name, branch, start)
    }

    /// [`Repo::reuse_worktree`] on a kept worktree: `None` when there is none, or it is not a
    /// sound worktree of this repository.
    fn put_on_branch(
        &self,
        name: &str,
        branch: &str,
        start: &str,
    ) -> Result<Option<Worktree>, GitError> {
        let kept = match self.inner.find_worktree(name) {
            Ok(kept) => kept,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git_err(format!("open worktree `{name}`"))(e)),
        };
        let path = self.worktrees_dir().join(name);
        if kept.validate().is_err() || kept.path() != path {
            return Ok(None);
        }
        // The last task's agent could have replaced the directory by a symlink (a checkout
        // that removes untracked files would then clean wherever it points) or its `.git` file
        // by one naming another repository (the checkout would then move that one's HEAD):
        // only a real directory, opened as this worktree, is reused; anything else is made
        // anew, the directory removed without following a link.
        let real_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_dir());
        if !real_dir {
            return Ok(None);
        }
        let what = || format!("put worktree `{name}` on `{branch}`");
        let tree = git2::Repository::open_from_worktree(&kept).map_err(git_err(what()))?;
        let gitdir = self.inner.commondir().join("worktrees").join(name);
        let same = |a: &std::path::Path, b: &std::path::Path| {
            a.canonicalize()
                .ok()
                .is_some_and(|a| b.canonicalize().ok() == Some(a))
        };
        if !same(tree.path(), &gitdir) || !tree.workdir().is_some_and(|w| same(w, &path)) {
            return Ok(None);
        }
        let made = self.branch_at(branch, start, &what())?;
        let refname = made.get().name().unwrap_or_default().to_owned();
        tree.set_head(&refname).map_err(git_err(what()))?;
        let mut checkout = CheckoutBuilder::new();
        checkout.force().remove_untracked(true).remove_ignored(true);
        tree.checkout_head(Some(&mut checkout))
            .map_err(git_err(what()))?;
        Ok(Some(Worktree {
            worker: name.to_owned(),
            path,
            branch: Some(branch.to_owned()),
        }))
    }

    /// Leaves worktree `name` on no branch, at the commit it is on, when it is still on
    /// `branch` (short name), so that `branch` can be deleted while the worktree is kept for
    /// the slot's next task. Nothing when there is no such worktree, or when it has moved on to
    /// another branch (the slot's next task, whose work must stay on its own branch).
    ///
    /// # Errors
    /// [`GitError`].
    pub(crate) fn detach_worktree(&self, name: &str, branch: &str) -> Result<(), GitError> {
        let kept = match self.inner.find_worktree(name) {
            Ok(kept) => kept,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(()),
            Err(e) => return Err(git_err(format!("open worktree `{name}`"))(e)),
        };
        let what = || format!("detach worktree `{name}`");
        let tree = git2::Repository::open_from_worktree(&kept).map_err(git_err(what()))?;
        let head = tree.head().map_err(git_err(what()))?;
        if head.shorthand().ok() != Some(branch) || !head.is_branch() {
            return Ok(());
        }
        let commit = head.peel_to_commit().map_err(git_err(what()))?;
        tree.set_head_detached(commit.id()).map_err(git_err(what()))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use pretty_assertions::assert_eq;

    use crate::git::Repo;
    use crate::git::testutil::TestRepo;

    #[test]
    fn a_kept_worktree_takes_the_next_branch_clean_and_only_while_it_is_sound() {
        let t = TestRepo::new();
        t.write("a.txt", b"a\n");
        let base = t.commit_all("base");
        let slot = "ralph-1+_pool";
        let first = t
            .repo
            .reuse_worktree(slot, "baton/ralph-1/one", &base)
            .expect("one");
        std::fs::write(first.path.join("junk.tmp"), "left behind\n").expect("junk");
        // Landed: the slot leaves its branch, which can then be deleted.
        t.repo
            .detach_worktree(slot, "baton/ralph-1/two")
            .expect("not on that branch: nothing");
        assert!(
            t.repo.delete_branch("baton/ralph-1/one").is_err(),
            "still checked out"
        );
        t.repo
            .detach_worktree(slot, "baton/ralph-1/one")
            .expect("detach");
        t.repo.delete_branch("baton/ralph-1/one").expect("delete");
        let second = t
            .repo
            .reuse_worktree(slot, "baton/ralph-1/two", &base)
            .expect("two");
        assert_eq!(second.path, first.path, "the same worktree");
        assert!(
            !second.path.join("junk.tmp").exists(),
            "untracked files removed"
        );
        assert!(second.path.join("a.txt").is_file());
        let opened = Repo::open_worktree(&second.path).expect("open");
        assert_eq!(
            opened.branch().expect("branch").as_deref(),
            Some("baton/ralph-1/two")
        );

        // A symlink planted in its place is not followed: what it points at stays as it was,
        // and the worktree is made anew as a real directory.
        let outside = tempfile::tempdir().expect("outside");
        std::fs::write(outside.path().join("precious"), "keep me\n").expect("precious");
        std::fs::remove_dir_all(&second.path).expect("rm");
        std::os::unix::fs::symlink(outside.path(), &second.path).expect("symlink");
        let third = t
            .repo
            .reuse_worktree(slot, "baton/ralph-1/three", &base)
            .expect("three");
        assert!(
            outside.path().join("precious").is_file(),
            "not cleaned through the link"
        );
        let meta = std::fs::symlink_metadata(&third.path).expect("meta");
        assert!(meta.file_type().is_dir(), "a real directory again");

        // A `.git` file naming the main repository: its HEAD is never moved by a reuse.
        let main_head = t.repo.branch().expect("main branch");
        let gitdir = t.repo.workdir().join(".git");
        std::fs::write(
            third.path.join(".git"),
            format!("gitdir: {}\n", gitdir.display()),
        )
        .expect("forge");
        t.repo
            .reuse_worktree(slot, "baton/ralph-1/four", &base)
            .expect("four");
        assert_eq!(t.repo.branch().expect("main branch"), main_head);
        let fourth = Repo::open_worktree(&third.path).expect("open");
        assert_eq!(
            fourth.branch().expect("branch").as_deref(),
            Some("baton/ralph-1/four")
        );
    }

    /// Inode and modification time of `path`: the same pair means the file was not written.
    fn stamp(path: &std::path::Path) -> (u64, i64, i64) {
        let meta = std::fs::metadata(path).expect("meta");
        (meta.ino(), meta.mtime(), meta.mtime_nsec())
    }

    #[test]
    fn a_kept_worktree_writes_only_the_files_that_differ() {
        let t = TestRepo::new();
        for i in 0..40 {
            t.write(&format!("tasks/t{i}.md"), format!("task {i}\n").as_bytes());
        }
        let base = t.commit_all("base");
        let slot = "ralph-1+_pool";
        let first = t
            .repo
            .reuse_worktree(slot, "baton/ralph-1/t0", &base)
            .expect("one");
        std::fs::create_dir_all(first.path.join("out")).expect("out");
        std::fs::write(first.path.join("out/t0.txt"), "done\n").expect("work");
        let worktree = Repo::open_worktree(&first.path).expect("open");
        worktree
            .commit_paths(&["out/t0.txt".to_owned()], "work\n")
            .expect("commit");
        t.repo
            .detach_worktree(slot, "baton/ralph-1/t0")
            .expect("detach");
        let before = stamp(&first.path.join("tasks/t7.md"));
        // The shared branch moved on: t1 landed elsewhere.
        t.remove("tasks/t1.md");
        t.write("tasks/done/t1.md", b"task 1\n");
        let next = t.commit_all("t1 landed");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let second = t
            .repo
            .reuse_worktree(slot, "baton/ralph-1/t2", &next)
            .expect("two");
        assert_eq!(
            stamp(&second.path.join("tasks/t7.md")),
            before,
            "not rewritten"
        );
        assert!(!second.path.join("tasks/t1.md").exists());
        assert!(second.path.join("tasks/done/t1.md").is_file());
        assert!(
            !second.path.join("out/t0.txt").exists(),
            "the last task's work is gone"
        );
    }
}
