//! Serde mirror of `orchestration.yaml`.
//!
//! Every struct denies unknown fields, so a misspelt key fails the parse with its position.
//! Every field is optional: absence means "not set at this layer". Values that need checking
//! beyond their YAML type (durations, router mode, actor names, argv lists) carry their source
//! position through [`Spanned`] so validation errors can point at them. [`SECTIONS`] lists the
//! keys of each struct for "did you mean" suggestions; a unit test keeps it in step with serde.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

/// A string value with its position.
pub(super) type SpannedText = Spanned<String>;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub prompts_dir: Option<String>,
    pub state_file: Option<String>,
    pub journal_file: Option<String>,
    pub logs_dir: Option<String>,
    pub tmp_dir: Option<String>,
    pub prompts: Option<RawPrompts>,
    pub review_every_n: Option<u64>,
    pub router: Option<RawRouter>,
    pub agent: Option<RawAgent>,
    pub git: Option<RawGit>,
    pub autocommit: Option<RawAutocommit>,
    // Compatibility keys of the Python tool (see `compat.rs`).
    pub supervisor_prompt: Option<String>,
    pub main_prompt: Option<String>,
    pub reviewer_prompt: Option<String>,
    pub workflow: Option<RawWorkflow>,
    pub doc_whitelist: Option<Vec<String>>,
    pub tracked_output_globs: Option<Vec<String>>,
    pub tracked_output_extensions: Option<Vec<String>>,
    pub report_extensions: Option<Vec<String>>,
    pub input_file: Option<String>,
    pub findings_file: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub spec_bootstrap: Option<IgnoredAny>,
}

/// `prompts.*`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrompts {
    pub supervisor: Option<String>,
    pub main: Option<String>,
    pub reviewer: Option<String>,
}

/// `router.*`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRouter {
    pub enabled: Option<bool>,
    /// Outer `None`: absent; `Some(None)`: explicitly null.
    #[serde(default, deserialize_with = "present")]
    pub prompt: Option<Option<String>>,
    pub mode: Option<SpannedText>,
    pub allowlist: Option<Vec<String>>,
    /// Compatibility: same as the top-level `review_every_n`.
    pub review_every_n: Option<u64>,
}

/// `agent.*`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgent {
    pub default: Option<String>,
    pub roles: Option<SpannedKeys<String>>,
    pub prompts: Option<BTreeMap<String, String>>,
    pub commands: Option<BTreeMap<String, Spanned<Vec<String>>>>,
    pub timeout: Option<SpannedText>,
    pub heartbeat: Option<SpannedText>,
}

/// `git.*`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGit {
    pub remote: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub branch: Option<Option<String>>,
    pub poll_interval: Option<SpannedText>,
    pub max_wait: Option<SpannedText>,
    pub lease: Option<SpannedText>,
}

/// `autocommit.*`: one key per field of [`crate::config::AutocommitConfig`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAutocommit {
    pub reports: Option<bool>,
    pub report_extensions: Option<Vec<String>>,
    pub report_globs: Option<Vec<String>>,
    pub report_max_file_bytes: Option<u64>,
    pub report_max_total_bytes: Option<u64>,
    pub tracked_outputs: Option<bool>,
    pub tracked_output_globs: Option<Vec<String>>,
    pub tracked_output_extensions: Option<Vec<String>>,
    pub tracked_max_file_bytes: Option<u64>,
    pub tracked_max_total_bytes: Option<u64>,
    pub doc_meta: Option<bool>,
    pub doc_whitelist: Option<Vec<String>>,
    pub doc_max_file_bytes: Option<u64>,
    pub never: Option<Vec<String>>,
    pub include_ignored: Option<Vec<String>>,
    pub work: Option<bool>,
    pub everything: Option<bool>,
    pub tolerate_dirty: Option<bool>,
}

/// Compatibility: the Python tool's `workflow.*`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorkflow {
    /// `standard` or `review_cadence`: meaningless here (the cadence is `review_every_n`).
    #[serde(default, deserialize_with = "present")]
    pub name: Option<IgnoredAny>,
    pub review_every_n: Option<u64>,
}

/// The keys of each section (`""` = top level), in declaration order.
pub(super) const SECTIONS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "prompts_dir",
            "state_file",
            "journal_file",
            "logs_dir",
            "tmp_dir",
            "prompts",
            "review_every_n",
            "router",
            "agent",
            "git",
            "autocommit",
            "supervisor_prompt",
            "main_prompt",
            "reviewer_prompt",
            "workflow",
            "doc_whitelist",
            "tracked_output_globs",
            "tracked_output_extensions",
            "report_extensions",
            "input_file",
            "findings_file",
            "spec_bootstrap",
        ],
    ),
    ("prompts", &["supervisor", "main", "reviewer"]),
    (
        "router",
        &["enabled", "prompt", "mode", "allowlist", "review_every_n"],
    ),
    (
        "agent",
        &[
            "default",
            "roles",
            "prompts",
            "commands",
            "timeout",
            "heartbeat",
        ],
    ),
    (
        "git",
        &["remote", "branch", "poll_interval", "max_wait", "lease"],
    ),
    (
        "autocommit",
        &[
            "reports",
            "report_extensions",
            "report_globs",
            "report_max_file_bytes",
            "report_max_total_bytes",
            "tracked_outputs",
            "tracked_output_globs",
            "tracked_output_extensions",
            "tracked_max_file_bytes",
            "tracked_max_total_bytes",
            "doc_meta",
            "doc_whitelist",
            "doc_max_file_bytes",
            "never",
            "include_ignored",
            "work",
            "everything",
            "tolerate_dirty",
        ],
    ),
    ("workflow", &["name", "review_every_n"]),
];

/// A mapping whose keys keep their positions (for validating `agent.roles` keys).
#[derive(Debug, Default)]
pub(super) struct SpannedKeys<V>(pub Vec<(SpannedText, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpannedKeys<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = SpannedKeys<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(SpannedKeys(entries))
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// Deserializes a present field (even a null one) as `Some`, so `Option<Option<T>>` can tell
/// "absent" (`None`, via `#[serde(default)]`) from "null" (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps [`SECTIONS`] in step with the serde structs: an unknown key in each section must
    /// list exactly that section's keys.
    #[test]
    fn sections_match_the_serde_field_lists() {
        for (section, keys) in SECTIONS {
            let text = if section.is_empty() {
                "zz_unknown: 1\n".to_owned()
            } else {
                format!("{section}:\n  zz_unknown: 1\n")
            };
            let err = serde_saphyr::from_str::<RawConfig>(&text).expect_err(&text);
            match err.without_snippet() {
                serde_saphyr::Error::SerdeUnknownField { expected, .. } => {
                    assert_eq!(expected.as_slice(), *keys, "section `{section}`");
                }
                other => panic!("section `{section}`: unexpected error {other}"),
            }
        }
    }
}
