//! The completion contract: a supervisor declares the work done by ending its final message
//! with `completion.promise`; the claim counts only if every `completion.verify` command exits
//! 0. Then the stamp sets the stop flag with an `exit_reason` starting with `complete:` and the
//! run ends with exit 0. A claim whose check fails is journalled with the failing command; the
//! next turn is told (`BATON_VERIFY_LOG` and a note after its prompt) and the loop goes on.
//!
//! Completion is opt-in: without a verify command a promise is no claim. An agent's word alone —
//! or a quote of the promise, say from its prompt — must not end an unattended run at its
//! first iteration; `completion.verify: [[true]]` takes the agent at its word, knowingly.
//!
//! Verify commands run in the workspace root, one after the other, in their own process group,
//! with output to a verify log; each is ended (its whole group: SIGTERM, then SIGKILL after the
//! kill grace) at `completion.verify_timeout`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::{CompletionConfig, Config};
use crate::journal::{Completion, JournalEntry};
use crate::process::{Bounds, Ending, run_bounded};
use crate::state::Actor;

/// Whether `actor`'s `final_message` makes a completion claim under `completion`: it ends with
/// the promise (blanks around it ignored) and `completion.verify` has a command to check it.
/// A promise made without one is ignored, with a notice that says so.
pub(crate) fn claimed(
    final_message: Option<&str>,
    completion: &CompletionConfig,
    actor: Actor,
    events: &crate::events::Events,
) -> bool {
    if !makes_promise(final_message, &completion.promise) {
        return false;
    }
    if completion.verify.is_empty() {
        info_line!(
            events,
            "[complete] {actor}'s final message makes the completion promise, but \
             completion.verify is empty: no claim, the run goes on (a claim needs a verify \
             command; [[true]] takes the agent's word)"
        );
        return false;
    }
    true
}

/// Whether `final_message` ends with `promise` (blanks around it ignored).
fn makes_promise(final_message: Option<&str>, promise: &str) -> bool {
    let promise = promise.trim();
    !promise.is_empty() && final_message.is_some_and(|m| m.trim_end().ends_with(promise))
}

/// Runs the verify commands, writing their output to `log`; stops at the first that fails.
/// `relative` names the log in the record.
pub(crate) fn verify(
    config: &Config,
    log: &Path,
    relative: Option<String>,
    events: &crate::events::Events,
) -> Completion {
    let mut record = Completion {
        verified: true,
        failed: None,
        exit_code: None,
        log: relative,
    };
    for argv in &config.completion.verify {
        let command = argv.join(" ");
        info_line!(events, "[complete] verify: {command}");
        let code = run_one(config, argv, log, events);
        if code != Some(0) {
            warn_line!(
                events,
                "[complete] verify failed: `{command}` {}; the loop goes on",
                code.map_or_else(|| "did not finish".to_owned(), |c| format!("exited {c}"))
            );
            record.verified = false;
            record.failed = Some(command);
            record.exit_code = code;
            return record;
        }
    }
    record
}

/// Runs one command with its output appended to `log`; its exit code, `None` when it could not
/// start, was ended at `completion.verify_timeout` or because Baton was interrupted (its whole
/// process group: SIGTERM, then SIGKILL after the kill grace; see [`crate::process::Group`]).
/// Verify commands and a workflow's `when: {command: …}` conditions run so.
pub(crate) fn run_one(
    config: &Config,
    argv: &[String],
    log: &Path,
    events: &crate::events::Events,
) -> Option<i32> {
    let (program, args) = argv.split_first()?;
    let out = crate::fsutil::open_in_tree(&config.logs_dir, log, crate::fsutil::Access::Append)
        .ok()?
        .file;
    let err = out.try_clone().ok()?;
    let mut header = out.try_clone().ok()?;
    let _ = std::io::Write::write_all(&mut header, format!("$ {}\n", argv.join(" ")).as_bytes());
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(&config.root)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    // Its own process group does not get the terminal's Ctrl-C: Baton ends it.
    let interrupted = || crate::executor::received_signal().is_some();
    let bounds = Bounds {
        deadline: Some(config.completion.verify_timeout),
        grace: crate::executor::kill_grace(),
        cancel: Some(&interrupted),
        ..Bounds::default()
    };
    let finished = run_bounded(&mut cmd, &bounds).ok()?;
    if finished.ending == Ending::TimedOut {
        warn_line!(
            events,
            "[complete] `{}` ran past completion.verify_timeout ({}): ended",
            argv.join(" "),
            humantime::format_duration(config.completion.verify_timeout)
        );
    }
    finished.code()
}

/// The verify log of a turn: `<turn log>.verify.log`.
pub(crate) fn log_path(turn_log: &Path) -> PathBuf {
    let mut name = turn_log.as_os_str().to_owned();
    name.push(".verify.log");
    PathBuf::from(name)
}

/// The note after the next turn's prompt when the last claim failed its check, and the log.
pub(crate) fn rejection(last: &JournalEntry, root: &Path) -> Option<(String, PathBuf)> {
    let completion = last.completion.as_ref().filter(|c| !c.verified)?;
    let log = root.join(completion.log.as_deref()?);
    let failed = completion.failed.as_deref().unwrap_or("a verify command");
    let how = completion
        .exit_code
        .map_or_else(|| "did not finish".to_owned(), |c| format!("exited {c}"));
    let note = format!(
        "\n\n---\nBaton: {}'s completion claim in iteration {} was rejected: `{failed}` {how}. \
         Its output is in {} (also in BATON_VERIFY_LOG).\n",
        last.actor,
        last.iteration,
        log.display()
    );
    Some((note, log))
}
