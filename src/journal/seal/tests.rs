//! Unit tests of the journal's seal: what changed is put back.

use super::*;
use crate::journal::tests::entry;

fn journal(dir: &Path) -> Journal {
    Journal::new(dir.join("sync/journal.jsonl"))
}

#[test]
fn what_changed_after_the_seal_is_put_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = journal(dir.path());
    for i in 1..=3 {
        journal.append(&entry(i)).expect("append");
    }
    let seal = journal.seal().expect("seal");
    let before = std::fs::read(journal.path()).expect("read");
    let none = |_: &str| None;
    assert!(journal.restore(&seal, &none).expect("restore").is_empty());

    let cut = before.len() / 2;
    std::fs::write(journal.path(), &before[..cut]).expect("truncate");
    let restored = journal.restore(&seal, &none).expect("restore");
    assert_eq!(restored, ["journal.jsonl shortened"]);
    assert_eq!(std::fs::read(journal.path()).expect("read"), before);

    std::fs::remove_file(journal.path()).expect("rm");
    std::os::unix::fs::symlink("/etc/hostname", journal.path()).expect("symlink");
    let restored = journal.restore(&seal, &none).expect("restore");
    assert_eq!(restored, ["journal.jsonl replaced by a symlink"]);
    assert!(!fsutil::is_symlink(journal.path()));
}

#[test]
fn archived_segments_come_back_from_copies_and_new_ones_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = journal(dir.path());
    let archive = journal.archive_dir();
    std::fs::create_dir_all(&archive).expect("mkdir");
    std::fs::write(archive.join("000001.jsonl"), b"one\n").expect("write");
    let seal = journal.seal().expect("seal");
    std::fs::write(archive.join("000001.jsonl"), b"").expect("empty it");
    std::fs::write(archive.join("000002.jsonl"), b"forged\n").expect("forge");
    let copies = |rel: &str| (rel == "journal/000001.jsonl").then(|| b"one\n".to_vec());
    let mut restored = journal.restore(&seal, &copies).expect("restore");
    restored.sort();
    assert_eq!(
        restored,
        [
            "journal/000001.jsonl shortened",
            "journal/000002.jsonl made"
        ]
    );
    assert_eq!(
        std::fs::read(archive.join("000001.jsonl")).expect("read"),
        b"one\n"
    );
    assert!(!archive.join("000002.jsonl").exists());

    std::fs::remove_dir_all(&archive).expect("rm");
    std::os::unix::fs::symlink(dir.path(), &archive).expect("symlink");
    let restored = journal.restore(&seal, &copies).expect("restore");
    assert_eq!(
        restored,
        [
            "journal/ replaced by a symlink",
            "journal/000001.jsonl deleted"
        ]
    );
    assert!(!fsutil::is_symlink(&archive));
    let none = |_: &str| None;
    let mark = journal.seal().expect("seal").mark;
    std::fs::remove_file(archive.join("000001.jsonl")).expect("rm");
    let restored = journal.restore_mark(&mark, &none).expect("restore");
    assert_eq!(restored, ["journal/000001.jsonl deleted (no copy)"]);
}
