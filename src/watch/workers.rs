//! The workers' part of `baton watch`'s lines: each worker's transcript followed in the event
//! log's fold ([`Seen`]: only what is new at each read), and one read's worker changes and lines
//! written in the order they happened ([`write_feed`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Result;
use crate::events::Workers;
use crate::watch::lines;
use crate::watch::model::Change;

/// New transcript lines of one worker's run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct WorkerLines {
    /// The run's number in the event log's fold ([`crate::events::WorkerRun::n`]).
    pub(crate) n: u64,
    /// `ralph-2`.
    pub(crate) worker: String,
    /// The lines.
    pub(crate) lines: Vec<String>,
}

/// How much of each worker's transcript was shown, by its number in the fold.
#[derive(Debug)]
pub(crate) struct Seen {
    /// Bytes shown per worker run; `None` before the first read.
    seen: Option<BTreeMap<u64, u64>>,
    /// How much of a running worker's transcript the first read shows.
    join: u64,
}

impl Seen {
    /// Nothing shown yet; the first read shows the last `join` bytes of a running worker's.
    pub(crate) fn new(join: u64) -> Seen {
        Seen { seen: None, join }
    }

    /// The workers' transcript lines written since the last call. The first call joins late:
    /// only the last `join` bytes of a running worker's, none of an ended one's.
    pub(crate) fn lines(&mut self, workers: &Workers) -> Vec<WorkerLines> {
        let first = self.seen.is_none();
        let join = self.join;
        let seen = self.seen.get_or_insert_with(BTreeMap::new);
        seen.retain(|n, _| {
            workers
                .running
                .iter()
                .chain(&workers.ended)
                .any(|w| w.n == *n)
        });
        let mut out = Vec::new();
        for (worker, ended) in workers
            .running
            .iter()
            .map(|w| (w, false))
            .chain(workers.ended.iter().map(|w| (w, true)))
        {
            let from = *seen
                .entry(worker.n)
                .or_insert_with(|| match (first, ended) {
                    (false, _) => 0,
                    (true, true) => worker.transcript_bytes,
                    (true, false) => worker.transcript_bytes.saturating_sub(join),
                });
            if from == worker.transcript_bytes {
                continue;
            }
            // Joined in the middle of a line: from the next one. Fell behind the kept tail: the
            // tail (it starts at a line).
            let mid_line = first
                && !ended
                && from > 0
                && worker.since(from - 1).is_some_and(|t| !t.starts_with('\n'));
            let new = match worker.since(from) {
                Some(text) if mid_line => text.split_once('\n').map_or("", |(_, rest)| rest),
                Some(text) => text,
                None => worker.transcript.as_str(),
            };
            seen.insert(worker.n, worker.transcript_bytes);
            let lines: Vec<String> = new
                .lines()
                .map(|l| l.trim_end_matches('\r').to_owned())
                .collect();
            if !lines.is_empty() {
                out.push(WorkerLines {
                    n: worker.n,
                    worker: worker.worker.clone(),
                    lines,
                });
            }
        }
        out
    }
}

/// Whether `change` is the stamp of a step whose workers ended in `feed`.
pub(crate) fn stamps_a_worker(change: &Change, feed: &[&Change]) -> bool {
    let Change::Stamped(turn) = change else {
        return false;
    };
    feed.iter().any(|c| {
        matches!(c, Change::Landing(w)
            if w.actor == turn.actor.as_str() && w.iteration == turn.iteration)
    })
}

