//! The console: Baton's own progress lines (`[turn] …`, `[sync] …`) on stdout and notices on
//! stderr. Commands print their own output with `say!` / `note!`; the layers under them
//! (turn, modes, git, executor) emit events instead (`info_line!`, `warn_line!` for lines
//! that are not a phase), which the console subscriber of [`crate::events`] prints.
//!
//! A console that cannot be written (a pipe closed by `| head`, a full disk behind a redirect)
//! must never stop or crash a run that is half-way through a turn, so `say!` and `note!`
//! drop write errors (the standard `println!` panics on them). Commands whose only job is their
//! output (`route`, `status`, `stats`, `logs`, `check`) write with `writeln!` and `?` instead:
//! a closed pipe ends them quietly with exit 0 ([`stdout_closed`], [`crate::error::report`]).

pub(crate) mod trace;

use std::fmt;

/// Prints one line to stdout; write errors are dropped.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::console::line(&mut ::std::io::stdout().lock(), format_args!($($arg)*))
    };
}

/// Prints one line to stderr; write errors are dropped.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::console::line(&mut ::std::io::stderr().lock(), format_args!($($arg)*))
    };
}

/// A progress line from a lower layer (turn, modes, git, executor), emitted into `$events` (an
/// [`crate::events::Events`]) as an `info` notice, which the console prints on stdout.
macro_rules! info_line {
    ($events:expr, $($arg:tt)*) => {
        $events.notice($crate::events::Level::Info, &format!($($arg)*))
    };
}

/// A warning from a lower layer, emitted into `$events` as a `warning` notice, which the
/// console prints on stderr.
macro_rules! warn_line {
    ($events:expr, $($arg:tt)*) => {
        $events.notice($crate::events::Level::Warning, &format!($($arg)*))
    };
}

/// Writes `args` and a newline to `out`, dropping errors (see the module doc).
pub(crate) fn line(out: &mut dyn std::io::Write, args: fmt::Arguments<'_>) {
    let _ = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
}

/// Whether standard output is a pipe or socket whose reader has gone (poll reports an error or
/// a hang-up on it): a write there fails with `EPIPE`, and a command that was printing ends
/// quietly (see [`crate::error::report`]).
pub(crate) fn stdout_closed() -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let stdout = std::io::stdout();
    let fd = std::os::fd::AsFd::as_fd(&stdout);
    let mut fds = [PollFd::new(fd, PollFlags::POLLOUT)];
    poll(&mut fds, PollTimeout::ZERO).is_ok_and(|_| {
        fds[0]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLERR | PollFlags::POLLHUP))
    })
}

/// Whether the console uses colour (set once from `--color` and `NO_COLOR`; off by default).
static COLOR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns colour on or off for the rest of the process.
pub(crate) fn set_color(on: bool) {
    COLOR.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// A colour of the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Paint {
    /// Errors and failures.
    Red,
    /// Warnings and hints.
    Yellow,
    /// Success.
    Green,
}

/// `text` in `paint` when colour is on, else as it is.
pub(crate) fn paint(paint: Paint, text: &str) -> String {
    if !COLOR.load(std::sync::atomic::Ordering::Relaxed) {
        return text.to_owned();
    }
    let code = match paint {
        Paint::Red => "31",
        Paint::Yellow => "33",
        Paint::Green => "32",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
