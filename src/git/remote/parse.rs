//! Pure parsing of `git` output and remote URLs: `ls-remote` lines, `push --porcelain` status
//! lines, the `remote:` lines of a hook, and whether a URL names a local directory.

use std::path::{Path, PathBuf};

/// The SHA that `git ls-remote` printed for exactly `refname` (lines are `<sha>\t<ref>`).
pub(super) fn ls_remote_sha(stdout: &str, refname: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let (sha, name) = line.split_once('\t')?;
        (name.trim() == refname).then(|| sha.trim().to_owned())
    })
}

/// A ref the remote refused, from `git push --porcelain` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Rejection {
    /// The remote ref, e.g. `refs/heads/main`.
    pub(super) refname: String,
    /// git's reason, e.g. `fetch first`.
    pub(super) reason: String,
}

/// The first rejected ref in `git push --porcelain` standard output: a status line is
/// `<flag>\t<from>:<to>\t<summary> (<reason>)` and flag `!` means rejected.
pub(super) fn rejection(stdout: &str) -> Option<Rejection> {
    rejections(stdout).into_iter().next()
}

/// Every rejected ref in `git push --porcelain` standard output, in git's order.
pub(super) fn rejections(stdout: &str) -> Vec<Rejection> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix('!')?;
            let mut fields = rest.trim_start_matches('\t').splitn(2, '\t');
            let spec = fields.next()?;
            let summary = fields.next().unwrap_or("").trim();
            let refname = spec.rsplit_once(':').map_or(spec, |(_, to)| to).to_owned();
            Some(Rejection {
                refname,
                reason: reason_of(summary),
            })
        })
        .collect()
}

/// The text in the last parentheses of `summary` (`[rejected] (fetch first)` -> `fetch first`),
/// else the summary without brackets (`[rejected]` -> `rejected`).
fn reason_of(summary: &str) -> String {
    if let (Some(open), Some(close)) = (summary.find('('), summary.rfind(')'))
        && open < close
    {
        return summary[open + 1..close].trim().to_owned();
    }
    summary.trim_matches(|c| c == '[' || c == ']').to_owned()
}

/// The `remote:` lines of git's standard error (what a hook printed), prefix stripped, trimmed,
/// empty ones dropped. Carriage returns (progress rewrites) split lines too.
pub(super) fn remote_lines(stderr: &str) -> Vec<String> {
    stderr
        .split(['\n', '\r'])
        .filter_map(|line| line.strip_prefix("remote:"))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The directory a remote URL names when it is local, canonicalised: a `file://` URL, or a path
/// (absolute, or relative to `workdir`) that is an existing directory. An ssh, https or scp-like
/// (`host:path`, a `:` before any `/`) URL gives `None`, as git itself decides.
pub(super) fn local_dir(url: &str, workdir: &Path) -> Option<PathBuf> {
    let path = if let Some(rest) = url.strip_prefix("file://") {
        PathBuf::from(rest.strip_prefix("localhost").unwrap_or(rest))
    } else if url.contains("://") || is_scp_like(url) {
        return None;
    } else {
        workdir.join(url)
    };
    let canonical = path.canonicalize().ok()?;
    canonical.is_dir().then_some(canonical)
}

/// git's rule for `host:path`: a colon that comes before the first slash.
fn is_scp_like(url: &str) -> bool {
    match (url.find(':'), url.find('/')) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_remote_matches_the_exact_ref_only() {
        let out = "1111\trefs/heads/x/refs/heads/main\n2222\trefs/heads/main\n";
        assert_eq!(ls_remote_sha(out, "refs/heads/main"), Some("2222".into()));
        assert_eq!(ls_remote_sha(out, "refs/heads/dev"), None);
        assert_eq!(ls_remote_sha("", "refs/heads/main"), None);
    }

    #[test]
    fn rejection_reads_reason_and_ref() {
        let out = "To ../r.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\n";
        let r = rejection(out).expect("rejected");
        assert_eq!(r.refname, "refs/heads/main");
        assert_eq!(r.reason, "fetch first");
        let hook = "!\tHEAD:refs/heads/dev\t[remote rejected] (pre-receive hook declined)\n";
        assert_eq!(
            rejection(hook).expect("rejected").reason,
            "pre-receive hook declined"
        );
        let bare = "!\tHEAD:refs/heads/main\t[rejected]\n";
        assert_eq!(rejection(bare).expect("rejected").reason, "rejected");
    }

    #[test]
    fn successful_porcelain_has_no_rejection() {
        let out = "To ../r.git\n \tHEAD:refs/heads/main\t1a2b3c4..5d6e7f8\nDone\n";
        assert_eq!(rejection(out), None);
        assert_eq!(rejection("=\tHEAD:refs/heads/main\t[up to date]\n"), None);
    }

    #[test]
    fn remote_lines_strip_prefix_and_blanks() {
        let err = "remote: policy: no pushes today        \nremote: \nremote:\n\
                   To ../r.git\nerror: failed to push some refs\rremote: again\n";
        assert_eq!(remote_lines(err), ["policy: no pushes today", "again"]);
    }

    #[test]
    fn local_dir_recognises_paths_and_file_urls() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bare = dir.path().join("r.git");
        std::fs::create_dir(&bare).expect("mkdir");
        let work = dir.path().join("work");
        std::fs::create_dir(&work).expect("mkdir");
        let canonical = bare.canonicalize().expect("canonical");
        let file_url = format!("file://{}", bare.display());
        assert_eq!(local_dir(&file_url, &work), Some(canonical.clone()));
        let absolute = bare.display().to_string();
        assert_eq!(local_dir(&absolute, &work), Some(canonical.clone()));
        assert_eq!(local_dir("../r.git", &work), Some(canonical));
        assert_eq!(local_dir("../missing.git", &work), None);
        assert_eq!(local_dir("git@example.com:team/r.git", &work), None);
        assert_eq!(local_dir("https://example.com/team/r.git", &work), None);
        assert_eq!(local_dir("ssh://example.com/r.git", &work), None);
    }
}
