//! `baton serve` and past turns: a turn's diff (each file with its +/−, its commits) read
//! through the repository from the journal line's heads and checked against git's own
//! `--numstat`, heads that are no SHAs never read as revisions; both turn endpoints under the
//! token and Host rules (the transcripts: `test_serve_transcripts.rs`).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::TestEnv;
use crate::serve_env::{Server, http};

/// `GET path` on the server: (status, JSON body).
pub(crate) fn get(server: &Server, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, body) = http(&server.addr, "GET", path, headers, "");
    let json = serde_json::from_str(&body).unwrap_or_else(|_| Value::String(body));
    (status, json)
}

/// What ralph does in its turn: commits a new file itself, then leaves a modified file, a
/// deleted one and a binary one for Baton's auto-commit.
const RALPH_EDITS: &str = "printf '1\\n2\\n3\\n' > added.txt\n\
    git add added.txt && git commit -q -m 'ralph: add added.txt'\n\
    printf 'a\\nB\\nc\\nd\\n' > old.txt\n\
    rm gone.txt\n\
    printf '\\000\\001\\002' > blob.bin\n";

fn workspace_with_a_ralph_turn() -> TestEnv {
    let env = TestEnv::new();
    env.write("old.txt", "a\nb\nc\n");
    env.write("gone.txt", "x\n");
    env.commit_all("files");
    env.hook("ralph", RALPH_EDITS);
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    env
}

#[test]
fn a_turns_diff_lists_each_file_with_its_lines_and_its_commits_as_git_counts_them() {
    let env = workspace_with_a_ralph_turn();
    let journal = env.journal();
    let ralph = &journal[1];
    assert_eq!(ralph["actor"], "ralph");
    let before = ralph["head_before"].as_str().expect("head_before");
    let after = ralph["head_after"].as_str().expect("head_after");

    let server = Server::start(&env, &[]);
    let (status, snapshot) = get(&server, "/api/snapshot", &[]);
    assert_eq!(status, 200);
    let numbers: Vec<&Value> = snapshot["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .map(|t| &t["n"])
        .collect();
    assert_eq!(
        numbers,
        [1, 2],
        "each turn carries its journal line's number"
    );

    let (status, diff) = get(&server, "/api/turn/2/diff", &[]);
    assert_eq!(status, 200, "{diff}");
    assert_eq!(
        (diff["actor"].as_str(), diff["iteration"].as_u64()),
        (Some("ralph"), Some(1))
    );
    assert_eq!(
        (diff["head_before"].as_str(), diff["head_after"].as_str()),
        (Some(before), Some(after))
    );

    // Each file as `git diff --numstat` prints it (`-` for a binary file's counts).
    let range = format!("{before}..{after}");
    let numstat: BTreeSet<(String, String, String)> = env
        .git(&["diff", "--numstat", "--no-renames", &range])
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, '\t').map(str::to_owned);
            let (ins, del, path) = (parts.next(), parts.next(), parts.next());
            (path.expect("path"), ins.expect("ins"), del.expect("del"))
        })
        .collect();
    let files = diff["files"].as_array().expect("files");
    let shown: BTreeSet<(String, String, String)> = files
        .iter()
        .map(|f| {
            let count = |k: &str| {
                if f["binary"] == true {
                    "-".to_owned()
                } else {
                    f[k].to_string()
                }
            };
            let path = f["path"].as_str().expect("path").to_owned();
            (path, count("insertions"), count("deletions"))
        })
        .collect();
    assert_eq!(shown, numstat);
    let paths: BTreeSet<&str> = files.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(
        paths,
        BTreeSet::from(["added.txt", "blob.bin", "gone.txt", "old.txt"])
    );
    let status_of = |path: &str| {
        files
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["status"].clone())
    };
    assert_eq!(status_of("gone.txt"), Some("deleted".into()));
    assert_eq!(status_of("added.txt"), Some("added".into()));
    let sum = |k: &str| files.iter().filter_map(|f| f[k].as_u64()).sum::<u64>();
    assert_eq!(
        (
            diff["files_total"].as_u64(),
            Some(sum("insertions")),
            Some(sum("deletions"))
        ),
        (
            ralph["files_changed"].as_u64(),
            ralph["insertions"].as_u64(),
            ralph["deletions"].as_u64()
        ),
        "the files add up to the journal's totals"
    );

    // Its commits, newest first, as `git log` lists the range.
    let expected: Vec<(String, String)> = env
        .git(&["log", "--format=%H %s", &range])
        .lines()
        .map(|l| {
            let (sha, subject) = l.split_once(' ').expect("sha subject");
            (sha.to_owned(), subject.to_owned())
        })
        .collect();
    let commits: Vec<(String, String)> = diff["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (text("sha"), text("subject"))
        })
        .collect();
    assert_eq!(commits, expected);
    assert!(
        commits.len() >= 2,
        "ralph's own commit and Baton's: {commits:?}"
    );
    assert_eq!(diff["commits_more"], false);
    assert!(
        diff["commits"][0]["at"]
            .as_str()
            .is_some_and(|t| t.len() == 20 && t.ends_with('Z')),
        "{diff}"
    );

    for (path, want) in [
        ("/api/turn/0/diff", 404),
        ("/api/turn/3/diff", 404),
        ("/api/turn/two/diff", 400),
        ("/api/turn/-1/transcript", 400),
    ] {
        let (status, body) = get(&server, path, &[]);
        assert_eq!(status, want, "{path}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
}

#[test]
fn a_journal_line_with_heads_that_are_no_shas_reads_nothing() {
    let env = workspace_with_a_ralph_turn();
    // A journal line can hold any text (an agent's push, a hand edit): `HEAD~1`, or `:/files`
    // (which git would answer by searching every commit message), must not be read as
    // revisions.
    let text = env.read("sync/journal.jsonl");
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("line"))
        .collect();
    lines[0]["head_before"] = ":/files".into();
    lines[0]["head_after"] = "HEAD".into();
    lines[1]["head_after"] = Value::Null;
    let forged: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(env.path("sync/journal.jsonl"), forged).expect("write journal");

    let server = Server::start(&env, &[]);
    let (status, body) = get(&server, "/api/turn/1/diff", &[]);
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a commit SHA")),
        "{body}"
    );
    let (status, body) = get(&server, "/api/turn/2/diff", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["files"], Value::Array(Vec::new()));
    assert!(
        body["problem"]
            .as_str()
            .is_some_and(|p| p.contains("no HEAD after")),
        "{body}"
    );
}

