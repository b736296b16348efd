//! The layers of a configuration — defaults, the YAML file, the `BATON_*` environment, the
//! flags — each a list of values for declared keys (see `keys.rs`), laid over the draft in that
//! order and checked by one function per kind of value ([`set`]), so a value means the same
//! wherever it is written.

use std::collections::BTreeMap;

use serde_saphyr::Location;

use crate::config::draft::{
    Draft, blank_to_none, non_empty, normalize_extensions, parse_bool, parse_commit_url,
    parse_money, parse_optional_duration, parse_positive_duration, parse_router_mode, parse_since,
    parse_u64,
};
use crate::config::keys::{KEYS, Key, Slot};
use crate::config::node::{Node, Yaml};
use crate::config::workflow;
use crate::state::Actor;

/// A value for a key: from the file (with positions), or as text (a default or a variable).
pub(super) enum Input<'a> {
    /// A YAML node of the file.
    Node(&'a Node),
    /// Text: one item for a scalar, the items of a list.
    Text(Vec<String>),
}

/// A bad value: where, which key (dotted; a mapping entry's own name for `agent.commands.x`)
/// and what is wrong.
#[derive(Debug)]
pub(super) struct Bad {
    /// The value's (or the offending key's) position; unknown for text.
    pub(super) at: Location,
    /// The key to name.
    pub(super) key: String,
    /// What is wrong.
    pub(super) message: String,
}

/// One value of the file layer: the key, its node, and the key's own position.
pub(super) struct FileSetting<'a> {
    /// The declared key.
    pub(super) key: &'static Key,
    /// Its value.
    pub(super) node: &'a Node,
    /// Where the key is written.
    pub(super) at: Location,
}

/// Lays the defaults of every key over `draft`.
pub(super) fn defaults(draft: &mut Draft) {
    for key in KEYS.iter().filter(|k| !k.default.is_empty()) {
        let items = key.default.iter().map(|s| (*s).to_owned()).collect();
        if let Err(bad) = set(draft, key, &Input::Text(items)) {
            // A unit test loads every default; this cannot happen in a released build.
            tracing::error!(key = key.name, message = bad.message, "bad default");
        }
    }
}

