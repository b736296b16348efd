//! The environment layer: `BATON_<KEY>` for every declared key (`agent.default` →
//! `BATON_AGENT_DEFAULT`; the Python tool's old names have none), checked as the file's values
//! are (`layer.rs`).
//!
//! How a value is written: a scalar as it is; a list as comma-separated items
//! (`BATON_APPROVAL_BEFORE=ralph,main.md`; an empty value is the empty list), or as a YAML flow
//! sequence when an item holds a comma (`BATON_NOTIFY_COMMAND='[sh, -c, "a, b"]'`); a mapping
//! or a list of argv lists as YAML flow syntax (`BATON_AGENT_ROLES='{ralph: codex}'`,
//! `BATON_COMPLETION_VERIFY='[[cargo, test]]'`). A variable replaces the file's value whole.

use std::collections::BTreeMap;

use crate::config::draft::Draft;
use crate::config::keys::{KEYS, Key, Slot, is_scalar};
use crate::config::layer::{Input, set};
use crate::config::node::Node;
use crate::config::origin::Origin;

/// Lays the `BATON_<KEY>` variables of `env` over `draft` and records them as the origin of
/// their keys. Variables that name no key are ignored.
///
/// # Errors
/// The variable and message of the first bad value.
pub(super) fn apply_env(
    draft: &mut Draft,
    env: &BTreeMap<String, String>,
) -> Result<(), (String, String)> {
    for key in KEYS.iter().filter(|k| k.compat_for.is_none()) {
        let var = var_name(key.name);
        let Some(value) = env.get(&var) else {
            continue;
        };
        let node = flow_node(key, value).map_err(|message| (var.clone(), message))?;
        let input = match &node {
            Some(node) => Input::Node(node),
            None => Input::Text(text_items(key, value)),
        };
        set(draft, key, &input).map_err(|bad| (var.clone(), bad.message))?;
        draft.origins.set(key.name, Origin::Env(var));
    }
    Ok(())
}

/// The variable name for dotted `key` (`agent.default` → `BATON_AGENT_DEFAULT`).
#[must_use]
pub(crate) fn var_name(key: &str) -> String {
    format!("BATON_{}", key.to_ascii_uppercase().replace('.', "_"))
}

/// The value as YAML when `key` is not a scalar and the value is written in flow syntax
/// (starts with `[` or `{`); `None` for text.
fn flow_node(key: &Key, value: &str) -> Result<Option<Node>, String> {
    let trimmed = value.trim_start();
    if is_scalar(key.slot) || !trimmed.starts_with(['[', '{']) {
        return Ok(None);
    }
    serde_saphyr::from_str(trimmed)
        .map(Some)
        .map_err(|e| format!("not valid YAML flow syntax: {}", e.without_snippet()))
}

/// The items of a value written as text: one for a scalar, the comma-separated items of a list.
fn text_items(key: &Key, value: &str) -> Vec<String> {
    match key.slot {
        Slot::List(_) | Slot::Extensions(_) | Slot::LateList(_) | Slot::Patterns(_) => value
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => vec![value.to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keys::find;

    #[test]
    fn lists_are_comma_separated_and_flow_syntax_keeps_commas() {
        let before = find("approval.before").expect("key");
        assert_eq!(
            text_items(before, " ralph, main.md ,,"),
            ["ralph", "main.md"]
        );
        assert!(text_items(before, "").is_empty());
        let command = find("notify.command").expect("key");
        let node = flow_node(command, "[sh, -c, 'a, b']")
            .expect("valid")
            .expect("flow");
        let mut draft = Draft::new("/ws".into());
        set(&mut draft, command, &Input::Node(&node)).expect("set");
        assert_eq!(draft.config.notify.command, ["sh", "-c", "a, b"]);
        let promise = find("completion.promise").expect("key");
        assert!(
            flow_node(promise, "[DONE]").expect("text").is_none(),
            "a scalar"
        );
        assert!(flow_node(command, "[unclosed").is_err());
    }
}
