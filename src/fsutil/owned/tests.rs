//! Unit tests of writing without following symlinks.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::symlink;

use super::*;

#[test]
fn a_symlinked_file_is_replaced_and_its_target_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, b"precious\n").expect("write");
    let base = dir.path().join("ws");
    std::fs::create_dir_all(base.join("logs")).expect("mkdir");
    symlink(&outside, base.join("logs/events.jsonl")).expect("symlink");
    let mut owned =
        open_beneath(&base, Path::new("logs/events.jsonl"), Access::Append).expect("open");
    owned.file.write_all(b"line\n").expect("write");
    assert_eq!(std::fs::read(&outside).expect("read"), b"precious\n");
    assert_eq!(
        std::fs::read(base.join("logs/events.jsonl")).expect("read"),
        b"line\n"
    );
    assert_eq!(owned.replaced.len(), 1);
    assert!(!owned.replaced[0].dir);
    let text = owned.replaced[0].to_string();
    assert!(
        text.contains("outside.txt") && text.contains("a file"),
        "{text}"
    );
}

#[test]
fn a_symlinked_directory_is_replaced_by_a_real_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let base = dir.path().join("ws");
    std::fs::create_dir_all(base.join("logs")).expect("mkdir");
    symlink(&outside, base.join("logs/main")).expect("symlink");
    let rel = Path::new("logs/main/galph/iter.log");
    let mut owned = open_beneath(&base, rel, Access::Create).expect("open");
    owned.file.write_all(b"log\n").expect("write");
    assert!(
        std::fs::read_dir(&outside).expect("read").next().is_none(),
        "nothing written outside"
    );
    assert!(base.join("logs/main").is_dir() && !is_symlink(&base.join("logs/main")));
    assert_eq!(owned.replaced.len(), 1);
    assert!(owned.replaced[0].dir);
}

#[test]
fn fifos_and_files_in_the_way_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path();
    nix::unistd::mkfifo(&base.join("fifo"), Mode::from_bits_truncate(0o644)).expect("fifo");
    let err = open_beneath(base, Path::new("fifo"), Access::ReadAppend).expect_err("fifo");
    assert!(err.to_string().contains("FIFO"), "{err}");
    std::fs::write(base.join("file"), b"x").expect("write");
    let err = open_beneath(base, Path::new("file/inner"), Access::Append).expect_err("file");
    assert!(err.to_string().contains("regular file"), "{err}");
    let err = open_beneath(base, Path::new("../escape"), Access::Append).expect_err("..");
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn append_and_read_append_keep_what_is_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("j.jsonl");
    std::fs::write(&path, b"one\n").expect("write");
    let mut owned = open_owned(&path, Access::ReadAppend).expect("open");
    owned.file.write_all(b"two\n").expect("append");
    let mut text = String::new();
    File::open(&path)
        .expect("open")
        .read_to_string(&mut text)
        .expect("read");
    assert_eq!(text, "one\ntwo\n");
    let dir_handle = dir_beneath(dir.path(), Path::new("a/b")).expect("dirs");
    assert!(dir.path().join("a/b").is_dir());
    assert_eq!(dir_handle.path, dir.path().join("a/b"));
}
