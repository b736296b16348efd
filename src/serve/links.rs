//! Where the dashboard links a commit: the `serve.commit_url` template (`{sha}` stands for the
//! full SHA), or one derived from the remote's URL when it is a repository on github.com,
//! gitlab.com or bitbucket.org (https or ssh, as `git remote get-url` prints it). A derived
//! template is built from the host and the repository path only, so credentials in an https
//! URL (`https://user:token@github.com/…`) never reach the page.

use crate::config::{CommitUrl, Config};
use crate::git::Remote;

/// The commit URL template for `config`'s workspace: its `serve.commit_url`, else the one
/// derived from its remote's URL; `None` for no links.
pub(crate) fn commit_url(config: &Config) -> Option<String> {
    match &config.serve.commit_url {
        CommitUrl::Template(template) => Some(template.clone()),
        CommitUrl::Off => None,
        CommitUrl::Derived => {
            let url = Remote::new(&config.root, &config.git.remote).url().ok()?;
            derive(&url)
        }
    }
}

/// The commit URL template of a remote URL on a known host: `https://github.com/o/r/commit/
/// {sha}`, `https://gitlab.com/g/s/r/-/commit/{sha}`, `https://bitbucket.org/w/r/commits/
/// {sha}`; `None` for any other URL (another host, a local path, a path with odd names).
///
/// Accepted forms: `https://[user[:pass]@]host[:port]/path`, the same with `http://` or
/// `ssh://`, and scp-like `[user@]host:path`; a trailing `.git` or `/` is dropped.
pub(crate) fn derive(url: &str) -> Option<String> {
    let (host, path) = split_url(url.trim())?;
    let mut parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let Some(last) = parts.last_mut() {
        *last = last.strip_suffix(".git").unwrap_or(last);
    }
    if !parts.iter().all(|p| plain_name(p)) {
        return None;
    }
    let path = parts.join("/");
    match (host.to_ascii_lowercase().as_str(), parts.len()) {
        ("github.com", 2) => Some(format!("https://github.com/{path}/commit/{{sha}}")),
        ("gitlab.com", 2..) => Some(format!("https://gitlab.com/{path}/-/commit/{{sha}}")),
        ("bitbucket.org", 2) => Some(format!("https://bitbucket.org/{path}/commits/{{sha}}")),
        _ => None,
    }
}

/// (host, path) of a URL in one of the accepted forms.
fn split_url(url: &str) -> Option<(&str, &str)> {
    let scheme = ["https://", "http://", "ssh://"]
        .iter()
        .find_map(|s| url.strip_prefix(s));
    let (authority, path) = match scheme {
        Some(rest) => rest.split_once('/')?,
        // scp-like: a colon before any slash.
        None => {
            let (authority, path) = url.split_once(':')?;
            if authority.contains('/') || path.starts_with("//") {
                return None;
            }
            (authority, path)
        }
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match scheme {
        Some(_) => host.split_once(':').map_or(host, |(h, _)| h),
        None => host,
    };
    Some((host, path))
}

/// A path segment of a repository on those hosts: letters, digits, `.`, `_`, `-`; not `.` or
/// `..`.
fn plain_name(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_forms_people_clone_with() {
        let github = Some("https://github.com/you/repo/commit/{sha}".to_owned());
        for url in [
            "https://github.com/you/repo.git",
            "https://github.com/you/repo",
            "https://github.com/you/repo/",
            "https://user:ghp_s3cret@github.com/you/repo.git",
            "http://github.com/you/repo.git",
            "git@github.com:you/repo.git",
            "github.com:you/repo",
            "ssh://git@github.com/you/repo.git",
            "ssh://git@github.com:22/you/repo.git",
            "https://GitHub.com/you/repo.git",
        ] {
            assert_eq!(derive(url), github, "{url}");
        }
        assert_eq!(
            derive("git@gitlab.com:group/sub/repo.git").as_deref(),
            Some("https://gitlab.com/group/sub/repo/-/commit/{sha}")
        );
        assert_eq!(
            derive("https://bitbucket.org/team/repo.git").as_deref(),
            Some("https://bitbucket.org/team/repo/commits/{sha}")
        );
        for none in [
            "/srv/git/repo.git",
            "file:///srv/git/repo.git",
            "../remote",
            "https://git.example.com/you/repo.git",
            "https://github.com.evil.example/you/repo",
            "https://github.com/you",
            "https://github.com/you/repo/extra",
            "https://github.com/you/../repo",
            "https://github.com/you/re po",
            "https://github.com/you/<script>",
            "git://github.com/you/repo.git",
            "",
        ] {
            assert_eq!(derive(none), None, "{none}");
        }
    }

    fn name() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}".prop_filter("not . or ..", |s| s != "." && s != "..")
    }

    proptest! {
        #[test]
        fn every_form_of_a_github_url_gives_the_same_template(
            owner in name(),
            repo in name(),
            user in "[a-z]{1,8}",
            form in 0..4usize,
            dot_git in any::<bool>(),
        ) {
            let tail = if dot_git { ".git" } else { "" };
            let url = match form {
                0 => format!("https://github.com/{owner}/{repo}{tail}"),
                1 => format!("https://{user}:tok@github.com/{owner}/{repo}{tail}"),
                2 => format!("{user}@github.com:{owner}/{repo}{tail}"),
                _ => format!("ssh://{user}@github.com/{owner}/{repo}{tail}"),
            };
            let repo = if dot_git { repo.as_str() } else { repo.strip_suffix(".git").unwrap_or(&repo) };
            prop_assert_eq!(
                derive(&url),
                Some(format!("https://github.com/{owner}/{repo}/commit/{{sha}}"))
            );
        }

        #[test]
        fn whatever_the_url_a_template_is_https_on_a_known_host_without_credentials(
            url in ".{0,80}",
        ) {
            if let Some(template) = derive(&url) {
                prop_assert!(
                    ["https://github.com/", "https://gitlab.com/", "https://bitbucket.org/"]
                        .iter()
                        .any(|h| template.starts_with(h)),
                    "{}", template
                );
                prop_assert_eq!(template.matches("{sha}").count(), 1);
                let rest = &template["https://".len()..];
                prop_assert!(!rest.contains(':') && !rest.contains('@'), "{}", template);
                prop_assert!(!template.chars().any(char::is_whitespace));
            }
        }
    }
}
