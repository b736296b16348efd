//! Unit tests of the journal: lines, segments, torn tails, special files.
use std::fs::{self, OpenOptions};
use std::io::Write as _;

use std::path::Path;

use super::*;
use crate::state::Actor;

pub(super) fn entry(iteration: u64) -> JournalEntry {
    JournalEntry {
        iteration,
        actor: Actor::RALPH,
        prompt: "main.md".to_owned(),
        source: "deterministic".to_owned(),
        reason: "ralph's turn".to_owned(),
        agent: "claude".to_owned(),
        started_at: "2026-11-21T10:04:05Z".to_owned(),
        ended_at: "2026-11-21T10:14:05Z".to_owned(),
        duration_ms: 600_000,
        outcome: Outcome::Ok,
        exit_code: Some(0),
        head_before: Some("1a2b3c4".to_owned()),
        head_after: None,
        files_changed: 2,
        insertions: 10,
        deletions: 3,
        log: "logs/main/ralph/iter-00001.log".to_owned(),
        host: "box".to_owned(),
        generation: iteration * 2,
        dirty_left: Vec::new(),
        state_ignored: Vec::new(),
        usage: crate::journal::Usage::default(),
        attempts: 1,
        retry_at: None,
        completion: None,
        notes_delivered: 0,
        journal_restored: Vec::new(),
        tasks: Vec::new(),
        task_problems: Vec::new(),
    }
}

fn journal() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = Journal::new(dir.path().join("sync/journal.jsonl"));
    (dir, journal)
}

