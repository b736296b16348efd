//! Reading stamps off a branch's line: which commit wrote which journal line, with agents'
//! commits, rewinds and archived segments in the way.

use super::{History, Line, Row, Target, journal_at, stamp_on_line};
use crate::git::testutil::TestRepo;

/// A repository in a temp dir (`main`, a configured user) and the journal written so far.
struct Fixture {
    t: TestRepo,
    /// The journal lines written so far (the current segment).
    journal: Vec<String>,
    /// Turns made so far (each line is unique, as real ones are by their times).
    turns: usize,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            t: TestRepo::new(),
            journal: Vec::new(),
            turns: 0,
        }
    }

    fn write(&self, rel: &str, text: &str) {
        self.t.write(rel, text.as_bytes());
    }

    fn commit(&self, message: &str) -> String {
        self.t.commit_all(message)
    }

    /// A turn: work committed by the "agent", then the stamp with a new journal line.
    fn turn(&mut self, iteration: u64, actor: &str) -> String {
        self.write("work.txt", &format!("{actor} {iteration}\n"));
        self.commit(&format!("{actor} work {iteration}"));
        self.turns += 1;
        self.journal.push(line(iteration, actor, self.turns));
        self.write("sync/journal.jsonl", &(self.journal.join("\n") + "\n"));
        self.write(
            "sync/state.json",
            &format!("{{\"iteration\": {iteration}}}\n"),
        );
        self.commit(&format!(
            "[SYNC i={iteration}] actor={actor} → next=x status=ok {actor}_commit=abc"
        ))
    }

    fn line(&self, tip: &str) -> Line {
        Line::read(&self.t.repo, tip, "sync/journal.jsonl").expect("line")
    }
}

fn line(iteration: u64, actor: &str, n: usize) -> String {
    serde_json::json!({
        "iteration": iteration, "actor": actor, "prompt": "p.md", "source": "deterministic",
        "reason": "r", "agent": "stub", "started_at": "2026-01-01T00:00:00Z",
        "ended_at": format!("2026-01-01T00:00:{n:02}Z"), "duration_ms": 1, "outcome": "ok",
        "exit_code": 0, "head_before": null, "head_after": null, "files_changed": 0,
        "insertions": 0, "deletions": 0, "log": "l", "host": "h", "generation": n
    })
    .to_string()
}

#[test]
fn each_journal_line_has_the_stamp_that_wrote_it_and_nothing_else_counts() {
    let mut f = Fixture::new();
    f.write("README", "x\n");
    f.commit("init");
    let s1 = f.turn(1, "galph");
    // An agent commits a journal it changed (Baton puts it back at the stamp): not a stamp.
    f.write("sync/journal.jsonl", "garbage\n");
    f.commit("ralph work: touched the journal");
    let s2 = f.turn(1, "ralph");
    // A stop commit after it: the journal is unchanged.
    f.write("sync/state.json", "{\"exit\": true}\n");
    let stop = f.commit("[SYNC i=2] stop: enough");
    let line = f.line(&stop);
    let stamps: Vec<&str> = line.stamps.iter().map(|s| s.sha.as_str()).collect();
    assert_eq!(stamps, [s1.as_str(), s2.as_str()]);
    assert_eq!(line.stamps[1].line.entry.actor.as_str(), "ralph");
    let journal = journal_at(&f.t.repo, &stop, "sync/journal.jsonl").expect("journal");
    assert_eq!(journal.len(), 2);
    assert_eq!(
        line.stamp_of(&journal[0].bytes).map(|s| s.sha.as_str()),
        Some(s1.as_str())
    );
    assert!(line.stamp_at(&stop).is_none());
    assert_eq!(line.place(&stop), Some(line.commits.len() - 1));

    let find = |target: Target| stamp_on_line(&f.t.repo, &line, &journal, &target, "main");
    assert_eq!(
        find(Target::Iteration(1)).expect("i=1").sha,
        s2,
        "the last of i=1"
    );
    assert_eq!(
        find(Target::Commit(s1[..8].to_owned())).expect("s1").sha,
        s1
    );
    let errors = [
        (Target::Iteration(7), "no stamp of iteration 7 on main"),
        (
            Target::Commit(stop.clone()),
            "is not a stamp (`[SYNC i=2] stop: enough`)",
        ),
        (Target::Commit("0123abcd".into()), "no commit `0123abcd`"),
    ];
    for (target, text) in errors {
        let e = find(target).expect_err("refused");
        assert!(e.to_string().contains(text), "{e}");
        assert_eq!(e.code(), 2);
    }
}