/// Lays the file's settings over `draft` and records where each was written: the Python
/// tool's keys first (in declaration order, so that `router.review_every_n` wins over
/// `workflow.review_every_n`), then every other key in file order, so a new key always wins
/// over its old name.
///
/// # Errors
/// The first bad value.
pub(super) fn apply_file(
    draft: &mut Draft,
    file: &std::path::Path,
    settings: &[FileSetting<'_>],
) -> Result<(), Bad> {
    let mut old: Vec<&FileSetting<'_>> = settings
        .iter()
        .filter(|s| s.key.compat_for.is_some())
        .collect();
    old.sort_by_key(|s| KEYS.iter().position(|k| std::ptr::eq(k, s.key)));
    let new = settings.iter().filter(|s| s.key.compat_for.is_none());
    for setting in old.into_iter().chain(new) {
        set(draft, setting.key, &Input::Node(setting.node))?;
        match setting.key.compat_for {
            Some("") => {}
            target => {
                draft
                    .origins
                    .set_file(target.unwrap_or(setting.key.name), file, setting.node)
            }
        }
    }
    Ok(())
}

/// Checks `input` as `key`'s kind of value and stores it.
///
/// # Errors
/// [`Bad`] naming the key and the value's position.
pub(super) fn set(draft: &mut Draft, key: &Key, input: &Input<'_>) -> Result<(), Bad> {
    let at = match input {
        Input::Node(node) => node.at,
        Input::Text(_) => Location::UNKNOWN,
    };
    let bad = |message: String| Bad {
        at,
        key: key.name.to_owned(),
        message,
    };
    match key.slot {
        Slot::Path(slot) => {
            *slot(draft) = non_empty(&scalar(input).map_err(bad)?).map_err(bad)?.into()
        }
        Slot::Name(slot) => *slot(draft) = non_empty(&scalar(input).map_err(bad)?).map_err(bad)?,
        Slot::MaybeName(slot) => {
            *slot(draft) = match input {
                Input::Node(Node {
                    value: Yaml::Null, ..
                }) => None,
                _ => blank_to_none(&scalar(input).map_err(bad)?),
            }
        }
        Slot::Flag(slot) => *slot(draft) = flag(input).map_err(bad)?,
        Slot::Count(slot) => *slot(draft) = count(input).map_err(bad)?,
        Slot::Period(slot) => {
            *slot(draft) = parse_positive_duration(&scalar(input).map_err(bad)?).map_err(bad)?;
        }
        Slot::Limit(slot) => {
            *slot(draft) = match input {
                Input::Node(Node {
                    value: Yaml::Null, ..
                }) => None,
                _ => parse_optional_duration(&scalar(input).map_err(bad)?).map_err(bad)?,
            }
        }
        Slot::MaybeCount(slot) => {
            *slot(draft) = match input {
                Input::Node(Node {
                    value: Yaml::Null, ..
                }) => None,
                _ => Some(count(input).map_err(bad)?),
            }
        }
        Slot::Money(slot) => {
            *slot(draft) = match input {
                Input::Node(Node {
                    value: Yaml::Null, ..
                }) => None,
                _ => Some(parse_money(&scalar(input).map_err(bad)?).map_err(bad)?),
            }
        }
        Slot::Since(slot) => {
            *slot(draft) = match input {
                Input::Node(Node {
                    value: Yaml::Null, ..
                }) => None,
                _ => Some(parse_since(&scalar(input).map_err(bad)?).map_err(bad)?),
            }
        }
        Slot::CommitUrl(slot) => {
            *slot(draft) = match input {
                Input::Node(Node {
                    value: Yaml::Null, ..
                }) => crate::config::CommitUrl::Derived,
                _ => parse_commit_url(&scalar(input).map_err(bad)?).map_err(bad)?,
            }
        }
        Slot::Mode(slot) => {
            *slot(draft) = parse_router_mode(&scalar(input).map_err(bad)?).map_err(bad)?
        }
        Slot::List(slot) => *slot(draft) = list(input).map_err(bad)?,
        Slot::Extensions(slot) => *slot(draft) = normalize_extensions(list(input).map_err(bad)?),
        Slot::LateList(slot) => *slot(draft) = Some(list(input).map_err(bad)?),
        Slot::ReportsAnywhere => {
            let extensions = normalize_extensions(list(input).map_err(bad)?);
            draft.config.autocommit.report_globs = Vec::new();
            draft.config.autocommit.report_extensions = extensions;
        }
        Slot::Actors(slot) => {
            let mut map = BTreeMap::new();
            for (name, agent) in mapping(key, input)? {
                let actor = Actor::parse_alias(&name.0).ok_or_else(|| Bad {
                    at: name.1,
                    key: key.name.to_owned(),
                    message: format!(
                        "unknown actor `{}` (expected galph, ralph, supervisor, loop or an actor \
                         declared under `actors:`)",
                        name.0
                    ),
                })?;
                map.insert(actor, node_text(key, &name.0, agent)?);
                // Whether it is declared is known once every layer is laid (`Draft::finish`).
                draft.named_actors.push((actor, name.1, key.name));
            }
            *slot(draft) = map;
        }
        Slot::Names(slot) => {
            let mut map = BTreeMap::new();
            for (name, agent) in mapping(key, input)? {
                let agent = node_text(key, &name.0, agent)?;
                map.insert(name.0, agent);
            }
            *slot(draft) = map;
        }
        Slot::Commands(slot) => {
            let items = match input {
                Input::Node(Node {
                    value: Yaml::Seq(items),
                    ..
                }) => items,
                Input::Node(Node {
                    value: Yaml::Null, ..
                }) => {
                    *slot(draft) = Vec::new();
                    return Ok(());
                }
                Input::Node(_) | Input::Text(_) => {
                    return Err(bad(
                        "expected a list of argv lists, written as YAML: `[[cargo, test], …]`"
                            .to_owned(),
                    ));
                }
            };
            let mut commands = Vec::new();
            for item in items {
                let argv = list(&Input::Node(item)).unwrap_or_default();
                if argv.first().is_none_or(|p| p.trim().is_empty()) {
                    return Err(Bad {
                        at: item.at,
                        key: key.name.to_owned(),
                        message: "expected a non-empty argv list whose first item names the \
                                  program"
                            .to_owned(),
                    });
                }
                commands.push(argv);
            }
            *slot(draft) = commands;
        }
        Slot::Chains(slot) => {
            let mut map = BTreeMap::new();
            for (name, chain) in mapping(key, input)? {
                let list = list(&Input::Node(chain)).map_err(|message| Bad {
                    at: chain.at,
                    key: format!("{}.{}", key.name, name.0),
                    message,
                })?;
                map.insert(name.0, list);
            }
            *slot(draft) = map;
        }
        Slot::Patterns(slot) => {
            let patterns = list(input).map_err(bad)?;
            for pattern in &patterns {
                regex::Regex::new(pattern)
                    .map_err(|e| bad(format!("invalid regular expression `{pattern}`: {e}")))?;
            }
            *slot(draft) = patterns;
        }
        Slot::Formats(slot) => {
            let mut map = BTreeMap::new();
            for (name, format) in mapping(key, input)? {
                let text = node_text(key, &name.0, format)?;
                let parsed = text
                    .parse()
                    .map_err(|e: crate::config::UnknownFormat| Bad {
                        at: format.at,
                        key: format!("{}.{}", key.name, name.0),
                        message: e.to_string(),
                    })?;
                map.insert(name.0, parsed);
            }
            *slot(draft) = map;
        }
        Slot::Argvs(slot) => {
            let mut map = BTreeMap::new();
            for (name, argv) in mapping(key, input)? {
                let items = list(&Input::Node(argv)).unwrap_or_default();
                if items
                    .first()
                    .is_none_or(|program| program.trim().is_empty())
                {
                    return Err(Bad {
                        at: argv.at,
                        key: format!("{}.{}", key.name, name.0),
                        message:
                            "expected a non-empty argv list whose first item names the program"
                                .to_owned(),
                    });
                }
                map.insert(name.0, items);
            }
            *slot(draft) = map;
        }
        Slot::ActorDefs(slot) => *slot(draft) = workflow::parse_actors(structured(key, input)?)?,
        Slot::Steps(slot) => *slot(draft) = Some(workflow::parse_steps(structured(key, input)?)?),
        Slot::Workers(slot) => *slot(draft) = workflow::parse_workers(structured(key, input)?)?,
        Slot::Start(slot) => {
            *slot(draft) = Some(match input {
                Input::Node(node) => workflow::parse_start(node)?,
                Input::Text(_) => {
                    let name = scalar(input).map_err(bad)?;
                    let actor = Actor::parse_alias(&name)
                        .ok_or_else(|| bad(Actor::new(&name).err().unwrap_or_default()))?;
                    (
                        actor,
                        crate::workflow::Pos {
                            key: "workflow.start",
                            ..Default::default()
                        },
                    )
                }
            });
        }
        Slot::Meaningless => {}
    }
    Ok(())
}

/// The YAML node of a structured value (a variable gives one when written in flow syntax).
fn structured<'a>(key: &Key, input: &Input<'a>) -> Result<&'a Node, Bad> {
    match input {
        Input::Node(node) => Ok(node),
        Input::Text(_) => Err(Bad {
            at: Location::UNKNOWN,
            key: key.name.to_owned(),
            message: "expected YAML flow syntax: `{…}` or `[…]`".to_owned(),
        }),
    }
}