#[test]
fn the_turn_endpoints_keep_the_token_and_host_rules() {
    let env = workspace_with_a_ralph_turn();
    let server = Server::start(&env, &["--token", "s3cret"]);
    for path in ["/api/turn/2/diff", "/api/turn/2/transcript"] {
        let (status, body) = get(&server, path, &[]);
        assert_eq!(status, 401, "{path}: {body}");
        assert!(!body.to_string().contains("added.txt"), "{body}");
        let (status, body) = get(&server, path, &[("Authorization", "Bearer s3cret")]);
        assert_eq!(status, 200, "{path}: {body}");
        let (status, _) = get(&server, &format!("{path}?token=s3cret"), &[]);
        assert_eq!(status, 200, "{path}: a GET may carry the token in its URL");
    }
    drop(server);
    let server = Server::start(&env, &[]);
    let (status, _) = get(
        &server,
        "/api/turn/2/diff",
        &[("Host", "evil.example:7878")],
    );
    assert_eq!(status, 403, "no DNS rebinding");
}

#[test]
fn a_huge_turn_is_answered_in_bounded_pieces() {
    let env = TestEnv::new();
    // 310 files in one commit of its own, then 104 more commits: more than a diff lists.
    env.hook(
        "ralph",
        "mkdir -p many && i=0; while [ $i -lt 310 ]; do echo $i > many/f$i.txt; i=$((i+1)); done\n\
         git add many && git commit -q -m 'many files'\n\
         i=0; while [ $i -lt 104 ]; do git commit -q --allow-empty -m \"step $i\"; i=$((i+1)); done\n",
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let ralph = &env.journal()[1];
    let server = Server::start(&env, &[]);
    let (status, diff) = get(&server, "/api/turn/2/diff", &[]);
    assert_eq!(status, 200, "{diff}");
    assert_eq!(diff["files"].as_array().map(Vec::len), Some(300));
    assert_eq!(diff["files_total"], 310);
    assert_eq!(ralph["files_changed"], 310);
    assert_eq!(diff["commits"].as_array().map(Vec::len), Some(100));
    assert_eq!(diff["commits_more"], true);
    assert_eq!(diff["commits"][0]["subject"], "step 103", "newest first");
}
