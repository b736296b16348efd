//! Fixture-driven tests of the format readers. The fixtures under `tests/fixtures/agents/` are
//! derived from each CLI's source or documentation (their READMEs cite which); they carry
//! unknown event types and fields to prove those are ignored.

mod claude;
mod codex;
mod gemini;
mod limits;
mod opencode;
mod text;

use std::time::{Duration, SystemTime};

use super::{Adapter, Clock, Format, Report};

/// 2025-11-22T03:00:00Z — 04:00 in Warsaw, 12:00 in Seoul.
const NOW: i64 = 1_763_780_400;

/// The test clock: [`NOW`], local zone Europe/Warsaw.
fn clock() -> Clock {
    Clock::fixed(NOW, "Europe/Warsaw")
}

/// The instant `secs` after the epoch.
fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// Feeds `fixture` line by line and returns the transcript (as displayed) and the report.
fn run(format: Format, fixture: &str) -> (Vec<String>, Report) {
    let mut adapter = Adapter::with_clock(format, clock());
    let mut transcript = Vec::new();
    for line in fixture.lines() {
        transcript.extend(adapter.line(line).iter().map(ToString::to_string));
    }
    for line in &transcript {
        assert!(
            !line.trim_start().starts_with('{'),
            "raw JSON in the transcript: {line}"
        );
    }
    (transcript, adapter.finish())
}

#[test]
fn non_json_lines_of_a_structured_stream_pass_through_and_count_at_the_end() {
    let fixture = "not json at all\n[1,2]\n\n{\"type\":\"turn.started\"}\n\
                   ERROR: You've hit your usage limit. Try again in 2 hours 5 minutes.";
    let (transcript, report) = run(Format::CodexJson, fixture);
    assert_eq!(transcript[0], "not json at all");
    assert_eq!(transcript[1], "[1,2]");
    let limit = report.limit.expect("the trailing line names a limit");
    assert_eq!(limit.resets_at, Some(at(NOW as u64 + 2 * 3600 + 5 * 60)));
}

#[test]
fn stray_lines_after_a_successful_result_change_nothing() {
    let fixture = "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1,\
                   \"cached_input_tokens\":0,\"output_tokens\":1}}\n\
                   note: the upstream API was overloaded earlier today";
    let (transcript, report) = run(Format::CodexJson, fixture);
    assert_eq!(transcript.len(), 2);
    assert_eq!(report.transient, None);
    assert_eq!(report.limit, None);
}

#[test]
fn usage_serializes_with_nulls_for_what_was_not_reported() {
    let (_, report) = run(Format::Text, "hello");
    let json = serde_json::to_value(&report.usage).expect("usage serializes");
    assert_eq!(
        json,
        serde_json::json!({
            "input_tokens": null, "output_tokens": null, "cached_input_tokens": null,
            "cost_usd": null, "model": null, "session_id": null, "tool_calls": null
        })
    );
}

#[test]
fn no_prefix_of_any_line_makes_a_reader_panic() {
    const FIXTURES: &[&str] = &[
        include_str!("../../../../tests/fixtures/agents/claude/success.jsonl"),
        include_str!("../../../../tests/fixtures/agents/claude/limit.jsonl"),
        include_str!("../../../../tests/fixtures/agents/codex/success.jsonl"),
        include_str!("../../../../tests/fixtures/agents/gemini/success.jsonl"),
        include_str!("../../../../tests/fixtures/agents/opencode/success.jsonl"),
        include_str!("../../../../tests/fixtures/agents/opencode/limit.jsonl"),
        "€€€€€€€429 error · resets 4:2ñ (Eu/ok) try again in 3é, status: €503",
    ];
    for format in Format::ALL {
        let mut adapter = Adapter::with_clock(format, clock());
        for fixture in FIXTURES {
            for line in fixture.lines() {
                // Every prefix: events cut short, numbers and times cut mid-way.
                for (cut, _) in line.char_indices() {
                    adapter.line(&line[..cut]);
                    super::limit::detect_limit_at(&line[..cut], &clock());
                    super::limit::detect_transient(&line[..cut]);
                    super::auth::detect_auth(&line[..cut]);
                }
            }
        }
        adapter.finish();
    }
}
