//! `baton man`: the man page (roff). clap_mangen renders NAME, SYNOPSIS, DESCRIPTION, OPTIONS
//! and the subcommands from the parser's own definition; EXIT STATUS comes from the exit-code
//! table ([`crate::error::EXIT_CODES`]), ENVIRONMENT from the key table (every `BATON_<KEY>`)
//! and the variables Baton reads or sets, then FILES, EXAMPLES and VERSION.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{EXIT_CODES, Result};

/// Variables Baton reads that are not configuration keys.
const READ: &[(&str, &str)] = &[
    (
        crate::console::trace::LOG_LEVEL_ENV,
        "a tracing filter for Baton's diagnostics on stderr (debug, baton=trace,globset=debug); \
         replaces the levels of -v and -vv",
    ),
    (
        "BATON_SERVE_TOKEN",
        "the token baton serve asks for (as --token)",
    ),
    ("NO_COLOR", "set and not empty: no colour with --color auto"),
    (
        "IS_SANDBOX",
        "1 lets claude run its bypass flag as root (Baton passes it on; baton check warns \
         without it)",
    ),
];

/// Variables Baton sets in an agent's environment (and a notification's).
const SET: &[(&str, &str)] = &[
    ("BATON_ACTOR", "galph or ralph"),
    ("BATON_ITERATION", "the turn's iteration"),
    ("BATON_PROMPT", "the prompt's name (main.md)"),
    ("BATON_PROMPT_FILE", "the prompt's absolute path"),
    ("BATON_LOG", "this turn's log"),
    ("BATON_STATE_FILE", "the state file"),
    (
        "BATON_RUN_ID",
        "a token unique to this agent run, by which Baton finds its processes",
    ),
    ("BATON_NOTE", "people's notes for this turn"),
    (
        "BATON_VERIFY_LOG",
        "the log of the completion check that failed last",
    ),
    (
        "BATON_EVENT, BATON_MESSAGE",
        "for notify.command: what happened, in one line",
    ),
];

/// The files of a workspace (default paths).
const FILES: &[(&str, &str)] = &[
    (
        "orchestration.yaml",
        "the configuration, found upward from the working directory; its directory is the \
         workspace root",
    ),
    ("prompts/*.md", "the prompts (prompts_dir)"),
    (
        "sync/state.json",
        "whose turn it is, the iteration, the lease, the stop flag (state_file)",
    ),
    (
        "sync/journal.jsonl",
        "one JSON line per finished turn, with its receipt (journal_file)",
    ),
    (
        "logs/",
        "per-turn logs and the event log logs/events.jsonl (logs_dir; keep it git-ignored)",
    ),
    (
        ".git/baton/",
        "the turn record, stop and note requests, agent process records (never committed)",
    ),
    (".git/baton.lock", "the runner lock: one Baton per clone"),
];

/// Command lines worth knowing.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "baton init && git add -A && git commit -m \"Baton workspace\"",
        "make the current repository a workspace",
    ),
    ("baton check", "validate everything before a run"),
    (
        "baton run --iterations 5",
        "galph then ralph, five times, in one process",
    ),
    (
        "baton supervisor --sync-via-git",
        "galph on this machine, ralph elsewhere (baton loop --sync-via-git)",
    ),
    (
        "BATON_APPROVAL_BEFORE=ralph baton run",
        "wait for baton approve before each of ralph's turns",
    ),
    (
        "baton stop --reason \"enough for today\"",
        "stop at the next turn boundary, from any clone",
    ),
    ("baton stats --json | jq .total", "what the run cost"),
    (
        "baton completions bash > ~/.local/share/bash-completion/completions/baton",
        "shell completion",
    ),
];

/// Prints the man page (roff): `baton man > baton.1; man ./baton.1`.
///
/// # Errors
/// A write error (a closed stdout ends quietly, see [`crate::error::report`]).
pub(crate) fn cmd_man() -> Result<()> {
    let man = clap_mangen::Man::new(Cli::command());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    section(&mut out, "EXIT STATUS", EXIT_CODES.iter().copied())?;
    let keys = crate::config::variables();
    let keys = keys
        .iter()
        .map(|(var, key, doc)| (var.as_str(), format!("sets {key}: {doc}")));
    writeln!(out, ".SH ENVIRONMENT")?;
    paragraph(
        &mut out,
        "Every key of orchestration.yaml has a variable; precedence: flag > variable > file > \
         default. A list is comma-separated (ralph,main.md); a mapping or a list of argv lists \
         is written in YAML flow syntax ({ralph: codex}, [[cargo, test]]).",
    )?;
    entries(&mut out, keys)?;
    entries(&mut out, READ.iter().map(|(v, m)| (*v, (*m).to_owned())))?;
    paragraph(&mut out, "Set for each agent (and notify.command):")?;
    entries(&mut out, SET.iter().map(|(v, m)| (*v, (*m).to_owned())))?;
    section(&mut out, "FILES", FILES.iter().copied())?;
    section(&mut out, "EXAMPLES", EXAMPLES.iter().copied())?;
    man.render_version_section(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}

/// `.SH title` and one tagged paragraph per `(tag, text)`.
fn section<'a>(
    out: &mut Vec<u8>,
    title: &str,
    items: impl Iterator<Item = (&'a str, &'a str)>,
) -> std::io::Result<()> {
    writeln!(out, ".SH \"{title}\"")?;
    entries(out, items.map(|(tag, text)| (tag, text.to_owned())))
}

/// One `.TP` tagged paragraph per `(tag, text)`, the tag in bold.
fn entries<'a>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = (&'a str, String)>,
) -> std::io::Result<()> {
    for (tag, text) in items {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", escape(tag), escape(&text))?;
    }
    Ok(())
}

/// A plain paragraph.
fn paragraph(out: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    writeln!(out, ".PP\n{}", escape(text))
}

/// `text` safe as roff text: backslashes and hyphens escaped, backquotes dropped, and a line
/// that would start with a control character (`.`, `'`) protected.
fn escape(text: &str) -> String {
    let text = text
        .replace('\\', "\\e")
        .replace('-', "\\-")
        .replace('`', "");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_text_is_escaped() {
        assert_eq!(escape(".git/baton/"), "\\&.git/baton/");
        assert_eq!(escape("a\\b --x `y`"), "a\\eb \\-\\-x y");
    }
}
