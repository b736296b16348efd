//! Path matchers for the auto-commit rules: globs, extensions, prefixes and exclusions.
//!
//! Globs are anchored at the work tree root and follow gitignore's `**` rules: `*` never
//! crosses a `/`, and `plans/**/*.md` matches `plans/a.md` as well as `plans/x/y.md`.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// A compiled list of globs; invalid patterns are dropped with a warning.
pub(super) struct Globs {
    set: GlobSet,
    len: usize,
}

impl Globs {
    /// Compiles `patterns` (from config key `key`), pushing one warning per invalid pattern.
    pub(super) fn new(patterns: &[String], key: &str, warnings: &mut Vec<String>) -> Globs {
        let mut builder = GlobSetBuilder::new();
        let mut len = 0;
        for pattern in patterns {
            match GlobBuilder::new(pattern).literal_separator(true).build() {
                Ok(glob) => {
                    builder.add(glob);
                    len += 1;
                }
                Err(e) => {
                    warnings.push(format!("ignored invalid glob `{pattern}` in `{key}`: {e}"))
                }
            }
        }
        let set = builder.build().unwrap_or_else(|e| {
            warnings.push(format!("ignored the globs in `{key}`: {e}"));
            len = 0;
            GlobSet::empty()
        });
        Globs { set, len }
    }

    /// True when no valid glob was given.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when `path` matches at least one glob.
    pub(super) fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

/// A set of file extensions, lower-cased, each with its leading dot (`.md`).
pub(super) struct Extensions(Vec<String>);

impl Extensions {
    /// Normalises `list`: lower case, leading dot added when missing.
    pub(super) fn new(list: &[String]) -> Extensions {
        let norm = |e: &String| format!(".{}", e.trim_start_matches('.').to_lowercase());
        Extensions(list.iter().map(norm).collect())
    }

    /// True when the set is empty (any extension qualifies then).
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `path`'s extension (case-insensitive) is in the set. Dotfiles such as
    /// `.gitignore` have no extension.
    pub(super) fn contains(&self, path: &str) -> bool {
        std::path::Path::new(path)
            .extension()
            .map(|ext| format!(".{}", ext.to_string_lossy().to_lowercase()))
            .is_some_and(|ext| self.0.contains(&ext))
    }
}

/// True when `path` lies under one of `prefixes` (`logs/`, `tmp`; a missing trailing `/` is
/// implied, a leading `./` ignored).
pub(super) fn under_prefix(path: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|prefix| {
        let dir = prefix.trim_start_matches("./").trim_end_matches('/');
        !dir.is_empty()
            && path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// True when `path` is one of `exclude` (exact match; an entry ending in `/` excludes a whole
/// directory).
pub(super) fn is_excluded(path: &str, exclude: &[String]) -> bool {
    exclude
        .iter()
        .any(|e| e == path || (e.ends_with('/') && path.starts_with(e.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testutil::strings;

    #[test]
    fn double_star_matches_zero_or_more_directories() {
        let mut warnings = Vec::new();
        let globs = Globs::new(
            &strings(&["plans/**/*.md", "tests/fixtures/**"]),
            "k",
            &mut warnings,
        );
        assert!(warnings.is_empty());
        assert!(globs.is_match("plans/a.md"));
        assert!(globs.is_match("plans/x/y/z.md"));
        assert!(!globs.is_match("other/plans/a.md"));
        assert!(globs.is_match("tests/fixtures/a/b.npy"));
        let single = Globs::new(&strings(&["*.md"]), "k", &mut warnings);
        assert!(single.is_match("a.md"));
        assert!(!single.is_match("dir/a.md"), "`*` must not cross `/`");
    }

    #[test]
    fn extensions_are_case_insensitive_and_dotfiles_have_none() {
        let exts = Extensions::new(&strings(&[".MD", "log"]));
        assert!(exts.contains("a/B.md"));
        assert!(exts.contains("run.LOG"));
        assert!(!exts.contains("notes.mdx"));
        assert!(!exts.contains(".md"));
        assert!(!exts.contains("Makefile"));
    }

    #[test]
    fn prefixes_match_whole_directories_only() {
        let never = strings(&["logs/", "./tmp"]);
        assert!(under_prefix("logs/a.log", &never));
        assert!(under_prefix("tmp/x/y", &never));
        assert!(!under_prefix("logsbook.md", &never));
        assert!(!under_prefix("logs", &never));
        assert!(!under_prefix("x/logs/a", &never));
    }

    #[test]
    fn excludes_match_exactly_or_by_directory() {
        let exclude = strings(&["sync/state.json", "out/"]);
        assert!(is_excluded("sync/state.json", &exclude));
        assert!(!is_excluded("sync/state.json.bak", &exclude));
        assert!(is_excluded("out/a", &exclude));
    }
}
