//! The configuration file being read: its path and key positions, and the errors and warnings
//! that point into it (`file:line:col: message naming the key`).

use std::path::{Path, PathBuf};

use serde_saphyr::{Location, MessageFormatter, UserMessageFormatter};

use crate::config::ConfigError;
use crate::config::keyindex::KeyIndex;
use crate::config::suggest::{join, section_of, suggest};

/// A YAML text and where it came from.
#[derive(Debug)]
pub(super) struct SourceFile {
    path: PathBuf,
    index: KeyIndex,
}

impl SourceFile {
    /// Indexes `text`, read from `path`.
    pub(super) fn new(path: &Path, text: &str) -> Self {
        SourceFile {
            path: path.to_path_buf(),
            index: KeyIndex::scan(text),
        }
    }

    /// An [`ConfigError::Invalid`] at `line`:`column` (0 = unknown).
    pub(super) fn invalid(&self, line: u64, column: u64, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            line,
            column,
            message,
        }
    }

    /// A bad value of `key` at the parsed value's location.
    pub(super) fn bad_value(&self, location: Location, key: &str, message: &str) -> ConfigError {
        let (line, column) = match (location.line(), location.column()) {
            (0, _) => self.index.position(key).unwrap_or((0, 0)),
            known => known,
        };
        self.invalid(line, column, format!("key `{key}`: {message}"))
    }

    /// A bad value of `key`, located at the key itself (for values parsed without a span).
    pub(super) fn bad_key(&self, key: &str, message: &str) -> ConfigError {
        let (line, column) = self.index.position(key).unwrap_or((0, 0));
        self.invalid(line, column, format!("key `{key}`: {message}"))
    }

    /// A warning line for `key` (`file:line:col: key `k` …`).
    pub(super) fn warning(&self, key: &str, message: &str) -> String {
        let (line, column) = self.index.position(key).unwrap_or((0, 0));
        format!(
            "{}:{line}:{column}: key `{key}` {message}",
            self.path.display()
        )
    }

    /// Turns a parse error (syntax, unknown key, wrong type) into an error naming the key.
    pub(super) fn parse_error(&self, err: &serde_saphyr::Error) -> ConfigError {
        let err = err.without_snippet();
        let (line, column) = err
            .location()
            .map_or((0, 0), |loc| (loc.line(), loc.column()));
        if let serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } = err
        {
            let message = self.unknown_key(line, column, field, expected);
            return self.invalid(line, column, message);
        }
        let raw = UserMessageFormatter.format_message(err);
        let text = plain_words(&raw);
        let message = match self.index.owner_of(line, column) {
            Some(key) => format!("key `{key}`: {text}"),
            None => text.to_owned(),
        };
        self.invalid(line, column, message)
    }

    /// "unknown key `router.mdoe`, did you mean `mode`?" (or the list of valid keys).
    fn unknown_key(&self, line: u64, column: u64, field: &str, expected: &[&str]) -> String {
        let full = match self.index.key_at(line, column) {
            Some(path) => path.to_owned(),
            None => join(section_of(expected).unwrap_or(""), field),
        };
        let section = full
            .strip_suffix(field)
            .map_or("", |prefix| prefix.trim_end_matches('.'));
        match suggest(section, field) {
            Some(hint) => format!("unknown key `{full}`, did you mean `{hint}`?"),
            None => format!(
                "unknown key `{full}` (valid keys here: {})",
                expected.join(", ")
            ),
        }
    }
}

/// saphyr's terse type messages in the words a config author uses.
fn plain_words(message: &str) -> &str {
    match message {
        "invalid u64" => "expected a non-negative integer",
        "invalid boolean" => "expected true or false",
        "expected string scalar" => "expected a string",
        "expected mapping start" => "expected a mapping of keys",
        "expected sequence start" => "expected a list",
        other => other,
    }
}
