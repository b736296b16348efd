//! The generated `orchestration.yaml`: it loads as the defaults, shows every key of the table
//! (uncommenting every example sets each one), and is this repository's own file.

use std::path::Path;

use pretty_assertions::assert_eq;

use super::{load_text, yaml_path};
use crate::config::{Config, Origin, keys::KEYS, template};

#[test]
fn the_generated_file_loads_as_every_default() {
    let loaded = load_text(&template()).expect("the template loads");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let mut config = loaded.config;
    assert_eq!(config.file.take(), Some(yaml_path()));
    assert_eq!(config, Config::defaults(Path::new("/ws")));
}

#[test]
fn uncommenting_every_example_sets_every_key_of_the_table() {
    let uncommented: String = template()
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let example = trimmed
                .strip_prefix("# ")
                .filter(|rest| rest.split_once(": ").is_some_and(|(k, _)| is_key_name(k)));
            match example {
                Some(rest) => {
                    let value = rest.split("  #").next().unwrap_or(rest).trim_end();
                    format!("{indent}{value}\n")
                }
                None => format!("{line}\n"),
            }
        })
        .collect();
    let loaded = load_text(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    let unset: Vec<&str> = KEYS
        .iter()
        .filter(|k| k.compat_for.is_none())
        .filter(|k| !matches!(loaded.origins.of(k.name), Origin::File { .. }))
        .map(|k| k.name)
        .collect();
    assert!(unset.is_empty(), "not shown in the template: {unset:?}");
}

fn is_key_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

#[test]
fn every_key_has_a_meaning() {
    for key in KEYS.iter().filter(|k| k.compat_for.is_none()) {
        assert!(!key.doc.is_empty(), "{}: no doc", key.name);
    }
}

#[test]
fn the_repositorys_own_orchestration_yaml_is_the_generated_one() {
    let own = include_str!("../../../orchestration.yaml");
    let generated = template();
    if let Some((n, (mine, theirs))) = own
        .lines()
        .zip(generated.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        panic!(
            "orchestration.yaml differs from what `baton init` writes at line {}:\n  {mine}\n  \
             {theirs}\nregenerate it: cargo run -q -- init /tmp/fresh && cp \
             /tmp/fresh/orchestration.yaml .",
            n + 1
        );
    }
    assert_eq!(own, generated, "regenerate orchestration.yaml (see above)");
}

#[test]
fn every_key_says_what_it_means_in_the_generated_file() {
    for key in crate::config::keys::KEYS
        .iter()
        .filter(|k| k.compat_for.is_none())
    {
        if matches!(key.slot, crate::config::keys::Slot::Meaningless) {
            continue;
        }
        assert!(
            !key.doc.trim().is_empty(),
            "`{}` has no .doc(…) in the key table",
            key.name
        );
    }
}
