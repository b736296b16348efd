//! What makes a prompt file one an agent can be given: a regular file (a FIFO is never opened)
//! with something in it besides blanks. An agent fed nothing does nothing and may well say it
//! succeeded (aider exits 0 on an empty message), so an empty prompt is refused before any
//! agent starts, the same way for every agent.

use std::path::Path;

use crate::error::Error;

/// [`problem`] as the usage error (exit 2) that stops a run before anything is written: the
/// file's role `what` (`prompt file`, `router prompt`, …), its path in backticks and the
/// problem (``prompt file `/w/prompts/main.md` is empty``), with a hint.
///
/// # Errors
/// The usage error, when the file has a [`problem`].
pub(crate) fn check(path: &Path, what: &str) -> Result<(), Error> {
    match problem(path) {
        None => Ok(()),
        Some(problem) => Err(
            Error::usage(format!("{what} `{}` {problem}", path.display())).with_hint(
                "write the prompt, restore the file (git checkout -- <file>) or change prompts.* \
                 in the config",
            ),
        ),
    }
}

/// What is wrong with the prompt file at `path` for an agent, as the end of a sentence that
/// starts with the file's name: `not found`, `is not a regular file (it is a FIFO)`,
/// `cannot be read: …`, `is empty` (nothing but blanks: spaces, tabs, line ends); `None` when
/// it can be given.
#[must_use]
pub(crate) fn problem(path: &Path) -> Option<String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(_) => return Some("not found".to_owned()),
    };
    if let Some(kind) = crate::fsutil::special_kind(&meta) {
        return Some(format!("is not a regular file (it is a {kind})"));
    }
    match crate::fsutil::read_regular(path) {
        Ok(bytes) if is_blank(&bytes) => Some("is empty".to_owned()),
        Ok(_) => None,
        Err(e) => Some(format!("cannot be read: {e}")),
    }
}

/// Whether `bytes` hold nothing but blanks (ASCII or Unicode white space).
#[must_use]
pub(crate) fn is_blank(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_of_blanks_is_empty_and_a_missing_one_not_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("main.md");
        assert_eq!(problem(&path).as_deref(), Some("not found"));
        for blank in ["", "\n", " \t\r\n\n", "\u{a0}\u{2003}\n"] {
            std::fs::write(&path, blank).expect("write");
            assert_eq!(problem(&path).as_deref(), Some("is empty"), "{blank:?}");
        }
        std::fs::write(&path, "\n  Fix the tests.\n").expect("write");
        assert_eq!(problem(&path), None);
        assert_eq!(
            problem(dir.path()).as_deref(),
            Some("is not a regular file (it is a directory)")
        );
    }
}
