//! Every configuration key, declared once: its dotted name, where its value goes and how it is
//! written and checked ([`Slot`]) and its default. The YAML file, the
//! `BATON_<KEY>` environment (`agent.default` → `BATON_AGENT_DEFAULT`, see `env.rs`) and the
//! flags are read through this table (see `layer.rs`); "did you mean" suggestions, the
//! values `baton check --json` shows (`show.rs`) and the documentation test come from it too. A new key is one entry here, its field in [`Config`]
//! and a line in `docs/configuration.md`.
//!
//! [`Config`]: crate::config::Config

mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::draft::Draft;
use crate::config::{Format, RouterMode};
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
    /// A non-negative integer that may be left out (`null` = none).
    MaybeCount(fn(&mut Draft) -> &mut Option<u64>),
    /// An amount of US dollars (`12.5`), kept in millionths; `null` = none.
    Money(fn(&mut Draft) -> &mut Option<u64>),
    /// An iteration number or a UTC time (`2026-11-22T00:00:00Z`); `null` = none.
    Since(fn(&mut Draft) -> &mut Option<crate::config::Since>),
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
    /// A list of argv lists (each non-empty).
    Commands(fn(&mut Draft) -> &mut Vec<Vec<String>>),
    /// A mapping of agent name to a list of agent names.
    Chains(fn(&mut Draft) -> &mut BTreeMap<String, Vec<String>>),
    /// A list of regular expressions (each must compile).
    Patterns(fn(&mut Draft) -> &mut Vec<String>),
    /// A mapping of agent name to output format (`claude-stream-json`, …).
    Formats(fn(&mut Draft) -> &mut BTreeMap<String, Format>),
    /// A mapping of agent name to argv list (first item: the program).
    Argvs(fn(&mut Draft) -> &mut BTreeMap<String, Vec<String>>),
    /// The Python tool's `report_extensions`: reports are files with these extensions
    /// anywhere (sets `autocommit.report_extensions` and an empty `autocommit.report_globs`).
    ReportsAnywhere,
    /// `actors:`: declared actors (`docs/workflows.md`).
    ActorDefs(fn(&mut Draft) -> &mut BTreeMap<Actor, crate::workflow::ActorSpec>),
    /// `workflow.start`: the actor each iteration starts with, and where it is written.
    Start(fn(&mut Draft) -> &mut Option<(Actor, crate::workflow::Pos)>),
    /// `workflow.steps`: the graph's edges.
    Steps(fn(&mut Draft) -> &mut Option<Vec<crate::workflow::Step>>),
    /// `workflow.workers`: actor → the most turns of it at once.
    Workers(fn(&mut Draft) -> &mut BTreeMap<Actor, u32>),
    /// A commit URL template with `{sha}`, `off`, or `null`/blank for the derived default.
    CommitUrl(fn(&mut Draft) -> &mut crate::config::CommitUrl),
    /// A key of the Python tool with no meaning here: accepted with a warning.
    Meaningless,
}

pub(super) use table::KEYS;

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
    /// What the key means, in one line: the comment `baton init` writes beside it. For a key
    /// with no default value it starts by saying what the default is (`default: none; …`).
    pub(super) doc: &'static str,
    /// A value as it is written in YAML (`2h`, `[logs/, tmp/]`, `{ralph: codex}`): shown
    /// commented out in place of a key with no default value, and after a mapping's `{}`.
    pub(super) example: Option<&'static str>,
}

impl Key {
    /// The key with its one-line meaning.
    pub(super) const fn doc(self, doc: &'static str) -> Key {
        Key { doc, ..self }
    }

    /// The key with an example value (YAML).
    pub(super) const fn example(self, example: &'static str) -> Key {
        Key {
            example: Some(example),
            ..self
        }
    }
}

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

/// Whether the key's value is one scalar (its variable's value is taken as it is).
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
            | Slot::MaybeCount(_)
            | Slot::Money(_)
            | Slot::Since(_)
            | Slot::Start(_)
            | Slot::CommitUrl(_)
    )
}
