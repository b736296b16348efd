//! Where each setting came from: the default, a position in the file, a `BATON_*` variable or
//! a flag. Kept per key and, for values read from the file, per entry of a mapping (`.name`)
//! and item of a list (`[i]`), so that a check made after loading (an unknown agent in
//! `agent.fallbacks`, a verify program not on `PATH`) names `file:line:col` as a bad value
//! does while loading.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::Location;

use crate::config::ConfigError;
use crate::config::node::{Node, Yaml};

/// Where one value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The key's default (nothing set it).
    Default,
    /// Written in the configuration file at this 1-based line and column.
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
    },
    /// Set by this environment variable (`BATON_AGENT_TIMEOUT`).
    Env(String),
    /// Set by this command-line flag (`--timeout`).
    Flag(String),
}

impl Origin {
    /// `message` about the value from here, as a configuration error (exit 2): ``file:line:col:
    /// message`` for the file, `environment variable V: message`, `flag F: message`, or the
    /// message alone for a default.
    #[must_use]
    pub fn error(&self, message: String) -> ConfigError {
        match self {
            Origin::File { path, line, column } => ConfigError::Invalid {
                path: path.clone(),
                line: *line,
                column: *column,
                message,
            },
            Origin::Env(var) => ConfigError::Env {
                var: var.clone(),
                message,
            },
            Origin::Flag(flag) => ConfigError::Flag {
                flag: flag.clone(),
                message,
            },
            Origin::Default => ConfigError::Setting { message },
        }
    }
}

impl fmt::Display for Origin {
    /// `default`, `/ws/orchestration.yaml:12:3`, `BATON_AGENT_TIMEOUT` or `--timeout`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Origin::Env(var) => f.write_str(var),
            Origin::Flag(flag) => f.write_str(flag),
        }
    }
}

/// The origin of every value that was set, by path: `agent.fallbacks` (the key),
/// `agent.fallbacks.claude` (an entry), `agent.fallbacks.claude[0]` (an item).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins {
    by_path: BTreeMap<String, Origin>,
}

impl Origins {
    /// Where the value at `path` came from: its own record, else that of the nearest entry or
    /// key that holds it, else [`Origin::Default`].
    #[must_use]
    pub fn of(&self, path: &str) -> Origin {
        let mut path = path;
        loop {
            if let Some(origin) = self.by_path.get(path) {
                return origin.clone();
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = &path[..cut],
                None => return Origin::Default,
            }
        }
    }

    /// Records that `key` was set from `origin`, forgetting what an earlier layer recorded for
    /// it and its entries.
    pub(super) fn set(&mut self, key: &str, origin: Origin) {
        self.forget(key);
        self.by_path.insert(key.to_owned(), origin);
    }

    /// Records that `key` was set from the file at `node`, with every entry and item in it.
    pub(super) fn set_file(&mut self, key: &str, file: &Path, node: &Node) {
        self.forget(key);
        self.record_node(key, file, node);
    }

    fn record_node(&mut self, path: &str, file: &Path, node: &Node) {
        self.by_path
            .insert(path.to_owned(), file_origin(file, node.at));
        match &node.value {
            Yaml::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.record_node(&format!("{path}[{i}]"), file, item);
                }
            }
            Yaml::Map(entries) => {
                for (name, value) in entries {
                    self.record_node(&format!("{path}.{}", name.value), file, value);
                }
            }
            _ => {}
        }
    }

    fn forget(&mut self, key: &str) {
        self.by_path.retain(|path, _| {
            path != key
                && !path
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        });
    }
}

fn file_origin(path: &Path, at: Location) -> Origin {
    Origin::File {
        path: path.to_path_buf(),
        line: at.line(),
        column: at.column(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_found_by_itself_or_by_what_holds_it() {
        let node: Node = serde_saphyr::from_str("claude:\n  - codex\n  - gemini\n").expect("parse");
        let mut origins = Origins::default();
        let file = Path::new("/ws/orchestration.yaml");
        origins.set_file("agent.fallbacks", file, &node);
        assert_eq!(
            origins.of("agent.fallbacks.claude[1]").to_string(),
            "/ws/orchestration.yaml:3:5"
        );
        assert_eq!(
            origins.of("agent.fallbacks.claude").to_string(),
            "/ws/orchestration.yaml:2:3"
        );
        assert_eq!(origins.of("agent.default"), Origin::Default);
        origins.set(
            "agent.fallbacks",
            Origin::Env("BATON_AGENT_FALLBACKS".into()),
        );
        assert_eq!(
            origins.of("agent.fallbacks.claude[1]"),
            Origin::Env("BATON_AGENT_FALLBACKS".into()),
            "a later layer replaces the file's entries"
        );
    }
}
