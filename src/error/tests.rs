//! Unit tests of the errors users see: kinds, exit codes, hints and how they are printed.

use super::*;

/// A writer whose reader has gone.
struct ClosedPipe;

impl io::Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_exit_code_table_is_the_readmes() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Exit codes")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README's exit codes");
    let rows: Vec<(String, String)> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| ")?.strip_suffix(" |"))
        .filter_map(|l| l.split_once(" | "))
        .filter(|(code, _)| code.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|(code, meaning)| (code.to_owned(), meaning.to_owned()))
        .collect();
    let table: Vec<(String, String)> = EXIT_CODES
        .iter()
        .map(|(c, m)| ((*c).to_owned(), (*m).to_owned()))
        .collect();
    assert_eq!(rows, table);
    let codes: Vec<u8> = [
        ErrorKind::Failed,
        ErrorKind::Usage,
        ErrorKind::Budget,
        ErrorKind::Stuck,
        ErrorKind::Internal,
        ErrorKind::Interrupted(2),
        ErrorKind::Interrupted(15),
    ]
    .map(ErrorKind::code)
    .to_vec();
    for code in codes {
        assert!(
            EXIT_CODES
                .iter()
                .any(|(c, _)| c.split(" / ").any(|c| c == code.to_string())),
            "exit code {code} is in the table"
        );
    }
}

#[test]
fn kinds_map_to_the_documented_exit_codes() {
    assert_eq!(ErrorKind::Usage.code(), 2);
    assert_eq!(ErrorKind::Failed.code(), 1);
    assert_eq!(ErrorKind::Interrupted(2).code(), 130);
    assert_eq!(ErrorKind::Interrupted(15).code(), 143);
    assert_eq!(ErrorKind::Budget.code(), 3);
    assert_eq!(ErrorKind::Stuck.code(), 4);
    assert_eq!(ErrorKind::Internal.code(), 255);
}

#[test]
fn context_keeps_the_kind_and_hints_and_chains_the_message() {
    let err = Error::usage("bad value")
        .with_hint("fix it")
        .context("load config");
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert_eq!(err.hints(), ["fix it"]);
    assert_eq!(err.to_string(), "load config: bad value");
    let io: std::result::Result<(), io::Error> =
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
    let err = io.context("print").expect_err("an error");
    assert!(err.is_broken_pipe());
    assert_eq!(err.to_string(), "print: closed");
    let json = serde_json::to_writer(ClosedPipe, &[1, 2]).expect_err("a closed pipe");
    assert!(Error::from(json).context("print").is_broken_pipe());
    assert!(
        !Error::failed("Broken pipe").is_broken_pipe(),
        "by kind, not by text"
    );
}

#[test]
fn typed_errors_get_their_kind_from_one_place() {
    let state = crate::state::StateError::Invalid {
        path: "s.json".into(),
        line: 1,
        column: 2,
        message: "bad".into(),
    };
    assert_eq!(Error::from(state).kind(), ErrorKind::Usage);
    let write = crate::state::StateError::Write {
        path: "s.json".into(),
        source: io::Error::from_raw_os_error(28),
    };
    assert_eq!(Error::from(write).kind(), ErrorKind::Failed);
    let busy = crate::fsutil::LockError::Busy {
        path: "l".into(),
        holder: "pid 1".into(),
    };
    let err = Error::from(busy);
    assert_eq!(err.kind(), ErrorKind::Failed);
    assert_eq!(err.hints().len(), 1);
}
