//! Unit tests of the request channel.

use super::*;

#[test]
fn a_request_is_answered_and_the_peer_is_known() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run_dir = dir.path().join("baton");
    let me = i32::try_from(std::process::id()).expect("pid");
    let listener = listen(&run_dir, move |text: String, peer: Peer| {
        if peer.pid == me && text == "hello" {
            Reply {
                ok: true,
                error: None,
            }
        } else {
            refusal(format!("{text} from {}", peer.pid))
        }
    })
    .expect("listen");
    let reply = send(&run_dir, &"hello", Some(me)).expect("send");
    assert!(reply.ok, "{reply:?}");
    let reply = send(&run_dir, &"other", None).expect("send");
    assert_eq!(reply.error.as_deref(), Some(&*format!("other from {me}")));
    let err = send(&run_dir, &"hello", Some(1)).expect_err("not the holder");
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    let taken = listen(&run_dir, |_: String, _| refusal(String::new()));
    assert_eq!(
        taken.expect_err("the name is held").kind(),
        io::ErrorKind::AddrInUse
    );
    drop(listener);
    let start = Instant::now();
    let err = send(&run_dir, &"hello", None).expect_err("nobody listens");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    assert!(start.elapsed() >= CONNECT_WAIT);
}

#[test]
fn the_address_is_the_same_for_a_path_and_its_symlink() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = dir.path().join("real");
    std::fs::create_dir_all(&real).expect("mkdir");
    std::os::unix::fs::symlink(&real, dir.path().join("link")).expect("symlink");
    let a = address(&real.join("baton")).expect("address");
    let b = address(&dir.path().join("link/baton")).expect("address");
    assert_eq!(a.as_abstract_name(), b.as_abstract_name());
}
