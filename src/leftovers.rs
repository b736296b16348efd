//! Leftovers of a crash: a git lock file (`.git/index.lock`, `HEAD.lock`,
//! `refs/heads/<b>.lock`, …) or the temp file of an interrupted atomic write (`sync/.baton-tmp-…`)
//! left by a killed process would fail every restart.
//!
//! [`clear`] runs at start, once the runner lock is held, so no other Baton works on the clone.
//! A leftover that no live process holds open is provably nobody's: it is removed and a line
//! says so. One that a live process holds (a person's `git commit` waiting for its editor) is
//! waited for briefly, then the run stops (exit 1) naming the process and the command that
//! fixes it; nothing is removed then.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::fsutil::TEMP_PREFIX;

use crate::process::{Holder, holders};

/// How long a held leftover is waited for before the run stops: a person's `git status` holds
/// `index.lock` for a moment.
const HELD_GRACE: Duration = Duration::from_secs(2);
/// How often a held leftover is looked at again within [`HELD_GRACE`].
const HELD_POLL: Duration = Duration::from_millis(100);

/// Where leftovers are looked for.
#[derive(Clone, Debug, Default)]
pub(crate) struct Places {
    /// The clone's git directory, when git is in use (a linked worktree's own directory; its
    /// common directory is found through the `commondir` file).
    pub(crate) git_dir: Option<PathBuf>,
    /// The directories atomic writes go to (the state file's and the journal's).
    pub(crate) write_dirs: Vec<PathBuf>,
}

/// Removes every leftover in `places` that no live process holds open, printing one line per
/// file removed.
///
/// # Errors
/// A failure (exit 1) naming a leftover that a live process still holds after a short wait,
/// the process, and the command to run once it is gone; or the io error of a removal.
pub(crate) fn clear(places: &Places) -> Result<()> {
    let mut found = Vec::new();
    if let Some(git_dir) = &places.git_dir {
        found.extend(git_lock_files(git_dir).into_iter().map(|p| (p, "git lock")));
    }
    for dir in &places.write_dirs {
        found.extend(temp_files(dir).into_iter().map(|p| (p, "temp file")));
    }
    found.sort();
    found.dedup();
    if found.is_empty() {
        return Ok(());
    }
    let deadline = Instant::now() + HELD_GRACE;
    loop {
        found.retain(|(path, _)| path.symlink_metadata().is_ok());
        let paths: Vec<PathBuf> = found.iter().map(|(p, _)| p.clone()).collect();
        let held = holders(&paths);
        let mut still_held = None;
        for (path, what) in &found {
            match held.get(path) {
                Some(list) => still_held = still_held.or(Some((path, list))),
                None => remove(path, what)?,
            }
        }
        let Some((path, list)) = still_held else {
            return Ok(());
        };
        if Instant::now() >= deadline {
            return Err(held_error(path, list));
        }
        found.retain(|(p, _)| held.contains_key(p));
        std::thread::sleep(HELD_POLL);
    }
}

/// Removes the leftover `path` and says so.
fn remove(path: &Path, what: &str) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::from(e).context(format!("remove the leftover `{}`", path.display())));
        }
    }
    note!(
        "[baton] removed {what} `{}`: a leftover of a crash (no process holds it open)",
        path.display()
    );
    Ok(())
}

/// The error for a leftover a live process holds.
fn held_error(path: &Path, list: &[Holder]) -> Error {
    let procs: Vec<String> = list
        .iter()
        .map(|h| format!("pid {} (`{}`)", h.pid, h.command))
        .collect();
    let pids: Vec<String> = list.iter().map(|h| h.pid.to_string()).collect();
    Error::failed(format!(
        "`{}` is held open by {}",
        path.display(),
        procs.join(", ")
    ))
    .with_hint(format!(
        "let {} finish (or stop it: kill {}); then, if the file is still there, run `rm -f '{}'` \
         and restart baton",
        if list.len() == 1 {
            "that process"
        } else {
            "those processes"
        },
        pids.join(" "),
        path.display()
    ))
}

/// Git's lock files under `git_dir` and its common directory: `*.lock` at their top level
/// (`index.lock`, `HEAD.lock`, `config.lock`, `packed-refs.lock`, …) and under `refs/` and
/// `logs/`. Baton's own `baton*` files (the runner lock) are not git's and are left alone.
fn git_lock_files(git_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![git_dir.to_path_buf()];
    if let Ok(common) = std::fs::read_to_string(git_dir.join("commondir")) {
        let common = git_dir.join(common.trim());
        dirs.push(common.canonicalize().unwrap_or(common));
    }
    let mut locks = Vec::new();
    for dir in &dirs {
        locks.extend(files_in(dir).into_iter().filter(|p| is_git_lock(p)));
        for sub in ["refs", "logs"] {
            walk(&dir.join(sub), &mut |p| {
                if is_git_lock(p) {
                    locks.push(p.to_path_buf());
                }
            });
        }
    }
    locks
}

