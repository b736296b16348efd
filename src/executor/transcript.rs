//! What the agent's output says, while it streams: each complete line of a structured stdout
//! goes through the [`Adapter`] of the agent's [`Format`], which turns events into a readable
//! transcript (shown on the console and written to the turn log; the raw stream is kept beside
//! the log as `<log>.jsonl`) and at the end into a [`Report`] (usage, a reported error, a usage
//! limit, a transient error, the final message). Text output is shown byte for byte as it comes;
//! only its last lines are read, at the end (see [`LastLines`]), as are stderr's: a text agent
//! often reports its limit there.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use super::last_lines::LastLines;
use crate::agent::output::{Adapter, Clock, Format, Rendered, Report, Tail};

/// The longest line of text output that is read (longer ones are shown, never read: no limit
/// message is that long).
const TEXT_LINE: usize = 4096;

/// The longest line of a structured stream that is parsed (a tool result may carry a whole
/// file); a longer one is shown as it is.
const EVENT_LINE: usize = 16 * 1024 * 1024;

/// A piece of a stream: a complete line (without its newline), or part of a line too long to
/// read.
enum Piece<'a> {
    Line(&'a [u8]),
    Overlong(&'a [u8]),
}

/// Reads a structured stream's lines, every one.
pub(super) struct Lines {
    pending: Vec<u8>,
    /// The line being read is too long to read: skip it to its end.
    skipping: bool,
    limit: usize,
}

impl Lines {
    fn new(limit: usize) -> Lines {
        Lines {
            pending: Vec::new(),
            skipping: false,
            limit,
        }
    }

    /// Calls `each` with every complete line of `chunk` that fits the limit, and with the
    /// parts of a line that does not.
    fn feed(&mut self, chunk: &[u8], each: &mut dyn FnMut(Piece<'_>)) {
        let mut rest = chunk;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let (line, after) = rest.split_at(end);
            if self.skipping {
                each(Piece::Overlong(line));
            } else if self.pending.is_empty() {
                each(Piece::Line(line));
            } else {
                self.pending.extend_from_slice(line);
                each(Piece::Line(&std::mem::take(&mut self.pending)));
            }
            self.skipping = false;
            rest = &after[1..];
        }
        if self.skipping {
            each(Piece::Overlong(rest));
        } else if self.pending.len() + rest.len() > self.limit {
            each(Piece::Overlong(&std::mem::take(&mut self.pending)));
            each(Piece::Overlong(rest));
            self.skipping = true;
        } else {
            self.pending.extend_from_slice(rest);
        }
    }

    /// The unterminated last line, if any.
    fn finish(&mut self, each: &mut dyn FnMut(Piece<'_>)) {
        if !self.pending.is_empty() && !self.skipping {
            each(Piece::Line(&std::mem::take(&mut self.pending)));
        }
    }
}

/// The reader of the agent's stdout.
pub(super) struct Transcript {
    adapter: Adapter,
    reading: Reading,
    /// The adapter's reason to end the agent was already passed on.
    abandoned: bool,
    /// The run's transcript in the event log (tool calls go there).
    log: crate::events::Transcript,
}

/// How stdout is read: text only at its end, a structured stream line by line.
enum Reading {
    Text(LastLines),
    Structured { lines: Lines, raw: Option<File> },
}

/// Lines kept of a text stream: as many as its [`Tail`] remembers.
fn text_tail() -> LastLines {
    LastLines::new(Tail::LINES, TEXT_LINE)
}

impl Transcript {
    /// A reader for `format`; a structured format keeps its raw stream at `raw_path`.
    pub(super) fn new(
        format: Format,
        raw_path: &Path,
        log: crate::events::Transcript,
    ) -> Transcript {
        let reading = if format == Format::Text {
            Reading::Text(text_tail())
        } else {
            let raw = match crate::fsutil::open_owned(raw_path, crate::fsutil::Access::Create) {
                Ok(owned) => {
                    for replaced in owned.replaced {
                        warn_line!(log.events(), "[baton] warning: {replaced}");
                    }
                    Some(owned.file)
                }
                Err(e) => {
                    tracing::warn!(path = %raw_path.display(), error = %e, "raw agent stream");
                    None
                }
            };
            Reading::Structured {
                lines: Lines::new(EVENT_LINE),
                raw,
            }
        };
        Transcript {
            adapter: Adapter::new(format),
            reading,
            abandoned: false,
            log,
        }
    }

    /// Once, the reason to end the agent now that its output gave (see [`Adapter::abandon`]).
    pub(super) fn take_abandon(&mut self) -> Option<String> {
        if self.abandoned {
            return None;
        }
        let reason = self.adapter.abandon()?.to_owned();
        self.abandoned = true;
        Some(reason)
    }

    /// Reads `chunk`; returns what to show (console and log) instead of it: `None` for text
    /// (the chunk itself is shown), the rendered lines for a structured stream.
    pub(super) fn feed(&mut self, chunk: &[u8]) -> Option<Vec<u8>> {
        let (lines, raw) = match &mut self.reading {
            Reading::Text(tail) => {
                tail.feed(chunk);
                return None;
            }
            Reading::Structured { lines, raw } => (lines, raw),
        };
        if let Some(file) = raw
            && file.write_all(chunk).is_err()
        {
            *raw = None;
        }
        let mut shown = Vec::new();
        let adapter = &mut self.adapter;
        let log = &self.log;
        lines.feed(chunk, &mut |piece| match piece {
            Piece::Line(line) => render(adapter, log, line, &mut shown),
            Piece::Overlong(part) => shown.extend_from_slice(part),
        });
        Some(shown)
    }

    /// Ends the stream: what is left to show, and the agent's report.
    pub(super) fn finish(self) -> (Vec<u8>, Report) {
        let mut shown = Vec::new();
        let mut adapter = self.adapter;
        match self.reading {
            Reading::Text(tail) => {
                for line in tail.finish() {
                    adapter.line(&String::from_utf8_lossy(&line));
                }
            }
            Reading::Structured { mut lines, .. } => lines.finish(&mut |piece| {
                if let Piece::Line(line) = piece {
                    render(&mut adapter, &self.log, line, &mut shown);
                }
            }),
        }
        (shown, adapter.finish())
    }
}

fn render(
    adapter: &mut Adapter,
    log: &crate::events::Transcript,
    line: &[u8],
    shown: &mut Vec<u8>,
) {
    for rendered in adapter.line(&String::from_utf8_lossy(line)) {
        if let Rendered::Tool { name, arg } = &rendered {
            log.tool_call(name, arg.as_deref());
        }
        shown.extend_from_slice(rendered.to_string().as_bytes());
        shown.push(b'\n');
    }
}

/// The last lines of stderr, read for a limit or a transient error when stdout said nothing.
pub(super) struct ErrTail {
    lines: LastLines,
}

impl Default for ErrTail {
    fn default() -> Self {
        ErrTail { lines: text_tail() }
    }
}

impl ErrTail {
    /// Reads `chunk`.
    pub(super) fn feed(&mut self, chunk: &[u8]) {
        self.lines.feed(chunk);
    }

    /// Completes `report` with what the last lines of stderr say, when stdout said nothing of
    /// an authentication error, a limit or a transient error (see [`Report::read_printed`]).
    pub(super) fn complete(self, report: &mut Report) {
        let mut tail = Tail::default();
        for line in self.lines.finish() {
            tail.push(&String::from_utf8_lossy(&line));
        }
        report.read_printed(&tail.last_lines(), &Clock::system());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_at_newlines_across_chunks_and_overlong_ones_skipped() {
        let mut lines = Lines::new(8);
        let mut seen: Vec<String> = Vec::new();
        let mut over = 0;
        let mut each = |piece: Piece<'_>| match piece {
            Piece::Line(l) => seen.push(String::from_utf8_lossy(l).into_owned()),
            Piece::Overlong(p) => over += p.len(),
        };
        for chunk in [&b"ab"[..], b"c\nde", b"f\n0123456789abc", b"def\nxy"] {
            lines.feed(chunk, &mut each);
        }
        lines.finish(&mut each);
        assert_eq!(seen, ["abc", "def", "xy"]);
        assert_eq!(over, 16, "the overlong line went to `overlong`");
    }

    #[test]
    fn a_structured_stream_is_shown_as_a_transcript_and_kept_raw() {
        let dir = tempfile::tempdir().expect("tempdir");
        let raw = dir.path().join("turn.log.jsonl");
        let fixture = include_str!("../../tests/fixtures/agents/claude/success.jsonl");
        let mut transcript = Transcript::new(
            Format::ClaudeStreamJson,
            &raw,
            crate::events::Events::console().transcript(),
        );
        let mut shown = Vec::new();
        for chunk in fixture.as_bytes().chunks(7) {
            shown.extend(transcript.feed(chunk).unwrap_or_default());
        }
        let (rest, report) = transcript.finish();
        shown.extend(rest);
        let shown = String::from_utf8(shown).expect("utf-8");
        assert!(
            !shown.contains("\"type\""),
            "no raw JSON on the console: {shown}"
        );
        assert!(
            shown.contains("→ "),
            "tool calls are one line each: {shown}"
        );
        assert_eq!(std::fs::read_to_string(&raw).expect("raw"), fixture);
        assert!(report.usage.cost_usd.is_some());
        assert!(report.final_message.is_some());
    }
}
