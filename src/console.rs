//! The console: Baton's own progress lines (`[turn] …`, `[sync] …`) on stdout and notices on
//! stderr.
//!
//! A console that cannot be written (a pipe closed by `| head`, a full disk behind a redirect)
//! must never stop or crash a run that is half-way through a turn, so [`say!`] and [`note!`]
//! drop write errors (the standard `println!` panics on them). Commands whose only job is their
//! output (`route`, `status`, `logs`) write with `writeln!` and `?` instead, so a closed pipe
//! ends them quietly with exit 0 ([`crate::error::ErrorKind::BrokenPipe`]).

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

/// Writes `args` and a newline to `out`, dropping errors (see the module doc).
pub(crate) fn line(out: &mut dyn std::io::Write, args: fmt::Arguments<'_>) {
    let _ = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
}
