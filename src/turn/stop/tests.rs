//! Unit tests of the inbox: what a run accepts, keeps and refuses.

use super::channel::Peer;
use super::*;

fn note(text: &str) -> Note {
    Note {
        to: None,
        text: text.to_owned(),
        from: "ann@laptop".to_owned(),
        at: "2026-11-23T10:00:00Z".to_owned(),
    }
}

#[test]
fn accepted_requests_survive_in_the_file_until_cleared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run_dir = dir.path().join("baton");
    let inbox = Inbox::new(&run_dir);
    assert!(inbox.is_empty());
    let me = Peer {
        pid: nix::unistd::getppid().as_raw(),
        uid: nix::unistd::geteuid().as_raw(),
    };
    let stop = Request::Stop {
        reason: "enough".to_owned(),
    };
    assert!(inbox.shared.accept(stop, me).ok);
    assert!(
        inbox
            .shared
            .accept(Request::Note { note: note("one") }, me)
            .ok
    );
    let again = Inbox::new(&run_dir);
    assert_eq!(
        again.pending_stop().as_deref(),
        Some("enough"),
        "a dead run's"
    );
    let taken = again.notes();
    assert!(
        inbox
            .shared
            .accept(Request::Note { note: note("two") }, me)
            .ok
    );
    inbox.clear_notes(&taken).expect("clear");
    assert_eq!(inbox.notes(), [note("two")], "a note that came since stays");
    inbox.clear_stop().expect("clear");
    inbox.clear_notes(&inbox.notes()).expect("clear");
    assert!(inbox.is_empty());
    assert!(!run_dir.join(INBOX_FILE).exists(), "no file when empty");
}

#[test]
fn a_persons_request_from_an_agent_process_or_another_user_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = Inbox::new(dir.path());
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("spawn");
    let agent = Peer {
        pid: i32::try_from(child.id()).expect("pid"),
        uid: nix::unistd::geteuid().as_raw(),
    };
    let reply = inbox.shared.accept(
        Request::Note {
            note: note("forged"),
        },
        agent,
    );
    assert!(!reply.ok);
    assert!(reply.error.unwrap_or_default().contains("running turn"));
    let stop = Request::Stop {
        reason: "the agent may stop".to_owned(),
    };
    assert!(inbox.shared.accept(stop.clone(), agent).ok);
    let stranger = Peer {
        uid: agent.uid + 1,
        ..agent
    };
    assert!(!inbox.shared.accept(stop, stranger).ok);
    let _ = child.kill();
    let _ = child.wait();
    assert!(inbox.notes().is_empty());
}