#[test]
fn a_rewind_is_read_and_ordered_among_the_turns() {
    let mut f = Fixture::new();
    f.write("README", "x\n");
    f.commit("init");
    let s1 = f.turn(1, "galph");
    let s2 = f.turn(1, "ralph");
    // A rewind to s1: its tree, a message with the trailer.
    let message = crate::turn::subject::rewind_message(1, 1, &s1, "back");
    let back = f.t.repo.commit_tree_on_head(&s1, &message).expect("rewind");
    f.t.repo.move_head_to(&back, "test").expect("move");
    f.journal.truncate(1);
    let s3 = f.turn(1, "ralph");
    let line = f.line(&s3);
    assert_eq!(line.stamps.len(), 3, "s1, s2 (rewound over) and s3");
    assert_eq!(line.rewinds.len(), 1);
    assert_eq!(line.rewinds[0].to, s1);
    assert_eq!(line.rewinds[0].before.as_deref(), Some(s2.as_str()));
    let journal = journal_at(&f.t.repo, &s3, "sync/journal.jsonl").expect("journal");
    let history = History::of(&journal, Some(&line), Some("main".into()));
    let rows: Vec<String> = history
        .in_order()
        .iter()
        .map(|row| match row {
            Row::Turn(t) => format!("turn {} {}", t.n, t.stamp.as_deref().unwrap_or("-")),
            Row::Rewind(r) => format!("rewind to {:?} over {:?}", r.to_turn, r.commits),
        })
        .collect();
    assert_eq!(
        rows,
        [
            format!("turn 1 {s1}"),
            "rewind to Some(1) over Some(2)".to_owned(),
            format!("turn 2 {s3}"),
        ]
    );
}

#[test]
fn archived_segments_are_read_at_a_commit_in_order() {
    let f = Fixture::new();
    f.write("sync/journal/000002.jsonl", &(line(2, "galph", 2) + "\n"));
    f.write(
        "sync/journal/000001.jsonl",
        &(line(1, "galph", 1) + "\nnot json\n"),
    );
    f.write("sync/journal/notes.txt", "ignored\n");
    f.write("sync/journal.jsonl", &(line(3, "galph", 3) + "\n"));
    let tip = f.commit("journal");
    let journal = journal_at(&f.t.repo, &tip, "sync/journal.jsonl").expect("journal");
    let iterations: Vec<u64> = journal.iter().map(|l| l.entry.iteration).collect();
    assert_eq!(iterations, [1, 2, 3]);
}

#[test]
fn targets_read_iterations_and_commits() {
    assert_eq!(Target::parse("3"), Ok(Target::Iteration(3)));
    assert_eq!(Target::parse("i=1234567"), Ok(Target::Iteration(1_234_567)));
    assert_eq!(
        Target::parse("1234567"),
        Ok(Target::Commit("1234567".into())),
        "seven digits: a SHA"
    );
    assert_eq!(
        Target::parse("abc1234"),
        Ok(Target::Commit("abc1234".into()))
    );
    assert!(Target::parse("0").is_err());
    assert!(Target::parse("i=x").is_err());
    assert!(Target::parse("").is_err());
    assert_eq!(Target::Iteration(3).to_string(), "i=3");
}
