//! A configuration under construction: defaults first, then each layer (YAML, environment,
//! flags) overwrites what it sets, then [`Draft::finish`] fills the dependent defaults and makes
//! paths absolute.
//!
//! The value parsers here are shared by the YAML and environment layers so a value means the
//! same wherever it is written.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, RouterMode, parse_duration};

/// A [`Config`] whose paths are still as written (relative to the root) and whose dependent
/// defaults are still open.
#[derive(Clone, Debug)]
pub(super) struct Draft {
    /// The configuration so far; paths as written.
    pub config: Config,
    /// `router.allowlist` when set; default: the supervisor and reviewer prompts.
    pub allowlist: Option<Vec<String>>,
    /// `autocommit.never` when set; default: the logs and tmp directories.
    pub never: Option<Vec<String>>,
    /// Where each value set so far came from.
    pub origins: crate::config::Origins,
    /// `actors:` and `workflow.*` as set so far.
    pub graph: crate::config::workflow::Graph,
    /// Actors named as mapping keys (`agent.roles`), where, and under which key: each must be
    /// declared, which is known once every layer is laid.
    pub named_actors: Vec<(crate::state::Actor, serde_saphyr::Location, &'static str)>,
}

impl Draft {
    /// Every key's default (declared in `keys.rs`) for a workspace rooted at `root`.
    pub(super) fn new(root: PathBuf) -> Self {
        let mut draft = Draft {
            config: Config {
                root,
                ..Config::default()
            },
            allowlist: None,
            never: None,
            origins: crate::config::Origins::default(),
            graph: crate::config::workflow::Graph::default(),
            named_actors: Vec::new(),
        };
        crate::config::layer::defaults(&mut draft);
        draft
    }

    /// Resolves paths against the root and fills the dependent defaults.
    ///
    /// # Errors
    /// Where and why `workflow.start` cannot be used (see [`crate::config::workflow::Graph`]).
    pub(super) fn finish(self) -> Result<Config, (crate::workflow::Pos, String)> {
        let Draft {
            mut config,
            allowlist,
            never,
            origins: _,
            graph,
            named_actors: _,
        } = self;
        config.workflow = graph.build()?;
        config.router.allowlist = allowlist.unwrap_or_else(|| {
            vec![
                config.prompts.supervisor.clone(),
                config.prompts.reviewer.clone(),
            ]
        });
        config.autocommit.never = never.unwrap_or_else(|| {
            [&config.logs_dir, &config.tmp_dir]
                .into_iter()
                .filter_map(|dir| never_prefix(&config.root, dir))
                .collect()
        });
        let root = config.root.clone();
        for path in [
            &mut config.prompts_dir,
            &mut config.state_file,
            &mut config.journal_file,
            &mut config.logs_dir,
            &mut config.tmp_dir,
            &mut config.tasks_dir,
        ] {
            *path = root.join(&*path);
        }
        Ok(config)
    }
}

/// `dir` (as written) as a root-relative prefix ending in `/`, or `None` when it lies outside
/// the root.
///
/// Built from path components, not text, so `.//logs`, `logs/./` and `/<root>/./logs` all give
/// `logs/` (a string trim once turned `.//logs` into `/logs/`, which matches no path).
fn never_prefix(root: &Path, dir: &Path) -> Option<String> {
    let rel = if dir.is_absolute() {
        dir.strip_prefix(root).ok()?
    } else {
        dir
    };
    let parts: Vec<_> = rel
        .components()
        .filter(|part| !matches!(part, Component::CurDir))
        .collect();
    if matches!(parts.first(), None | Some(Component::ParentDir)) {
        return None;
    }
    let text: Vec<_> = parts
        .iter()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect();
    Some(format!("{}/", text.join("/")))
}

/// Extensions written with or without the dot, normalised to `.ext` lower-case; blanks dropped.
pub(super) fn normalize_extensions(exts: Vec<String>) -> Vec<String> {
    exts.into_iter()
        .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .map(|e| format!(".{e}"))
        .collect()
}

/// `true/false`, `1/0`, `yes/no` (also `on/off`), case-insensitive.
pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "invalid boolean `{text}` (expected true/false, 1/0 or yes/no)"
        )),
    }
}

/// A non-negative integer.
pub(super) fn parse_u64(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("invalid number `{text}` (expected a non-negative integer)"))
}

/// A duration that must be positive (`git.poll_interval`, `git.lease`).
pub(super) fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err(format!("duration `{text}` must be greater than zero"));
    }
    Ok(d)
}

