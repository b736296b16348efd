//! The guard against an agent's own pushes to the shared branch (docs/state.md, "Trust model").
//! Baton publishes a turn's commits with its stamp; an agent that pushes the shared branch
//! itself hands the peer a state nobody stamped.
//!
//! Where the guard lives: not in the clone's hooks directory, which the agent can edit and
//! which Baton's own pushes use too, but in the agent's environment. Each turn the daemon
//! writes a hooks directory in its run directory (`.git/baton/agent-hooks/`) and gives the
//! agent `core.hooksPath` pointing there through git's `GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_<n>`
//! / `GIT_CONFIG_VALUE_<n>` variables (git 2.31 or newer). So every `git` the agent starts, in
//! this clone or in any clone it makes, runs its `pre-push`, which refuses a push that updates
//! `refs/heads/<branch>` and otherwise hands over to the clone's own `pre-push`; the clone's
//! other hooks run through one-line scripts that call them. An edit the agent makes to the
//! directory lasts until the next turn's rewrite.
//!
//! What it cannot stop (said in the docs): `git push --no-verify`, a `git` started without the
//! agent's environment, and pushes made by other programs (libgit2, a hosting API). Those reach
//! the remote; the peer's check of who changed the state ([`super::provenance`]) and the
//! alarm are what catch them.

use std::path::Path;

use crate::error::{Context as _, Result};
use crate::git::Repo;

/// The directory inside the run directory that holds the agents' hooks.
const DIR: &str = "agent-hooks";

/// Writes the agents' hooks directory for `branch` under `run_dir` and returns the variables
/// that point the agent's git at it (appended to any `GIT_CONFIG_COUNT` entries Baton's own
/// environment carries).
///
/// # Errors
/// The directory or a hook cannot be written.
pub(crate) fn agent_env(
    repo: &Repo,
    run_dir: &Path,
    branch: &str,
) -> Result<Vec<(String, String)>> {
    let dir = run_dir.join(DIR);
    write_hooks(&dir, &repo.hooks_dir(), branch)
        .with_context(|| format!("write the agents' hooks in `{}`", dir.display()))?;
    let n: usize = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Ok(vec![
        ("GIT_CONFIG_COUNT".to_owned(), (n + 1).to_string()),
        (format!("GIT_CONFIG_KEY_{n}"), "core.hooksPath".to_owned()),
        (
            format!("GIT_CONFIG_VALUE_{n}"),
            dir.to_string_lossy().into_owned(),
        ),
    ])
}

/// `pre-push`, and a script calling each executable hook of `original` (the clone's own).
fn write_hooks(dir: &Path, original: &Path, branch: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut wanted: Vec<(String, String)> =
        vec![("pre-push".to_owned(), pre_push(original, branch))];
    for entry in std::fs::read_dir(original).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "pre-push" || name.contains('.') || !is_executable(&entry.path()) {
            continue; // `*.sample` and other files git would not run
        }
        let script = format!("#!/bin/sh\nexec {} \"$@\"\n", quote(&entry.path()));
        wanted.push((name, script));
    }
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !wanted.iter().any(|(w, _)| *w == name) {
            std::fs::remove_file(entry.path())?;
        }
    }
    for (name, script) in wanted {
        let path = dir.join(&name);
        // Rewritten only when changed (an agent's edit): no agent runs while this happens.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(script.as_str()) {
            std::fs::write(&path, script.as_bytes())?;
            set_executable(&path)?;
        }
    }
    Ok(())
}

/// The guard itself: git gives `pre-push` one line per ref to update (`<local ref> <local
/// sha> <remote ref> <remote sha>`, githooks(5)).
fn pre_push(original: &Path, branch: &str) -> String {
    let target = quote(Path::new(&format!("refs/heads/{branch}")));
    let chained = quote(&original.join("pre-push"));
    format!(
        r#"#!/bin/sh
# Written by Baton (role mode) for its agents: Baton publishes a turn's commits with its stamp.
input=$(cat)
refused=$(printf '%s\n' "$input" | while read -r _ _ remote_ref _; do
  [ "$remote_ref" = {target} ] && echo refused
done)
if [ -n "$refused" ]; then
  echo "baton: an agent may not push {branch}: Baton pushes the turn's commits with its stamp (see docs/state.md, Trust model)" >&2
  exit 1
fi
if [ -x {chained} ]; then
  printf '%s\n' "$input" | {chained} "$@"
  exit $?
fi
exit 0
"#
    )
}

/// `path` as one single-quoted shell word.
fn quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', r"'\''"))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn set_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}
