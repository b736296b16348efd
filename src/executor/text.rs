//! Console and log text of the executor: the `$ argv` header, durations, notices.

use std::borrow::Cow;
use std::time::Duration;

/// `arg` quoted for a POSIX shell when it contains anything but safe characters.
pub(super) fn shell_quote(arg: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        Cow::Borrowed(arg)
    } else {
        Cow::Owned(format!("'{}'", arg.replace('\'', r"'\''")))
    }
}

/// The log's first line: `$ ` and the argv, shell-quoted where needed, then a newline.
pub(super) fn header(argv: &[String]) -> String {
    let words: Vec<_> = argv.iter().map(|a| shell_quote(a)).collect();
    format!("$ {}\n", words.join(" "))
}

/// An elapsed time in whole seconds, human style: `0s`, `42s`, `2m 5s`, `1h 3m`.
pub(super) fn elapsed(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// The heartbeat line: `[baton] <label> still running… <elapsed> (no output for <silence>)`.
pub(super) fn heartbeat(label: &str, running: Duration, silence: Duration) -> String {
    format!(
        "[baton] {label} still running… {} (no output for {})",
        elapsed(running),
        elapsed(silence)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_safe_words_alone() {
        assert_eq!(shell_quote("--flag=a/b.c"), "--flag=a/b.c");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("two words"), "'two words'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let argv = ["sh".to_owned(), "-c".to_owned(), "echo $HOME".to_owned()];
        assert_eq!(header(&argv), "$ sh -c 'echo $HOME'\n");
    }

    #[test]
    fn heartbeat_names_label_and_times() {
        let line = heartbeat(
            "ralph main.md (sh)",
            Duration::from_secs(125),
            Duration::from_secs(30),
        );
        assert_eq!(
            line,
            "[baton] ralph main.md (sh) still running… 2m 5s (no output for 30s)"
        );
        assert_eq!(elapsed(Duration::from_millis(400)), "0s");
    }
}