/// A duration where `0`, `none` or `off` means none (`agent.timeout`, `agent.heartbeat`,
/// `git.max_wait`).
pub(super) fn parse_optional_duration(text: &str) -> Result<Option<Duration>, String> {
    if matches!(text.trim().to_ascii_lowercase().as_str(), "none" | "off") {
        return Ok(None);
    }
    parse_duration(text).map(|d| (!d.is_zero()).then_some(d))
}

/// US dollars (`12`, `12.5`, `0.75`) in millionths; not negative.
pub(super) fn parse_money(text: &str) -> Result<u64, String> {
    let bad = || format!("invalid amount `{text}` (expected US dollars, e.g. 12.5)");
    let value: f64 = text
        .trim()
        .trim_start_matches('$')
        .parse()
        .map_err(|_| bad())?;
    if !value.is_finite() || !(0.0..=1e12).contains(&value) {
        return Err(bad());
    }
    // In range by the check above; rounding to the micro-dollar is the intent.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok((value * 1e6).round() as u64)
}

/// An iteration number, or a UTC time `YYYY-MM-DDTHH:MM:SSZ` (normalised to that form).
pub(super) fn parse_since(text: &str) -> Result<crate::config::Since, String> {
    let text = text.trim();
    if let Ok(iteration) = text.parse::<u64>() {
        return Ok(crate::config::Since::Iteration(iteration));
    }
    humantime::parse_rfc3339_weak(text)
        .map(|t| crate::config::Since::Time(crate::state::format_utc(t)))
        .map_err(|_| {
            format!("invalid `{text}` (expected an iteration number or a time like 2026-11-22T00:00:00Z)")
        })
}

/// `serve.commit_url`: blank for the derived default, `off` (or `none`) for no links, else an
/// `http://` or `https://` URL holding the placeholder `{sha}` (and no other `{…}`), without
/// whitespace: the dashboard makes links of it, so no other scheme may slip in.
pub(super) fn parse_commit_url(text: &str) -> Result<crate::config::CommitUrl, String> {
    use crate::config::CommitUrl;
    let text = text.trim();
    if text.is_empty() {
        return Ok(CommitUrl::Derived);
    }
    if matches!(text.to_ascii_lowercase().as_str(), "off" | "none") {
        return Ok(CommitUrl::Off);
    }
    let expected = "expected an http:// or https:// URL with `{sha}`, e.g. \
                    https://github.com/you/repo/commit/{sha}, or `off`";
    if !(text.starts_with("https://") || text.starts_with("http://")) {
        return Err(format!("invalid commit URL `{text}` ({expected})"));
    }
    if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "invalid commit URL `{text}`: it holds {c:?} ({expected})"
        ));
    }
    if !text.contains("{sha}") {
        return Err(format!("commit URL `{text}` has no `{{sha}}` ({expected})"));
    }
    if let Some(other) = text
        .replace("{sha}", "")
        .split('{')
        .nth(1)
        .map(|rest| rest.split('}').next().unwrap_or(rest).to_owned())
    {
        return Err(format!(
            "commit URL `{text}`: unknown placeholder `{{{other}}}` (only `{{sha}}`)"
        ));
    }
    Ok(CommitUrl::Template(text.to_owned()))
}

/// A router mode (see [`RouterMode`]'s `FromStr`).
pub(super) fn parse_router_mode(text: &str) -> Result<RouterMode, String> {
    text.parse()
}

/// A name that must not be blank (agent names, prompt files, the remote).
pub(super) fn non_empty(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".to_owned());
    }
    Ok(trimmed.to_owned())
}

/// `None` for blank text (an empty `router.prompt` means no router; an empty `git.branch` means
/// the current branch).
pub(super) fn blank_to_none(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (fuzz_config, restating paths through `BATON_*`): `logs_dir: .//x` gave the
    /// prefix `/x/` and `tmp_dir: x/./` gave `x/./` once written as an absolute path.
    #[test]
    fn never_prefix_is_the_same_for_every_spelling_of_a_directory() {
        let root = Path::new("/ws");
        for dir in [
            ".//x", "x/./", "./x", "x", "x/", "/ws/.//x", "/ws/x/./", "/ws/x",
        ] {
            assert_eq!(
                never_prefix(root, Path::new(dir)).as_deref(),
                Some("x/"),
                "{dir}"
            );
        }
        assert_eq!(
            never_prefix(root, Path::new("a/./b//")).as_deref(),
            Some("a/b/")
        );
        for outside in [".", "./", "..", "../x", "/ws", "/ws/..", "/elsewhere/x"] {
            assert_eq!(never_prefix(root, Path::new(outside)), None, "{outside}");
        }
    }
}
