//! Unit tests of commit subjects and trailers: written and told apart.

use super::*;

#[test]
fn every_marked_message_reads_back_what_it_wrote() {
    let state = State::default();
    let claim = new_claim_id();
    assert_eq!(claim.len(), 16);
    assert_ne!(claim, new_claim_id(), "a new id per claim");
    let read = marks(&claim_message(&state, &claim));
    assert_eq!(read.claim.as_deref(), Some(claim.as_str()));
    let stamp = stamp_message(&state, Actor::GALPH, Some(&claim));
    assert_eq!(marks(&stamp).stamp.as_deref(), Some(claim.as_str()));
    assert_eq!(subject_of(&stamp), stamp_subject(&state, Actor::GALPH));
    assert_eq!(
        marks(&alarm_message(3, "alarm: x", None)).alarm.as_deref(),
        Some("none")
    );
    let decision = Decision {
        approve: true,
        note: None,
        by: "me@h".into(),
        at: "T".into(),
    };
    let approve = decision_message(4, &decision, Actor::RALPH);
    assert_eq!(marks(&approve).approved, Some((Actor::RALPH, 4)));
    let reject = Decision {
        approve: false,
        ..decision
    };
    assert_eq!(
        marks(&decision_message(4, &reject, Actor::RALPH)).approved,
        None
    );
    let mark = |approve| DecisionMark {
        approve,
        actor: "ralph".to_owned(),
        iteration: 4,
    };
    assert_eq!(decided(&approve), Some(mark(true)));
    assert_eq!(
        decided(&decision_message(4, &reject, Actor::RALPH)),
        Some(mark(false))
    );
    assert_eq!(decided("[SYNC i=4] approved by me@h"), None, "no trailer");
}

#[test]
fn stamps_and_rewinds_read_back() {
    let mut state = State::default();
    let claim = new_claim_id();
    assert!(is_stamp_subject(&stamp_message(
        &state,
        Actor::GALPH,
        Some(&claim)
    )));
    state.status = Status::Failed;
    assert!(is_stamp_subject(&stamp_subject(&state, Actor::RALPH)));
    for other in [
        claim_message(&state, &claim),
        INIT_SUBJECT.to_owned(),
        stop_message(3, "actor=x"),
        resume_message(3),
        land_message(3, "ralph-1", Some("a"), "baton/ralph-1/a"),
        "[SYNC i=] actor=galph".to_owned(),
        "fix [SYNC i=3] actor=galph".to_owned(),
    ] {
        assert!(!is_stamp_subject(&other), "{other}");
    }
    let stamp = "0123456789abcdef0123456789abcdef01234567";
    let message = rewind_message(4, 3, stamp, "Rewound over 2 commits.\n");
    assert_eq!(subject_of(&message), "[SYNC i=4] rewind to i=3 (0123456)");
    assert!(!is_stamp_subject(&message));
    assert_eq!(rewound_to(&message).as_deref(), Some(stamp));
    assert_eq!(marks(&message), Marks::default(), "no turn commit");
    assert_eq!(rewound_to(&stamp_subject(&state, Actor::RALPH)), None);
}

#[test]
fn a_pool_landing_names_its_task_and_claim() {
    let message = pool_land_message(3, "ralph-2", "a", "baton/ralph-2/a", "0123456789abcdef");
    assert_eq!(
        message,
        "[LAND i=3] ralph-2: task a (baton/ralph-2/a)\n\nBaton-Task: a\n\
             Baton-Task-Claim: 0123456789abcdef\n"
    );
    assert_eq!(
        crate::pool::claim::landed_claim(&message),
        Some("0123456789abcdef")
    );
    assert_eq!(marks(&message), Marks::default(), "no role-mode claim");
    // It records its task's journal line; a workers step's landing (its turn's stamp records
    // the line), a stamp and a subject alone do not count as one.
    assert!(is_pool_landing(&message));
    assert!(!is_stamp_subject(&message));
    assert!(!is_pool_landing(&land_message(
        3,
        "ralph-2",
        Some("a"),
        "b"
    )));
    assert!(!is_pool_landing("[LAND i=3] ralph-2: task a (b)"));
    assert!(!is_pool_landing(
        "[SYNC i=3] actor=ralph\n\nBaton-Task-Claim: 0123456789abcdef\n"
    ));
}

#[test]
fn trailers_count_only_in_the_last_paragraph_and_plain_commits_have_none() {
    assert_eq!(marks("person: stop\n"), Marks::default());
    assert_eq!(marks("Baton-Claim: 1\n\nbody"), Marks::default());
    let quoted = "fix\n\nBaton-Stamp: 1 was quoted here\n\nSigned-off-by: me";
    assert_eq!(marks(quoted), Marks::default());
}
