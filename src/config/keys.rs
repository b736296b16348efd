//! Every configuration key, declared once: its dotted name, where its value goes and how it is
//! written and checked ([`Slot`]) and its default. The YAML file, the
//! `BATON_<KEY>` environment (`agent.default` → `BATON_AGENT_DEFAULT`, scalars only) and the
//! flags are read through this table (see `layer.rs`); "did you mean" suggestions and the
//! documentation test come from it too. A new key is one entry here, its field in [`Config`]
//! and a line in `docs/configuration.md`.
//!
//! [`Config`]: crate::config::Config

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::RouterMode;
use crate::config::draft::Draft;
use crate::state::Actor;

/// Where a key's value goes, which also says how it is written and checked.
#[derive(Clone, Copy)]
pub(super) enum Slot {
    /// A path, relative to the workspace root unless absolute; not blank.
    Path(fn(&mut Draft) -> &mut PathBuf),
    /// A name (prompt file, agent, remote); trimmed, not blank.
    Name(fn(&mut Draft) -> &mut String),
    /// A name that may be left out: `null` or blank means none.
    MaybeName(fn(&mut Draft) -> &mut Option<String>),
    /// `true` / `false` (from the environment also `1/0`, `yes/no`, `on/off`).
    Flag(fn(&mut Draft) -> &mut bool),
    /// A non-negative integer.
    Count(fn(&mut Draft) -> &mut u64),
    /// A duration greater than zero (`1s`, `10m`).
    Period(fn(&mut Draft) -> &mut Duration),
    /// A duration where `0`, `none` or `off` means none.
    Limit(fn(&mut Draft) -> &mut Option<Duration>),
    /// `router_default`, `router_first` or `router_only`.
    Mode(fn(&mut Draft) -> &mut RouterMode),
    /// A list of strings, as written.
    List(fn(&mut Draft) -> &mut Vec<String>),
    /// A list of file extensions, normalised to `.ext` lower-case.
    Extensions(fn(&mut Draft) -> &mut Vec<String>),
    /// A list whose default depends on other keys (`None` until set).
    LateList(fn(&mut Draft) -> &mut Option<Vec<String>>),
    /// A mapping of actor (or alias) to agent name.
    Actors(fn(&mut Draft) -> &mut BTreeMap<Actor, String>),
    /// A mapping of name to name.
    Names(fn(&mut Draft) -> &mut BTreeMap<String, String>),
    /// A mapping of agent name to argv list (first item: the program).
    Argvs(fn(&mut Draft) -> &mut BTreeMap<String, Vec<String>>),
    /// The Python tool's `report_extensions`: reports are files with these extensions
    /// anywhere (sets `autocommit.report_extensions` and an empty `autocommit.report_globs`).
    ReportsAnywhere,
    /// A key of the Python tool with no meaning here: accepted with a warning.
    Meaningless,
}

/// One configuration key.
pub(super) struct Key {
    /// Dotted name: `git.poll_interval`.
    pub(super) name: &'static str,
    /// Where the value goes and how it is checked.
    pub(super) slot: Slot,
    /// The default, as it would be written in the environment (list items one by one); empty
    /// for "none" / the empty list / a default that depends on other keys.
    pub(super) default: &'static [&'static str],
    /// A key of the Python tool that sets `name`'s value under a new name (the new key wins
    /// when both are written).
    pub(super) compat_for: Option<&'static str>,
}