/// The workers' part of one read, in the order it happened: workers that started, then each
/// ended worker's last lines and its landing, then the running workers' new lines.
pub(crate) fn write_feed(
    out: &mut impl std::io::Write,
    feed: &[&Change],
    workers: &[WorkerLines],
) -> Result<()> {
    let lines_of = |n: u64| workers.iter().filter(move |w| w.n == n);
    for change in feed {
        if matches!(change, Change::Worker(_)) {
            writeln!(out, "{}", lines::line(change))?;
        }
    }
    let mut written = BTreeSet::new();
    for change in feed {
        if let Change::Landing(w) = change {
            for group in lines_of(w.n) {
                for line in &group.lines {
                    writeln!(out, "{}", lines::worker_line(&group.worker, line))?;
                }
            }
            written.insert(w.n);
            writeln!(out, "{}", lines::line(change))?;
        }
    }
    for group in workers.iter().filter(|w| !written.contains(&w.n)) {
        for line in &group.lines {
            writeln!(out, "{}", lines::worker_line(&group.worker, line))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EventView, WorkerRun};
    use serde_json::json;

    fn fold(view: &mut EventView, lines: &[serde_json::Value]) {
        for line in lines {
            view.apply(line);
        }
    }

    fn say(worker: &str, task: &str, text: &str) -> serde_json::Value {
        json!({"kind": "transcript", "worker": worker, "task": task, "text": text})
    }

    #[test]
    fn each_workers_new_lines_once_and_a_late_join_shows_only_the_tail() {
        let mut view = EventView::default();
        fold(
            &mut view,
            &[
                json!({"kind": "worker_started", "worker": "ralph-1", "task": "a"}),
                say("ralph-1", "a", "one\ntwo\nthree\n"),
                json!({"kind": "worker_started", "worker": "ralph-2", "task": "b"}),
                json!({"kind": "worker_ended", "worker": "ralph-2", "task": "b", "landing": "failed"}),
            ],
        );
        let mut seen = Seen::new(6);
        let first = seen.lines(&view.workers);
        assert_eq!(
            first,
            [WorkerLines {
                n: 1,
                worker: "ralph-1".to_owned(),
                lines: vec!["three".to_owned()],
            }],
            "joined late: the tail of the running worker, from a line start; nothing of the ended one"
        );
        assert_eq!(seen.lines(&view.workers), [], "nothing new");
        fold(
            &mut view,
            &[
                say("ralph-1", "a", "four\n"),
                json!({"kind": "worker_started", "worker": "ralph-2", "task": "c"}),
                say("ralph-2", "c", "c starts\n"),
                json!({"kind": "worker_ended", "worker": "ralph-1", "task": "a", "landing": "landed"}),
            ],
        );
        let next = seen.lines(&view.workers);
        let got: Vec<(&str, Vec<&str>)> = next
            .iter()
            .map(|w| {
                (
                    w.worker.as_str(),
                    w.lines.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [("ralph-2", vec!["c starts"]), ("ralph-1", vec!["four"])]
        );
    }

    fn worker(n: u64, name: &str, landing: Option<&str>) -> Box<WorkerRun> {
        Box::new(WorkerRun {
            n,
            worker: name.to_owned(),
            actor: "ralph".to_owned(),
            iteration: 1,
            task: format!("t{n}"),
            branch: Some(format!("baton/{name}/t{n}")),
            landing: landing.map(str::to_owned),
            ..WorkerRun::default()
        })
    }

    #[test]
    fn a_reads_workers_start_then_each_ended_ones_lines_and_landing_then_the_rest() {
        let started = Change::Worker(worker(2, "ralph-2", None));
        let landed = Change::Landing(worker(1, "ralph-1", Some("landed")));
        let feed = [&started, &landed];
        let lines = [
            WorkerLines {
                n: 2,
                worker: "ralph-2".to_owned(),
                lines: vec!["b1".to_owned()],
            },
            WorkerLines {
                n: 1,
                worker: "ralph-1".to_owned(),
                lines: vec!["a9".to_owned()],
            },
        ];
        let mut out = Vec::new();
        write_feed(&mut out, &feed, &lines).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "worker: ralph-2  task t2  on baton/ralph-2/t2\n\
             | ralph-1: a9\n\
             landing: ralph-1  task t1  landed\n\
             | ralph-2: b1\n"
        );
        let entry: crate::journal::JournalEntry = serde_json::from_value(json!({
            "iteration": 1, "actor": "ralph", "prompt": "main.md",
            "source": "deterministic", "reason": "r", "agent": "stub",
            "started_at": "T", "ended_at": "T", "duration_ms": 1, "outcome": "ok",
            "exit_code": 0, "head_before": null, "head_after": null, "files_changed": 0,
            "insertions": 0, "deletions": 0, "log": "l", "host": "h", "generation": 1
        }))
        .expect("entry");
        let stamp = Change::Stamped(Box::new(entry));
        assert!(stamps_a_worker(&stamp, &feed));
        assert!(!stamps_a_worker(&stamp, &[&started]));
    }
}