/// Whether `path` names one of git's lock files (and not Baton's own `baton.lock`).
fn is_git_lock(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with(".lock") && name.len() > ".lock".len() && !name.starts_with("baton")
}

/// Temp files of interrupted atomic writes in `dir`: Baton's `.baton-tmp-*`, and the
/// `.tmpXXXXXX` names (six letters or digits) that versions before it used.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    files_in(dir)
        .into_iter()
        .filter(|p| is_temp_file(p))
        .collect()
}

/// Whether `path`'s name is an atomic write's temp file name (see [`temp_files`]).
fn is_temp_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with(TEMP_PREFIX) {
        return true;
    }
    name.strip_prefix(".tmp")
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The regular files directly in `dir` (none when it cannot be read).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect()
}

/// Calls `visit` on every regular file under `dir`, recursively (symlinks not followed).
fn walk(dir: &Path, visit: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&entry.path(), visit),
            Ok(t) if t.is_file() => visit(&entry.path()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn names_of_leftovers() {
        let temp = |n: &str| is_temp_file(Path::new(n));
        assert!(temp(&format!("sync/{TEMP_PREFIX}42-a1B2c3")));
        assert!(temp("sync/.tmpAbC123"));
        assert!(!temp("sync/.tmpAbC12"), "five characters");
        assert!(!temp("sync/.tmp-bC123"));
        assert!(!temp("sync/state.json"));
        let lock = |n: &str| is_git_lock(Path::new(n));
        assert!(lock(".git/index.lock"));
        assert!(lock(".git/refs/heads/feature/x.lock"));
        assert!(
            !lock(".git/baton.lock"),
            "Baton's runner lock is never removed"
        );
        assert!(!lock(".git/baton.command.lock"), "nor its command lock");
        assert!(!lock(".git/.lock"));
        assert!(!lock(".git/index"));
    }

    #[test]
    fn git_locks_are_found_in_the_git_dir_refs_logs_and_the_common_dir() {
        let dir = tempfile::tempdir().expect("tempdir");
        let common = dir.path().join("repo.git");
        let worktree = common.join("worktrees/wt");
        for rel in [
            "repo.git/packed-refs.lock",
            "repo.git/refs/heads/topic/a.lock",
            "repo.git/logs/refs/heads/main.lock",
            "repo.git/objects/ab/x.lock",
            "repo.git/baton.lock",
            "repo.git/worktrees/wt/index.lock",
            "repo.git/worktrees/wt/HEAD.lock",
        ] {
            let path = dir.path().join(rel);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, "").expect("write");
        }
        fs::write(worktree.join("commondir"), "../..\n").expect("commondir");
        let mut found: Vec<String> = git_lock_files(&worktree)
            .iter()
            .map(|p| {
                let p = p.to_string_lossy();
                p.rsplit("repo.git/").next().unwrap_or_default().to_owned()
            })
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                "logs/refs/heads/main.lock",
                "packed-refs.lock",
                "refs/heads/topic/a.lock",
                "worktrees/wt/HEAD.lock",
                "worktrees/wt/index.lock",
            ]
        );
    }

    #[test]
    fn clear_removes_what_nobody_holds_and_refuses_what_is_held() {
        let dir = tempfile::tempdir().expect("tempdir");
        let git = dir.path().join(".git");
        let sync = dir.path().join("sync");
        fs::create_dir_all(&git).expect("mkdir");
        fs::create_dir_all(&sync).expect("mkdir");
        let stale = git.join("index.lock");
        let temp = sync.join(".tmpAbC123");
        let state = sync.join("state.json");
        for p in [&stale, &temp, &state] {
            fs::write(p, "").expect("write");
        }
        let places = Places {
            git_dir: Some(git.clone()),
            write_dirs: vec![sync.clone(), sync.clone()],
        };
        clear(&places).expect("nothing held");
        assert!(!stale.exists() && !temp.exists());
        assert!(state.exists(), "only leftovers are removed");

        let held = git.join("HEAD.lock");
        let file = fs::File::create(&held).expect("create");
        let err = clear(&places).expect_err("held by this test");
        assert_eq!(err.kind(), crate::error::ErrorKind::Failed);
        let me = std::process::id();
        assert!(err.to_string().contains(&format!("pid {me}")), "{err}");
        assert!(err.hints()[0].contains("rm -f"), "{:?}", err.hints());
        assert!(held.exists(), "a held lock is never removed");
        drop(file);
    }
}
