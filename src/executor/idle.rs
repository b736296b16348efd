//! Stall detection's second channel: whether the agent changed any file in the workspace since
//! a moment. An agent that works silently (long builds, quiet tools) is not stalled as long as
//! files change. The walk runs only when output has been silent for the whole idle timeout, so
//! a turn pays nothing for it otherwise.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The modification time of some file or directory under `root` newer than `since`, if any
/// (the walk stops at the first one). Directories count too: creating, renaming or deleting a
/// file changes its directory's time. Symbolic links are not followed; the paths in `skip`
/// (Baton's own files, such as the turn log) and unreadable entries are passed over.
pub(super) fn newest_change(
    root: &Path,
    since: SystemTime,
    skip: &[PathBuf],
) -> Option<SystemTime> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if skip.contains(&path) {
                continue;
            }
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if let Ok(modified) = meta.modified()
                && modified > since
            {
                tracing::debug!(path = %path.display(), "file activity");
                return Some(modified);
            }
            if meta.is_dir() {
                stack.push(path);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_change_after_the_moment_is_found_and_skipped_paths_are_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let deep = dir.path().join("a/b/c");
        fs::create_dir_all(&deep).expect("mkdir");
        fs::write(deep.join("old.txt"), "old").expect("write");
        let log = dir.path().join("turn.log");
        fs::write(&log, "x").expect("write");
        let after_setup = SystemTime::now() + Duration::from_millis(20);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            newest_change(dir.path(), after_setup, &[]),
            None,
            "nothing new"
        );

        fs::write(&log, "more").expect("write");
        assert_eq!(
            newest_change(dir.path(), after_setup, std::slice::from_ref(&log)),
            None,
            "Baton's own log does not count"
        );
        fs::write(deep.join("old.txt"), "changed").expect("write");
        assert!(newest_change(dir.path(), after_setup, &[log]).is_some());
    }
}
