//! Baton's own diagnostics (`tracing` events: `-v`, `-vv`, `BATON_LOG_LEVEL`) on stderr, in
//! the layout of every other console line: `[baton] git command=git push … workdir=/ws`,
//! `[baton] warning: …`, `[baton] debug: …`; a dependency's line, which only
//! `BATON_LOG_LEVEL` lets through, is labelled with its crate (`[hyper] debug: …`). Colour
//! only as `--color` decides ([`paint`]), so pipes and log files get plain text.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::console::{Paint, paint};

/// The variable that replaces the `-v` levels with a filter of its own
/// (`tracing_subscriber::EnvFilter` syntax: `debug`, `baton=trace,hyper=debug`).
pub(crate) const LOG_LEVEL_ENV: &str = "BATON_LOG_LEVEL";

/// Sends diagnostics to stderr: warnings always, Baton's own `info` lines with `-v`, its
/// `debug` lines with `-vv` (`trace` beyond); dependencies only warn, unless
/// [`LOG_LEVEL_ENV`] says otherwise. Call once, after the colour is decided.
pub(crate) fn init(verbose: u8) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(LOG_LEVEL_ENV)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(directives(verbose)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .event_format(Lines)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The filter for `-v` repeated `verbose` times.
fn directives(verbose: u8) -> &'static str {
    match verbose {
        0 => "warn",
        1 => "warn,baton=info",
        2 => "warn,baton=debug",
        _ => "warn,baton=trace",
    }
}

/// The console layout of one event (see the module docs).
struct Lines;

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let target = fields.log_target.as_deref().unwrap_or(meta.target());
        writeln!(
            writer,
            "{}",
            line(target, *meta.level(), &fields.message, &fields.rest)
        )
    }
}

/// `[baton] <level label><message><fields>` (the crate of `target` in place of `baton` for a
/// dependency).
fn line(target: &str, level: Level, message: &str, fields: &str) -> String {
    let source = target.split("::").next().unwrap_or(target);
    let label = match level {
        Level::ERROR => format!("{} ", paint(Paint::Red, "error:")),
        Level::WARN => format!("{} ", paint(Paint::Yellow, "warning:")),
        Level::INFO => String::new(),
        Level::DEBUG => "debug: ".to_owned(),
        Level::TRACE => "trace: ".to_owned(),
    };
    let gap = if message.is_empty() || fields.is_empty() {
        ""
    } else {
        " "
    };
    format!("[{source}] {label}{message}{gap}{fields}")
}

/// An event's message and its other fields as `key=value` pairs. A dependency's `log` record
/// arrives with its origin in `log.*` fields: its target is kept, the rest left out.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
    log_target: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            "log.target" => self.log_target = Some(value.to_owned()),
            name if name.starts_with("log.") => {}
            _ => self.pair(field, format_args!("{value}")),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            name if name.starts_with("log.") => {}
            _ => self.pair(field, format_args!("{value:?}")),
        }
    }
}

impl Fields {
    fn pair(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if !self.rest.is_empty() {
            self.rest.push(' ');
        }
        let _ = write!(self.rest, "{}={value}", field.name());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_look_like_the_other_console_lines() {
        assert_eq!(
            line(
                "baton::git::remote::child",
                Level::INFO,
                "git",
                "command=git push"
            ),
            "[baton] git command=git push"
        );
        assert_eq!(
            line("baton::journal::append", Level::WARN, "cut a torn line", ""),
            "[baton] warning: cut a torn line"
        );
        assert_eq!(
            line("globset", Level::DEBUG, "built glob set", ""),
            "[globset] debug: built glob set"
        );
        assert_eq!(directives(2), "warn,baton=debug");
    }
}
