//! Baton owns the state file and the journal: the state a stamp starts from is the one Baton
//! wrote at the claim, with only the stop flag taken from the file (what an agent or a person
//! may set during a turn), what else changed in the file is reported and ignored; and the
//! journal is put back as it was sealed before the agent started (budgets count from it), with
//! a warning and a note in the stamp's journal line.

use crate::error::Result;
use crate::journal::Seal;
use crate::state::State;
use crate::turn::Workspace;
use crate::turn::record::SealedJournal;

/// Puts back what the turn changed in the journal since `seal` (taken before the agent
/// started): the current segment from the seal, archived segments from their blobs at `head`
/// (HEAD when the seal was taken). Warns, and returns what was put back for the journal line's
/// `journal_restored`.
///
/// # Errors
/// [`crate::journal::JournalError`] when a segment cannot be written.
pub(crate) fn restore_journal(
    runner: &Workspace,
    seal: &Seal,
    head: Option<&str>,
) -> Result<Vec<String>> {
    let copies = |rel: &str| copy_at(runner, head, rel);
    let restored = runner.journal.restore(seal, &copies)?;
    warn_restored(runner, &restored);
    Ok(restored)
}

/// [`restore_journal`] after a crash, from what the turn record kept of the seal: only what
/// the commit of the seal has can be put back.
///
/// # Errors
/// As [`restore_journal`].
pub(crate) fn restore_sealed_journal(runner: &Workspace, sealed: &SealedJournal) -> Result<()> {
    let copies = |rel: &str| copy_at(runner, sealed.head.as_deref(), rel);
    let restored = runner.journal.restore_mark(&sealed.mark, &copies)?;
    warn_restored(runner, &restored);
    Ok(())
}

fn warn_restored(runner: &Workspace, restored: &[String]) {
    if !restored.is_empty() {
        warn_line!(
            runner.events,
            "[stamp] put back what the turn changed in the journal ({}; in {}): Baton owns \
             the journal, and budgets count from it",
            restored.join(", "),
            runner
                .journal
                .path()
                .parent()
                .map_or_else(String::new, |d| d.display().to_string())
        );
    }
}

/// The bytes of the journal file `rel` (relative to the journal's directory) at `head`.
fn copy_at(runner: &Workspace, head: Option<&str>, rel: &str) -> Option<Vec<u8>> {
    let repo = runner.repo.as_ref()?;
    let path = runner.journal.path().parent()?.join(rel);
    repo.read_at(head?, &repo.relative(&path)?).ok().flatten()
}

/// The state a stamp starts from: `claimed` (what Baton wrote at the claim, held in memory),
/// with the stop flag (`exit`, `exit_reason`) taken from the state file when the file offers
/// one — the only fields an agent or a person may set during a turn — or from a pending
/// `baton stop` request. Also returns what was
/// ignored: the other top-level fields that differ in the file, or `invalid JSON` / `deleted`.
pub(crate) fn owned_state(runner: &Workspace, claimed: &State) -> (State, Vec<String>) {
    let (mut state, ignored) = state_from_file(runner, claimed);
    if let Some(reason) = runner.inbox.pending_stop() {
        state.request_stop(&reason);
    }
    (state, ignored)
}

fn state_from_file(runner: &Workspace, claimed: &State) -> (State, Vec<String>) {
    let mut state = claimed.clone();
    let bytes = match crate::fsutil::read_regular(runner.store.path()) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (state, vec!["deleted".to_owned()]);
        }
        // A FIFO, a directory, …: replaced by the stamp's atomic write like a deleted file.
        Err(e) => return (state, vec![e.to_string()]),
    };
    let ignored = match crate::state::parse_state(runner.store.path(), &bytes) {
        Ok(loaded) => {
            state.exit.clone_from(&loaded.state.exit);
            state.exit_reason.clone_from(&loaded.state.exit_reason);
            changed_fields(claimed, &loaded.state)
        }
        Err(_) => {
            // Take a well-formed stop flag even from a file that is otherwise broken.
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&bytes) {
                state.exit = map.get("exit").filter(|v| !v.is_null()).cloned();
                state.exit_reason = map
                    .get("exit_reason")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
            }
            vec!["invalid JSON".to_owned()]
        }
    };
    (state, ignored)
}

/// Top-level fields, other than the stop flag, whose values differ between `a` and `b`.
fn changed_fields(a: &State, b: &State) -> Vec<String> {
    let mut changed = a.changed_fields(b);
    changed.retain(|k| !matches!(k.as_str(), "exit" | "exit_reason"));
    changed
}
