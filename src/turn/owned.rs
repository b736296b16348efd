//! Baton owns the state file: the state a stamp starts from is the one Baton wrote at the
//! claim, with only the stop flag taken from the file (what an agent or a person may set during
//! a turn); what else changed in the file is reported and ignored.

use crate::state::State;
use crate::turn::Runner;

/// The state a stamp starts from: `claimed` (what Baton wrote at the claim, held in memory),
/// with the stop flag (`exit`, `exit_reason`) taken from the state file when the file offers
/// one — the only fields an agent or a person may set during a turn — or from a pending
/// `baton stop` request. Also returns what was
/// ignored: the other top-level fields that differ in the file, or `invalid JSON` / `deleted`.
pub(crate) fn owned_state(runner: &Runner, claimed: &State) -> (State, Vec<String>) {
    let (mut state, ignored) = state_from_file(runner, claimed);
    if let Some(reason) = runner.stop.pending() {
        state.request_stop(&reason);
    }
    (state, ignored)
}

fn state_from_file(runner: &Runner, claimed: &State) -> (State, Vec<String>) {
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
