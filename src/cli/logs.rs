//! `baton logs [--follow] [--actor A] [--iteration N] [--list]`: show or follow turn logs.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Context as _, Result};

use crate::cli::{GlobalArgs, load_config};
use crate::config::Overrides;
use crate::state::Actor;

/// How often `--follow` looks for new output.
const FOLLOW_POLL: Duration = Duration::from_millis(250);

/// Flags of `baton logs`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogsArgs {
    /// Keep printing new output, switching to newer turn logs as they appear (Ctrl-C ends).
    #[arg(long, short)]
    pub follow: bool,
    /// Only this actor's logs.
    #[arg(long, value_parser = crate::cli::args::ActorArg)]
    pub actor: Option<Actor>,
    /// Only this worker's logs (`ralph-2`: a worker of `workflow.workers`; its logs are under
    /// `logs/<branch>/ralph-2/`).
    #[arg(long, value_name = "WORKER", conflicts_with = "actor")]
    pub worker: Option<String>,
    /// Only this iteration's logs.
    #[arg(long, value_name = "N")]
    pub iteration: Option<u64>,
    /// Print the matching paths instead of their contents.
    #[arg(long)]
    pub list: bool,
    /// Print the matching logs as a JSON array of `{"path", "actor", "iteration", "bytes"}`.
    #[arg(long)]
    pub json: bool,
}

/// Turn logs under `dir`, oldest first, filtered by actor directory and iteration prefix.
fn find_logs(dir: &Path, args: &LogsArgs) -> Vec<PathBuf> {
    let mut found: Vec<(SystemTime, PathBuf)> = Vec::new();
    let branches = std::fs::read_dir(dir).into_iter().flatten().flatten();
    for actor_dir in
        branches.flat_map(|b| std::fs::read_dir(b.path()).into_iter().flatten().flatten())
    {
        let actor_name = actor_dir.file_name().to_string_lossy().into_owned();
        if args.actor.is_some_and(|a| a.as_str() != actor_name)
            || args.worker.as_ref().is_some_and(|w| *w != actor_name)
        {
            continue;
        }
        for log in std::fs::read_dir(actor_dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = log.file_name().to_string_lossy().into_owned();
            let wanted = args
                .iteration
                .is_none_or(|n| name.starts_with(&format!("iter-{n:05}_")));
            if wanted && name.ends_with(".log") {
                let mtime = log
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                found.push((mtime, log.path()));
            }
        }
    }
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// One log as JSON: its path, actor (its directory), iteration (from its name) and size.
fn describe(path: &Path) -> serde_json::Value {
    let actor = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let iteration = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("iter-"))
        .and_then(|n| n.get(..5))
        .and_then(|n| n.parse::<u64>().ok());
    let bytes = std::fs::metadata(path).map(|m| m.len()).ok();
    serde_json::json!({"path": path, "actor": actor, "iteration": iteration, "bytes": bytes})
}

/// Shows or follows turn logs.
///
/// # Errors
/// Config errors, or a log that cannot be read.
pub(crate) fn cmd_logs(global: &GlobalArgs, args: &LogsArgs) -> Result<()> {
    let config = load_config(global, Overrides::default())?.config;
    let logs = find_logs(&config.logs_dir, args);
    if args.json {
        let items: Vec<serde_json::Value> = logs.iter().map(|p| describe(p)).collect();
        writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(&items)?
        )?;
        return Ok(());
    }
    if args.list {
        let out = &mut std::io::stdout().lock();
        for path in &logs {
            writeln!(out, "{}", path.display())?;
        }
        return Ok(());
    }
    if args.follow {
        return follow(&config.logs_dir, args, logs.last().cloned());
    }
    let filtered = args.actor.is_some() || args.iteration.is_some();
    let shown: &[PathBuf] = if filtered {
        &logs
    } else {
        logs.last().map(std::slice::from_ref).unwrap_or(&[])
    };
    if shown.is_empty() {
        note!("no turn logs under {}", config.logs_dir.display());
    }
    let mut out = std::io::stdout().lock();
    for path in shown {
        writeln!(out, "==> {} <==", path.display())?;
        let mut file = crate::fsutil::open_regular_read(path)
            .with_context(|| format!("open log `{}`", path.display()))?;
        std::io::copy(&mut file, &mut out)?;
    }
    Ok(())
}

/// Prints `current` from the start, then new bytes as they come; moves on to newer logs.
fn follow(dir: &Path, args: &LogsArgs, mut current: Option<PathBuf>) -> Result<()> {
    let mut offset = 0u64;
    let mut buf = Vec::new();
    let mut out = std::io::stdout();
    loop {
        if let Some(mut file) = current
            .as_ref()
            .and_then(|p| crate::fsutil::open_regular_read(p).ok())
        {
            file.seek(SeekFrom::Start(offset))?;
            buf.clear();
            offset += file.read_to_end(&mut buf)? as u64;
            out.write_all(&buf)?;
            out.flush()?;
        }
        std::thread::sleep(FOLLOW_POLL);
        let newest = find_logs(dir, args).pop();
        if newest.is_some() && newest != current {
            if let Some(path) = &newest {
                writeln!(out, "==> {} <==", path.display())?;
            }
            current = newest;
            offset = 0;
        }
    }
}
