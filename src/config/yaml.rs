//! The file layer: parses `orchestration.yaml` into a positioned tree (`node.rs`), finds each
//! declared key in it (an unknown key is an error with a suggestion), and lays the values over
//! the draft (`layer.rs`).

use std::path::Path;

use crate::config::ConfigError;
use crate::config::draft::Draft;
use crate::config::keys::{self, Slot};
use crate::config::layer::{self, FileSetting};
use crate::config::node::{Node, Yaml};
use crate::config::source::SourceFile;
use crate::config::suggest::join;
use serde_saphyr::Location;

/// Parses `text` (read from `path`) and applies it to `draft`; returns the warnings.
///
/// # Errors
/// [`ConfigError::Invalid`] for a syntax error, unknown key, wrong type or bad value.
pub(super) fn apply(
    draft: &mut Draft,
    text: &str,
    path: &Path,
) -> Result<Vec<String>, ConfigError> {
    let source = SourceFile::new(path);
    let root: Node = if text.trim().is_empty() {
        return Ok(Vec::new());
    } else {
        // Repeated keys come through, to be refused below with both positions.
        let options = serde_saphyr::options! {
            duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        };
        serde_saphyr::from_str_with_options(text, options).map_err(|e| source.parse_error(&e))?
    };
    if let Some((key, first, again)) = first_repeat("", &root) {
        let message = format!(
            "key `{key}` is written twice (first at line {}, column {})",
            first.line(),
            first.column()
        );
        return Err(source.invalid(again, message));
    }
    let mut settings = Vec::new();
    walk("", &root, &source, &mut settings)?;
    let warnings = settings
        .iter()
        .filter(|s| matches!(s.key.slot, Slot::Meaningless))
        .map(|s| source.warning(s.at, s.key.name, "has no meaning in baton and is ignored"))
        .collect();
    layer::apply_file(draft, path, &settings).map_err(|bad| source.bad(bad))?;
    Ok(warnings)
}

/// The first key written twice in one mapping anywhere under `node` (at `path`): its dotted
/// path, the first position and the repeat's.
fn first_repeat(path: &str, node: &Node) -> Option<(String, Location, Location)> {
    match &node.value {
        Yaml::Map(entries) => {
            for (i, (name, value)) in entries.iter().enumerate() {
                let full = join(path, &name.value);
                if let Some((first, _)) = entries[..i].iter().find(|(n, _)| n.value == name.value) {
                    return Some((full, first.referenced, name.referenced));
                }
                if let Some(found) = first_repeat(&full, value) {
                    return Some(found);
                }
            }
            None
        }
        Yaml::Seq(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| first_repeat(&format!("{path}[{i}]"), item)),
        _ => None,
    }
}

/// Collects the declared keys under `node` (the mapping of `section`, `""` = the top level).
fn walk<'a>(
    section: &str,
    node: &'a Node,
    source: &SourceFile,
    out: &mut Vec<FileSetting<'a>>,
) -> Result<(), ConfigError> {
    let entries = match &node.value {
        Yaml::Map(entries) => entries,
        Yaml::Null => return Ok(()),
        _ if section.is_empty() => {
            return Err(source.invalid(node.at, "expected a mapping of keys".to_owned()));
        }
        _ => {
            let message = format!("key `{section}`: expected a mapping of keys");
            return Err(source.invalid(node.at, message));
        }
    };
    for (name, value) in entries {
        let full = join(section, &name.value);
        let plain = !name.value.contains('.');
        match keys::find(&full) {
            Some(key) if plain => out.push(FileSetting {
                key,
                node: value,
                at: name.referenced,
            }),
            _ if plain && keys::is_section(&full) => walk(&full, value, source, out)?,
            _ => return Err(source.unknown_key(name.referenced, section, &name.value)),
        }
    }
    Ok(())
}
