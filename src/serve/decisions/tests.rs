//! Merging the event log's answers into the history's.

use super::*;

fn answer(approved: bool, by: &str, at: &str, note: Option<&str>) -> Decided {
    Decided {
        actor: "ralph".into(),
        iteration: 3,
        approved,
        by: Some(by.into()),
        at: Some(at.into()),
        note: note.map(str::to_owned),
    }
}

#[test]
fn the_event_log_adds_only_what_no_commit_records() {
    let committed = DecisionView {
        actor: "ralph".into(),
        iteration: 3,
        approved: false,
        by: Some("ann@l".into()),
        at: Some("2026-11-21T10:00:00Z".into()),
        note: None,
        commit: Some("c1".into()),
        before_turn: Some(4),
    };
    let logged: VecDeque<_> = [
        answer(false, "ann@l", "2026-11-21T10:00:02Z", Some("tests first")),
        // The same person rejects the same turn again, later: another answer.
        answer(
            false,
            "ann@l",
            "2026-11-21T10:30:00Z",
            Some("still no tests"),
        ),
        answer(true, "bob@m", "2026-11-21T09:00:00Z", None),
    ]
    .into();
    let merged = merge(vec![committed], &logged);
    let seen: Vec<_> = merged
        .iter()
        .map(|d| (d.at.as_deref(), d.note.as_deref(), d.commit.is_some()))
        .collect();
    assert_eq!(
        seen,
        [
            (Some("2026-11-21T09:00:00Z"), None, false),
            (Some("2026-11-21T10:00:00Z"), Some("tests first"), true),
            (Some("2026-11-21T10:30:00Z"), Some("still no tests"), false),
        ]
    );
    let many: VecDeque<_> = (0..KEPT + 3)
        .map(|i| answer(true, "a", &format!("2026-11-21T10:{:02}:00Z", i % 60), None))
        .map(|mut d| {
            d.iteration = 100;
            d
        })
        .collect();
    assert_eq!(merge(Vec::new(), &many).len(), KEPT);
}
