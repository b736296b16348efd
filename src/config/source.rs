//! The configuration file being read, and the errors and warnings that point into it
//! (`file:line:col: message naming the key`).

use std::path::{Path, PathBuf};

use serde_saphyr::{Location, MessageFormatter, UserMessageFormatter};

use crate::config::ConfigError;
use crate::config::keys;
use crate::config::layer::Bad;
use crate::config::suggest::{join, suggest};

/// Where a YAML text came from.
#[derive(Debug)]
pub(super) struct SourceFile {
    path: PathBuf,
}

impl SourceFile {
    /// The file at `path`.
    pub(super) fn new(path: &Path) -> Self {
        SourceFile {
            path: path.to_path_buf(),
        }
    }

    /// An [`ConfigError::Invalid`] at `at` (line and column 0 when unknown).
    pub(super) fn invalid(&self, at: Location, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            line: at.line(),
            column: at.column(),
            message,
        }
    }

    /// A bad value: ``key `k`: message`` at the value.
    pub(super) fn bad(&self, bad: Bad) -> ConfigError {
        self.invalid(bad.at, format!("key `{}`: {}", bad.key, bad.message))
    }

    /// A warning line for `key` written at `at` (``file:line:col: key `k` …``).
    pub(super) fn warning(&self, at: Location, key: &str, message: &str) -> String {
        format!(
            "{}:{}:{}: key `{key}` {message}",
            self.path.display(),
            at.line(),
            at.column()
        )
    }

    /// A syntax error at saphyr's position.
    pub(super) fn parse_error(&self, err: &serde_saphyr::Error) -> ConfigError {
        let err = err.without_snippet();
        let at = err.location().unwrap_or(Location::UNKNOWN);
        self.invalid(at, UserMessageFormatter.format_message(err).to_string())
    }

    /// "unknown key `router.mdoe`, did you mean `mode`?" (or the list of valid keys there).
    pub(super) fn unknown_key(&self, at: Location, section: &str, field: &str) -> ConfigError {
        let full = join(section, field);
        let message = match suggest(section, field) {
            Some(hint) => format!("unknown key `{full}`, did you mean `{hint}`?"),
            None => format!(
                "unknown key `{full}` (valid keys here: {})",
                keys::children(section).join(", ")
            ),
        };
        self.invalid(at, message)
    }
}