#[test]
fn append_writes_one_compact_line_per_entry() {
    let (_dir, journal) = journal();
    journal.append(&entry(1)).expect("append");
    let mut second = entry(2);
    second.dirty_left = vec!["notes.txt".to_owned()];
    journal.append(&second).expect("append");
    let text = fs::read_to_string(journal.path()).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(text.ends_with('\n'));
    assert!(lines[0].starts_with(r#"{"iteration":1,"actor":"ralph","prompt":"main.md""#));
    assert!(
        !lines[0].contains("dirty_left"),
        "empty dirty_left is omitted"
    );
    assert!(lines[1].contains(r#""generation":4,"dirty_left":["notes.txt"],"usage":{"#));
    assert!(
        lines[1].ends_with(r#""tool_calls":null},"attempts":1}"#),
        "{}",
        lines[1]
    );
    assert_eq!(journal.tail(5).expect("tail"), vec![entry(1), second]);
}

#[test]
fn tail_of_a_long_journal_returns_the_last_entries_in_order() {
    let (_dir, journal) = journal();
    let mut bytes = Vec::new();
    for iteration in 1..=10_000 {
        bytes.extend(serde_json::to_vec(&entry(iteration)).expect("json"));
        bytes.push(b'\n');
    }
    crate::fsutil::write_atomic(journal.path(), &bytes).expect("write");
    let tail = journal.tail(5).expect("tail");
    let iterations: Vec<u64> = tail.iter().map(|e| e.iteration).collect();
    assert_eq!(iterations, [9996, 9997, 9998, 9999, 10_000]);
    assert_eq!(journal.tail(0).expect("tail"), []);
}

#[test]
fn tail_skips_unparsable_lines_and_handles_short_or_missing_files() {
    let (_dir, journal) = journal();
    assert_eq!(journal.tail(3).expect("missing file"), []);
    journal.append(&entry(1)).expect("append");
    let mut file = OpenOptions::new()
        .append(true)
        .open(journal.path())
        .expect("open");
    file.write_all(b"not json\n\n").expect("write");
    journal.append(&entry(2)).expect("append");
    file.write_all(br#"{"iteration": 3, "trunc"#)
        .expect("write");
    let iterations: Vec<u64> = journal
        .tail(10)
        .expect("tail")
        .iter()
        .map(|e| e.iteration)
        .collect();
    assert_eq!(iterations, [1, 2]);
    let iterations: Vec<u64> = journal
        .tail(2)
        .expect("tail")
        .iter()
        .map(|e| e.iteration)
        .collect();
    assert_eq!(iterations, [1, 2], "the last 2 entries that parse");
}

fn lines(path: &Path) -> Vec<u64> {
    fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(|l| {
            serde_json::from_str::<JournalEntry>(l)
                .expect("every line parses")
                .iteration
        })
        .collect()
}

#[test]
fn a_full_segment_is_archived_and_tail_reads_across_segments() {
    let (_dir, journal) = journal();
    let per_line = serde_json::to_vec(&entry(1)).expect("json").len() as u64 + 1;
    let per_segment = SEGMENT_BYTES / per_line;
    let total = per_segment * 2 + 5;
    for iteration in 1..=total {
        journal.append(&entry(iteration)).expect("append");
    }
    let archives = journal.archives().expect("archives");
    let names: Vec<String> = archives
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["000001.jsonl", "000002.jsonl"]);
    assert_eq!(
        journal.newest_archive().expect("newest"),
        archives.last().cloned()
    );
    for segment in archives.iter().chain([&journal.path().to_path_buf()]) {
        let len = fs::metadata(segment).expect("meta").len();
        assert!(len <= SEGMENT_BYTES, "{} is {len} bytes", segment.display());
    }
    let mut all: Vec<u64> = archives.iter().flat_map(|p| lines(p)).collect();
    all.extend(lines(journal.path()));
    assert_eq!(
        all,
        (1..=total).collect::<Vec<_>>(),
        "every line once, in order"
    );
    let tail: Vec<u64> = journal
        .tail(usize::try_from(per_segment + 10).expect("n"))
        .expect("tail")
        .iter()
        .map(|e| e.iteration)
        .collect();
    assert_eq!(tail, (total - per_segment - 9..=total).collect::<Vec<_>>());
    assert_eq!(journal.tail(100_000).expect("all").len() as u64, total);
}

#[test]
fn a_legacy_single_file_journal_becomes_the_first_archive() {
    let (_dir, journal) = journal();
    let mut bytes = Vec::new();
    for iteration in 1..=1_000 {
        bytes.extend(serde_json::to_vec(&entry(iteration)).expect("json"));
        bytes.push(b'\n');
    }
    crate::fsutil::write_atomic(journal.path(), &bytes).expect("write");
    journal.append(&entry(1_001)).expect("append");
    let first = journal.archive_dir().join("000001.jsonl");
    assert_eq!(fs::read(&first).expect("archive"), bytes, "moved whole");
    assert_eq!(lines(journal.path()), [1_001]);
    let tail: Vec<u64> = journal
        .tail(3)
        .expect("tail")
        .iter()
        .map(|e| e.iteration)
        .collect();
    assert_eq!(tail, [999, 1_000, 1_001]);
}

#[test]
fn a_torn_last_line_is_cut_and_a_line_without_newline_is_ended() {
    let (_dir, journal) = journal();
    journal.append(&entry(1)).expect("append");
    let mut file = OpenOptions::new()
        .append(true)
        .open(journal.path())
        .expect("open");
    file.write_all(br#"{"iteration": 2, "trunc"#).expect("torn");
    journal.append(&entry(3)).expect("append after a torn line");
    assert_eq!(
        lines(journal.path()),
        [1, 3],
        "torn part cut, nothing glued"
    );

    let whole = serde_json::to_vec(&entry(4)).expect("json");
    file.write_all(&whole).expect("no newline");
    journal.append(&entry(5)).expect("append");
    assert_eq!(lines(journal.path()), [1, 3, 4, 5], "a whole line is kept");
}

#[test]
fn a_fifo_journal_is_refused_without_blocking() {
    let (_dir, journal) = journal();
    fs::create_dir_all(journal.path().parent().expect("parent")).expect("mkdir");
    nix::unistd::mkfifo(journal.path(), nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let err = journal.append(&entry(1)).expect_err("a FIFO is refused");
    assert!(
        matches!(err, JournalError::NotAFile { kind: "FIFO", .. }),
        "{err}"
    );
}

#[test]
fn outcome_names_are_the_journal_spelling() {
    for outcome in [
        Outcome::Ok,
        Outcome::Failed,
        Outcome::Timeout,
        Outcome::Interrupted,
        Outcome::Limited,
        Outcome::Stalled,
    ] {
        assert_eq!(
            serde_json::to_value(outcome).expect("json"),
            outcome.as_str()
        );
    }
}

#[test]
fn a_journal_in_a_tree_is_archived_by_the_same_rule_as_on_disk() {
    use super::{SEGMENT_BYTES, append_in_tree, archive_name, archives_before};
    let line = b"{\"iteration\":1}\n".to_vec();
    // Below the size: appended.
    let small = append_in_tree(b"a\n".to_vec(), &line, None);
    assert_eq!(small.current, [b"a\n".as_slice(), &line].concat());
    assert_eq!(small.archived, None);
    // An empty segment takes any line, however long.
    let long = vec![b'x'; usize::try_from(SEGMENT_BYTES).expect("small") + 10];
    assert_eq!(append_in_tree(Vec::new(), &long, Some(3)).archived, None);
    // Past the size: the segment is archived as the next number and the line starts a new one.
    let full = vec![b'y'; usize::try_from(SEGMENT_BYTES).expect("small") - 4];
    let rotated = append_in_tree(full.clone(), &line, Some(3));
    assert_eq!(rotated.current, line);
    assert_eq!(rotated.archived, Some((4, full.clone())));
    assert_eq!(
        append_in_tree(full, &line, None).archived.map(|a| a.0),
        Some(1)
    );
    assert!(archives_before(SEGMENT_BYTES, 1));
    assert!(!archives_before(SEGMENT_BYTES - 1, 1));
    assert_eq!(archive_name(12), "000012.jsonl");
}
