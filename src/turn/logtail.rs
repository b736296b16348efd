//! What the runner adds to a turn log once the agent has ended, and reads back from it: the
//! footer line, and the hint for a failure Baton recognises in the agent's output.
//!
//! The executor writes the log while the agent runs; this module only appends after it (and
//! after auto-commit, so the footer's head is the one the journal records). Recognising
//! failures by their output is kept to this one place.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::Config;
use crate::error::Error;
use crate::journal::JournalEntry;
use crate::text::short_sha;

/// How much of the end of a log is searched for a known failure.
const TAIL_BYTES: u64 = 64 * 1024;

/// What `claude` prints (stderr, then exit 1) when started with `--dangerously-skip-permissions`
/// as root without `IS_SANDBOX=1` (Claude Code's `cli.js`; anthropics/claude-code#58150).
const CLAUDE_ROOT_REFUSAL: &str =
    "--dangerously-skip-permissions cannot be used with root/sudo privileges";

/// The hint for [`CLAUDE_ROOT_REFUSAL`].
pub(crate) const CLAUDE_ROOT_HINT: &str = "claude refuses --dangerously-skip-permissions as \
     root: when baton runs in a sandbox or container, start it with IS_SANDBOX=1 in its \
     environment; otherwise run it as a non-root user";

/// The turn log of `entry`, when it has one.
fn log_of(config: &Config, entry: &JournalEntry) -> Option<PathBuf> {
    (!entry.log.is_empty()).then(|| config.root.join(&entry.log))
}

/// Appends the footer to the turn log of `entry`:
/// `== baton: outcome failed, exit 7, 12.3s, head 1a2b3c4 -> 9f8e7d6` (`-` for an unknown exit
/// code or head). Best effort: a log that cannot be written only costs a warning in the trace.
pub(crate) fn append_footer(config: &Config, entry: &JournalEntry, events: &crate::events::Events) {
    let Some(path) = log_of(config, entry) else {
        return;
    };
    let line = footer(entry);
    // Never through a symlink an agent left in the log's place.
    let written =
        crate::fsutil::open_in_tree(&config.logs_dir, &path, crate::fsutil::Access::Append)
            .and_then(|mut owned| {
                for replaced in &owned.replaced {
                    warn_line!(events, "[baton] warning: {replaced}");
                }
                owned.file.write_all(line.as_bytes())
            });
    if let Err(error) = written {
        tracing::warn!(%error, path = %path.display(), "append the turn log footer");
    }
}

/// The footer line for `entry`, with its newline.
fn footer(entry: &JournalEntry) -> String {
    footer_line(
        entry.outcome.as_str(),
        entry.exit_code,
        Duration::from_millis(entry.duration_ms),
        [entry.head_before.as_deref(), entry.head_after.as_deref()],
    )
}

/// `== baton: outcome <o>, exit <code|->, <secs>s, head <before|-> -> <after|->` and a newline.
fn footer_line(
    outcome: &str,
    exit_code: Option<i32>,
    duration: Duration,
    [before, after]: [Option<&str>; 2],
) -> String {
    let exit = exit_code.map_or_else(|| "-".to_owned(), |c| c.to_string());
    let secs = duration.as_secs_f64();
    let (before, after) = (before.map_or("-", short_sha), after.map_or("-", short_sha));
    format!("== baton: outcome {outcome}, exit {exit}, {secs:.1}s, head {before} -> {after}\n")
}

/// `error` with the hint for a failure recognised in the end of `entry`'s turn log, if any.
pub(crate) fn with_hint(error: Error, config: &Config, entry: &JournalEntry) -> Error {
    let tail = log_of(config, entry).and_then(|path| tail(&path));
    match tail.as_deref().and_then(hint_for) {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

/// The hint for a failure recognised in `output`.
fn hint_for(output: &str) -> Option<&'static str> {
    output
        .contains(CLAUDE_ROOT_REFUSAL)
        .then_some(CLAUDE_ROOT_HINT)
}

/// The last [`TAIL_BYTES`] of `path`, lossily decoded.
fn tail(path: &Path) -> Option<String> {
    let mut file = crate::fsutil::open_regular_read(path).ok()?;
    let len = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(TAIL_BYTES)))
        .ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_names_outcome_exit_duration_and_heads() {
        let took = Duration::from_millis(12_345);
        assert_eq!(
            footer_line("failed", Some(7), took, [Some("1a2b3c4"), Some("9f8e7d6")]),
            "== baton: outcome failed, exit 7, 12.3s, head 1a2b3c4 -> 9f8e7d6\n"
        );
        assert_eq!(
            footer_line("timeout", None, took, [None, None]),
            "== baton: outcome timeout, exit -, 12.3s, head - -> -\n"
        );
    }

    #[test]
    fn claudes_root_refusal_is_recognised() {
        let out = "--dangerously-skip-permissions cannot be used with root/sudo privileges for \
                   security reasons\n";
        assert_eq!(hint_for(out), Some(CLAUDE_ROOT_HINT));
        assert_eq!(hint_for("agent exited 1\n"), None);
    }
}