const fn key(name: &'static str, slot: Slot, default: &'static [&'static str]) -> Key {
    Key {
        name,
        slot,
        default,
        compat_for: None,
    }
}

const fn compat(name: &'static str, slot: Slot, new: &'static str) -> Key {
    Key {
        name,
        slot,
        default: &[],
        compat_for: Some(new),
    }
}

/// Every key, in the order documented; compatibility keys last.
pub(super) const KEYS: &[Key] = &[
    key(
        "prompts_dir",
        Slot::Path(|d| &mut d.config.prompts_dir),
        &["prompts"],
    ),
    key(
        "state_file",
        Slot::Path(|d| &mut d.config.state_file),
        &["sync/state.json"],
    ),
    key(
        "journal_file",
        Slot::Path(|d| &mut d.config.journal_file),
        &["sync/journal.jsonl"],
    ),
    key(
        "logs_dir",
        Slot::Path(|d| &mut d.config.logs_dir),
        &["logs"],
    ),
    key("tmp_dir", Slot::Path(|d| &mut d.config.tmp_dir), &["tmp"]),
    key(
        "prompts.supervisor",
        Slot::Name(|d| &mut d.config.prompts.supervisor),
        &["supervisor.md"],
    ),
    key(
        "prompts.main",
        Slot::Name(|d| &mut d.config.prompts.main),
        &["main.md"],
    ),
    key(
        "prompts.reviewer",
        Slot::Name(|d| &mut d.config.prompts.reviewer),
        &["reviewer.md"],
    ),
    key(
        "review_every_n",
        Slot::Count(|d| &mut d.config.review_every_n),
        &["0"],
    ),
    key(
        "router.enabled",
        Slot::Flag(|d| &mut d.config.router.enabled),
        &["false"],
    ),
    key(
        "router.prompt",
        Slot::MaybeName(|d| &mut d.config.router.prompt),
        &["router.md"],
    ),
    key(
        "router.mode",
        Slot::Mode(|d| &mut d.config.router.mode),
        &["router_default"],
    ),
    key(
        "router.allowlist",
        Slot::LateList(|d| &mut d.allowlist),
        &[],
    ),
    key(
        "agent.default",
        Slot::Name(|d| &mut d.config.agent.default),
        &["claude"],
    ),
    key(
        "agent.roles",
        Slot::Actors(|d| &mut d.config.agent.roles),
        &[],
    ),
    key(
        "agent.prompts",
        Slot::Names(|d| &mut d.config.agent.prompts),
        &[],
    ),
    key(
        "agent.commands",
        Slot::Argvs(|d| &mut d.config.agent.commands),
        &[],
    ),
    key(
        "agent.timeout",
        Slot::Limit(|d| &mut d.config.agent.timeout),
        &["2h"],
    ),
    key(
        "agent.heartbeat",
        Slot::Limit(|d| &mut d.config.agent.heartbeat),
        &["10s"],
    ),
    key(
        "git.remote",
        Slot::Name(|d| &mut d.config.git.remote),
        &["origin"],
    ),
    key(
        "git.branch",
        Slot::MaybeName(|d| &mut d.config.git.branch),
        &[],
    ),
    key(
        "git.poll_interval",
        Slot::Period(|d| &mut d.config.git.poll_interval),
        &["1s"],
    ),
    key(
        "git.max_wait",
        Slot::Limit(|d| &mut d.config.git.max_wait),
        &[],
    ),
    key(
        "git.lease",
        Slot::Period(|d| &mut d.config.git.lease),
        &["10m"],
    ),
    key(
        "autocommit.reports",
        Slot::Flag(|d| &mut d.config.autocommit.reports),
        &["true"],
    ),
    key(
        "autocommit.report_extensions",
        Slot::Extensions(|d| &mut d.config.autocommit.report_extensions),
        &[],
    ),
    key(
        "autocommit.report_globs",
        Slot::List(|d| &mut d.config.autocommit.report_globs),
        &["reports/**"],
    ),
    key(
        "autocommit.report_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.report_max_file_bytes),
        &["5242880"],
    ),
    key(
        "autocommit.report_max_total_bytes",
        Slot::Count(|d| &mut d.config.autocommit.report_max_total_bytes),
        &["20971520"],
    ),
    key(
        "autocommit.tracked_outputs",
        Slot::Flag(|d| &mut d.config.autocommit.tracked_outputs),
        &["true"],
    ),
    key(
        "autocommit.tracked_output_globs",
        Slot::List(|d| &mut d.config.autocommit.tracked_output_globs),
        &["tests/fixtures/**"],
    ),
    key(
        "autocommit.tracked_output_extensions",
        Slot::Extensions(|d| &mut d.config.autocommit.tracked_output_extensions),
        &[".npy", ".npz", ".json", ".pkl"],
    ),
    key(
        "autocommit.tracked_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.tracked_max_file_bytes),
        &["33554432"],
    ),
    key(
        "autocommit.tracked_max_total_bytes",
        Slot::Count(|d| &mut d.config.autocommit.tracked_max_total_bytes),
        &["104857600"],
    ),
    key(
        "autocommit.doc_meta",
        Slot::Flag(|d| &mut d.config.autocommit.doc_meta),
        &["true"],
    ),
    key(
        "autocommit.doc_whitelist",
        Slot::List(|d| &mut d.config.autocommit.doc_whitelist),
        DOC_WHITELIST,
    ),
    key(
        "autocommit.doc_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.doc_max_file_bytes),
        &["1048576"],
    ),
    key("autocommit.never", Slot::LateList(|d| &mut d.never), &[]),
    key(
        "autocommit.include_ignored",
        Slot::List(|d| &mut d.config.autocommit.include_ignored),
        &[],
    ),
    key(
        "autocommit.work",
        Slot::Flag(|d| &mut d.config.autocommit.work),
        &["true"],
    ),
    key(
        "autocommit.everything",
        Slot::Flag(|d| &mut d.config.autocommit.everything),
        &["false"],
    ),
    key(
        "autocommit.tolerate_dirty",
        Slot::Flag(|d| &mut d.config.autocommit.tolerate_dirty),
        &["false"],
    ),
    key(
        "input_file",
        Slot::MaybeName(|d| &mut d.config.compat.input_file),
        &["input.md"],
    ),
    key(
        "findings_file",
        Slot::MaybeName(|d| &mut d.config.compat.findings_file),
        &[],
    ),
    // The Python tool's keys, applied before the new ones so that a new key wins.
    compat(
        "supervisor_prompt",
        Slot::Name(|d| &mut d.config.prompts.supervisor),
        "prompts.supervisor",
    ),
    compat(
        "main_prompt",
        Slot::Name(|d| &mut d.config.prompts.main),
        "prompts.main",
    ),
    compat(
        "reviewer_prompt",
        Slot::Name(|d| &mut d.config.prompts.reviewer),
        "prompts.reviewer",
    ),
    compat(
        "workflow.review_every_n",
        Slot::Count(|d| &mut d.config.review_every_n),
        "review_every_n",
    ),
    compat(
        "router.review_every_n",
        Slot::Count(|d| &mut d.config.review_every_n),
        "review_every_n",
    ),
    compat(
        "doc_whitelist",
        Slot::List(|d| &mut d.config.autocommit.doc_whitelist),
        "autocommit.doc_whitelist",
    ),
    compat(
        "tracked_output_globs",
        Slot::List(|d| &mut d.config.autocommit.tracked_output_globs),
        "autocommit.tracked_output_globs",
    ),
    compat(
        "tracked_output_extensions",
        Slot::Extensions(|d| &mut d.config.autocommit.tracked_output_extensions),
        "autocommit.tracked_output_extensions",
    ),
    // The Python tool's reports were files with these extensions anywhere in the tree.
    compat(
        "report_extensions",
        Slot::ReportsAnywhere,
        "autocommit.report_extensions",
    ),
    compat("spec_bootstrap", Slot::Meaningless, ""),
    compat("workflow.name", Slot::Meaningless, ""),
];

/// The default doc/meta whitelist.
const DOC_WHITELIST: &[&str] = &[
    "input.md",
    "galph_memory.md",
    "docs/fix_plan.md",
    "plans/**/*.md",
    "prompts/**/*.md",
    ".gitignore",
    ".gitmodules",
    ".gitattributes",
];

/// The key named `name`.
pub(super) fn find(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

/// The section of a dotted name (`git` for `git.lease`, `""` at the top level) and its last
/// part.
pub(super) fn split(name: &str) -> (&str, &str) {
    name.rsplit_once('.').unwrap_or(("", name))
}

/// Whether `name` is a section (a prefix of some key).
pub(super) fn is_section(name: &str) -> bool {
    KEYS.iter().any(|k| {
        k.name
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The names valid directly in `section` (`""` = top level), keys and sub-sections, in
/// declaration order without repeats.
pub(super) fn children(section: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for key in KEYS {
        let rest = if section.is_empty() {
            Some(key.name)
        } else {
            key.name
                .strip_prefix(section)
                .and_then(|r| r.strip_prefix('.'))
        };
        if let Some(rest) = rest {
            let child = rest.split('.').next().unwrap_or(rest);
            if !out.contains(&child) {
                out.push(child);
            }
        }
    }
    out
}

/// Whether the key's value is one scalar (settable from the environment).
pub(super) fn is_scalar(slot: Slot) -> bool {
    matches!(
        slot,
        Slot::Path(_)
            | Slot::Name(_)
            | Slot::MaybeName(_)
            | Slot::Flag(_)
            | Slot::Count(_)
            | Slot::Period(_)
            | Slot::Limit(_)
            | Slot::Mode(_)
    )
}
