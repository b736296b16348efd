//! `baton init [--force] [DIR]`: a commented `orchestration.yaml`, the four prompts, an initial
//! `sync/state.json`, `logs/` in `.gitignore`, and a `docs/fix_plan.md` to fill in (the
//! supervisor prompt reads it first) unless one exists. Refuses to overwrite without `--force`;
//! an existing fix plan is never overwritten.

use std::path::{Path, PathBuf};

use crate::error::{Context as _, Error, Result};
use crate::fsutil::write_atomic;
use crate::state::{State, StateStore};

/// The configuration file `init` writes, generated from the key table
/// ([`crate::config::template`]; this repository's own is the same file).
const CONFIG: &str = crate::config::CONFIG_FILE_NAME;

/// The prompts `init` writes (path relative to the workspace, contents): this repository's own,
/// so the documented prompts and `init` never drift apart.
const PROMPTS: &[(&str, &str)] = &[
    (
        "prompts/supervisor.md",
        include_str!("../../prompts/supervisor.md"),
    ),
    ("prompts/main.md", include_str!("../../prompts/main.md")),
    (
        "prompts/reviewer.md",
        include_str!("../../prompts/reviewer.md"),
    ),
    ("prompts/router.md", include_str!("../../prompts/router.md")),
];

/// The fix plan `init` writes when the workspace has none (never overwritten, even with
/// `--force`: it is the project's own plan). The template is this repository's own.
const FIX_PLAN: (&str, &str) = ("docs/fix_plan.md", include_str!("../../docs/fix_plan.md"));

/// The state file `init` creates.
const STATE_FILE: &str = "sync/state.json";

/// Flags of `baton init`.
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
    /// The workspace directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Writes the workspace files into `args.dir`.
///
/// # Errors
/// A usage error naming the files that exist (without `--force`); io errors.
pub(crate) fn cmd_init(args: &InitArgs) -> Result<()> {
    init_workspace(&args.dir, args.force)?;
    say!("initialised a Baton workspace in {}", args.dir.display());
    say!("next: edit orchestration.yaml (agent.default) and docs/fix_plan.md (the goal);");
    say!("      commit the workspace before the first run (turns commit on top of it):");
    say!("      git add -A && git commit -m \"Baton workspace\"");
    say!("      then `baton check` and `baton run`");
    Ok(())
}

/// Writes the templates, the initial state and the `.gitignore` line into `dir`.
///
/// # Errors
/// As [`cmd_init`].
pub(crate) fn init_workspace(dir: &Path, force: bool) -> Result<()> {
    let targets = [CONFIG]
        .into_iter()
        .chain(PROMPTS.iter().map(|(rel, _)| *rel))
        .chain([STATE_FILE]);
    let existing: Vec<&str> = targets.filter(|rel| dir.join(rel).exists()).collect();
    if !existing.is_empty() && !force {
        let list = existing.join(", ");
        return Err(Error::usage(format!("refusing to overwrite {list}"))
            .with_hint("baton init --force overwrites them"));
    }
    let config = crate::config::template();
    for (rel, text) in [(CONFIG, config.as_str())]
        .into_iter()
        .chain(PROMPTS.iter().copied())
    {
        let path = dir.join(rel);
        write_atomic(&path, text.as_bytes())
            .with_context(|| format!("write `{}`", path.display()))?;
        say!("wrote {rel}");
    }
    StateStore::new(dir.join(STATE_FILE)).save(&mut State::default())?;
    say!("wrote {STATE_FILE}");
    let (rel, text) = FIX_PLAN;
    let plan = dir.join(rel);
    if plan.exists() {
        say!("kept {rel} (it exists)");
    } else {
        write_atomic(&plan, text.as_bytes())
            .with_context(|| format!("write `{}`", plan.display()))?;
        say!("wrote {rel}");
    }
    ignore_logs(&dir.join(".gitignore"))
}

/// Adds `logs/` to `.gitignore` unless a line already ignores it.
fn ignore_logs(path: &Path) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("read `{}`", path.display())),
    };
    if text
        .lines()
        .any(|l| matches!(l.trim(), "logs/" | "/logs/" | "logs" | "/logs"))
    {
        return Ok(());
    }
    let sep = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    write_atomic(path, format!("{text}{sep}logs/\n").as_bytes())
        .with_context(|| format!("write `{}`", path.display()))?;
    say!("added logs/ to .gitignore");
    Ok(())
}