/// A scalar's text (a number or boolean as written).
fn scalar(input: &Input<'_>) -> Result<String, String> {
    match input {
        Input::Node(node) => node
            .value
            .scalar_text()
            .ok_or_else(|| "expected a string".to_owned()),
        Input::Text(items) => Ok(items.first().cloned().unwrap_or_default()),
    }
}

fn flag(input: &Input<'_>) -> Result<bool, String> {
    match input {
        Input::Node(Node {
            value: Yaml::Bool(b),
            ..
        }) => Ok(*b),
        Input::Node(_) => Err("expected true or false".to_owned()),
        Input::Text(_) => parse_bool(&scalar(input)?),
    }
}

fn count(input: &Input<'_>) -> Result<u64, String> {
    match input {
        Input::Node(Node {
            value: Yaml::Int(i),
            ..
        }) => u64::try_from(*i).map_err(|_| "expected a non-negative integer".to_owned()),
        Input::Node(_) => Err("expected a non-negative integer".to_owned()),
        Input::Text(_) => parse_u64(&scalar(input)?),
    }
}

fn list(input: &Input<'_>) -> Result<Vec<String>, String> {
    match input {
        Input::Node(Node {
            value: Yaml::Seq(items),
            ..
        }) => items
            .iter()
            .map(|item| {
                item.value
                    .scalar_text()
                    .ok_or_else(|| "expected a list of strings".to_owned())
            })
            .collect(),
        Input::Node(_) => Err("expected a list".to_owned()),
        Input::Text(items) => Ok(items.clone()),
    }
}

/// One entry of a mapping value: (its name, the name's position) and the value node.
type Entry<'a> = ((String, Location), &'a Node);

/// The entries of a mapping value.
fn mapping<'a>(key: &Key, input: &Input<'a>) -> Result<Vec<Entry<'a>>, Bad> {
    match input {
        Input::Node(Node {
            value: Yaml::Map(entries),
            ..
        }) => Ok(entries
            .iter()
            .map(|(k, v)| ((k.value.clone(), k.referenced), v))
            .collect()),
        Input::Node(Node {
            value: Yaml::Null, ..
        }) => Ok(Vec::new()),
        Input::Node(node) => Err(Bad {
            at: node.at,
            key: key.name.to_owned(),
            message: "expected a mapping of keys".to_owned(),
        }),
        Input::Text(_) => Err(Bad {
            at: Location::UNKNOWN,
            key: key.name.to_owned(),
            message: "expected a mapping, written as YAML: `{name: value, …}`".to_owned(),
        }),
    }
}

/// A mapping entry's value as a name.
fn node_text(key: &Key, name: &str, node: &Node) -> Result<String, Bad> {
    let bad = |message: String| Bad {
        at: node.at,
        key: format!("{}.{name}", key.name),
        message,
    };
    non_empty(
        &node
            .value
            .scalar_text()
            .ok_or_else(|| bad("expected a string".to_owned()))?,
    )
    .map_err(bad)
}
