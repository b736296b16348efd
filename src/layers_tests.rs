//! The layers: a lower module never names a higher one, so no arrow points back up. A module is
//! its file `src/<m>.rs` and everything under `src/<m>/`, tests included, and it names another
//! by a `crate::<m>` path or a `crate::{<m>, …}` group, in code or in a doc comment alike.

use std::path::{Path, PathBuf};

/// Lower modules, and the higher modules none of them may name.
const RULES: &[(&[&str], &[&str])] = &[
    // What is stored and read from files, and the deterministic router: no agent, turn, mode
    // or command.
    (
        &["state", "journal", "config", "router"],
        &["agent", "turn", "modes", "cli"],
    ),
    // Git, running an agent's process, and the errors users see: no turn, mode or command.
    (&["git", "executor", "error"], &["turn", "modes", "cli"]),
    // The readers of a run (the pool's claims included), and going back in its history: no
    // command.
    (&["observe", "watch", "serve", "travel"], &["cli"]),
    // The pool's protocol core: pure, below the turn and the commands that drive it.
    (&["pool"], &["agent", "turn", "modes", "cli", "executor"]),
];

#[test]
fn no_lower_module_names_a_higher_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (lower, higher) in RULES {
        for module in *lower {
            let files = files_of(&src, module);
            assert!(!files.is_empty(), "no module `{module}` under src/");
            for file in files {
                let source = std::fs::read_to_string(&file).expect("read a source file");
                for (line, named) in named_modules(&source) {
                    if higher.contains(&named.as_str()) {
                        let file = file
                            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                            .unwrap_or(&file);
                        wrong.push(format!(
                            "{}:{line}: `{module}` names `crate::{named}`, a layer above it",
                            file.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn paths_and_groups_are_read() {
    let source = "use crate::{alpha::X, beta};\n// crate::gamma_delta::f\nlet x = crate::{\n  e::{f, g},\n};";
    let found = named_modules(source);
    let expected = [(1, "alpha"), (1, "beta"), (2, "gamma_delta"), (3, "e")];
    assert_eq!(
        found,
        expected.map(|(line, m)| (line, m.to_owned())).to_vec()
    );
}

/// `src/<module>.rs` and every `.rs` file under `src/<module>/`.
fn files_of(src: &Path, module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("read a source directory").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The top-level modules `source` names after `crate::`, with the 1-based line of the name.
fn named_modules(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (at, _) in source.match_indices("crate::") {
        let start = at + "crate::".len();
        let line = source[..start].matches('\n').count() + 1;
        match source[start..].strip_prefix('{') {
            Some(group) => found.extend(group_names(group).into_iter().map(|m| (line, m))),
            None => found.push((line, ident(&source[start..]))),
        }
    }
    found.retain(|(_, m)| !m.is_empty());
    found
}

/// The first name of each item of a `{…}` group, `group` starting after its `{`.
fn group_names(group: &str) -> Vec<String> {
    let (mut names, mut depth, mut item_start) = (Vec::new(), 0_u32, true);
    for (i, c) in group.char_indices() {
        match c {
            '}' if depth == 0 => break,
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && (c.is_alphabetic() || c == '_') => {
                names.push(ident(&group[i..]));
                item_start = false;
            }
            _ => {}
        }
    }
    names
}

/// The identifier `text` starts with.
fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}
