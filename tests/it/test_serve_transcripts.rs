//! `baton serve` and a past turn's transcript: its turn log, read only beneath `logs_dir` —
//! a journal line naming a file elsewhere, a symlink or a FIFO planted in its place, are
//! refused and said on stderr — and a turn whose log is on another machine, or in another
//! clone, says so.

use crate::common::TestEnv;
use crate::serve_env::Server;
use crate::test_serve_turns::get;

#[test]
fn a_past_turns_transcript_is_read_beneath_logs_dir_only_and_one_elsewhere_says_where() {
    let env = TestEnv::new();
    env.hook("galph", "echo \"galph plans iteration $BATON_ITERATION\"\n");
    env.hook(
        "ralph",
        "echo \"ralph works on iteration $BATON_ITERATION\"\n",
    );
    env.baton(&["run", "--iterations", "3"]).expect_code(0);
    let journal = env.journal();
    assert_eq!(journal.len(), 6);
    let log = |i: usize| journal[i]["log"].as_str().expect("log").to_owned();
    let host = journal[0]["host"].as_str().expect("host").to_owned();

    // Turn 2 plainly; turn 1's log named as a file outside logs_dir; turn 3's log replaced by a
    // symlink to that file; turn 4's by a FIFO; turn 5 ran on another machine; turn 6 here,
    // its log removed.
    let secret = env.ctl.join("secret.txt");
    std::fs::write(&secret, "TOP SECRET\n").expect("write secret");
    let mut lines = journal.clone();
    lines[0]["log"] = secret.display().to_string().into();
    lines[4]["host"] = "build-7".into();
    let forged: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(env.path("sync/journal.jsonl"), forged).expect("write journal");
    std::fs::remove_file(env.path(&log(2))).expect("remove log 3");
    std::os::unix::fs::symlink(&secret, env.path(&log(2))).expect("symlink");
    std::fs::remove_file(env.path(&log(3))).expect("remove log 4");
    nix::unistd::mkfifo(&env.path(&log(3)), nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    std::fs::remove_file(env.path(&log(4))).expect("remove log 5");
    std::fs::remove_file(env.path(&log(5))).expect("remove log 6");

    let server = Server::start(&env, &[]);
    let (status, body) = get(&server, "/api/turn/2/transcript", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["actor"].as_str(), body["log"].as_str()),
        (Some("ralph"), Some(log(1).as_str()))
    );
    let text = body["text"].as_str().expect("text");
    assert!(
        text.starts_with("$ "),
        "the log's first line is the command: {text}"
    );
    assert!(text.contains("ralph works on iteration 1"), "{text}");
    assert!(text.contains("== baton: outcome ok"), "its footer: {text}");
    assert_eq!(body["from"], 0);

    for n in [1, 3, 4] {
        let (status, body) = get(&server, &format!("/api/turn/{n}/transcript"), &[]);
        assert_eq!(status, 403, "turn {n}: {body}");
        assert!(!body.to_string().contains("TOP SECRET"), "turn {n}: {body}");
    }
    let (_, body) = get(&server, "/api/turn/4/transcript", &[]);
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("FIFO")),
        "{body}"
    );

    let (status, body) = get(&server, "/api/turn/5/transcript", &[]);
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        (body["host"].as_str(), body["elsewhere"].as_bool()),
        (Some("build-7"), Some(true))
    );
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("is on build-7, the machine that ran it")),
        "{body}"
    );
    let (status, body) = get(&server, "/api/turn/6/transcript", &[]);
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["elsewhere"], false);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains(&format!("another clone on {host}"))),
        "{body}"
    );
    let (status, _) = get(&server, "/api/turn/1/transcript", &[]);
    assert_eq!(status, 403, "asked again");
    let stderr = std::fs::read_to_string(Server::stderr_path(&env)).unwrap_or_default();
    let said = stderr
        .lines()
        .filter(|l| l.contains("turn 1's log"))
        .count();
    assert!(
        stderr.contains("outside") && stderr.contains("not shown") && said == 1,
        "a forged path is said on stderr, once however often it is asked for: {stderr}"
    );
}

#[test]
fn a_long_transcript_comes_as_its_last_256_kib_from_a_line_start() {
    let env = TestEnv::new();
    // 4 000 lines of 100 bytes: about 400 KB.
    env.hook(
        "ralph",
        "i=0; while [ $i -lt 4000 ]; do printf '%099d\\n' $i; i=$((i+1)); done\n",
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let log = env.journal()[1]["log"].as_str().expect("log").to_owned();
    let size = std::fs::metadata(env.path(&log)).expect("the log").len();
    let server = Server::start(&env, &[]);
    let (status, body) = get(&server, "/api/turn/2/transcript", &[]);
    assert_eq!(status, 200);
    let text = body["text"].as_str().expect("text");
    let from = body["from"].as_u64().expect("from");
    assert!(
        text.len() <= 256 * 1024 && text.len() > 200 * 1024,
        "{}",
        text.len()
    );
    assert_eq!(body["size"].as_u64(), Some(size));
    assert_eq!(from + text.len() as u64, size, "the tail, to the end");
    assert!(
        text.lines().next().is_some_and(|l| l.len() == 99),
        "from a line start"
    );
    assert!(text.contains("== baton: outcome ok"), "its footer");
    assert!(!text.contains(&format!("{:099}\n", 0)), "not the start");
}
