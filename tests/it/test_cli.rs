//! The command line as users expect it (issue 8 §5): completions and a man page generated from
//! the parser, `--json` on the reading commands, `--color`.

use serde_json::Value;

use crate::common::TestEnv;

#[test]
fn completions_and_man_page_describe_every_command() {
    let env = TestEnv::new();
    let bash = env.baton(&["completions", "bash"]);
    bash.expect_code(0);
    for command in ["run", "stats", "resume", "completions"] {
        assert!(
            bash.stdout.contains(command),
            "{command} in the bash completion"
        );
    }
    let zsh = env.baton(&["completions", "zsh"]);
    zsh.expect_code(0);
    assert!(
        zsh.stdout.starts_with("#compdef baton"),
        "{}",
        &zsh.stdout[..40]
    );
    let man = env.baton(&["man"]);
    man.expect_code(0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH baton"),
        "roff"
    );
    assert!(man.stdout.contains("resume"), "subcommands listed");
}

#[test]
fn reading_commands_speak_json() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let route = env.baton(&["route", "--next", "3", "--json"]);
    let decisions: Value = serde_json::from_str(&route.stdout).expect("route json");
    assert_eq!(decisions.as_array().map(Vec::len), Some(3));
    assert_eq!(decisions[0]["actor"], "galph");
    assert_eq!(decisions[1]["prompt"], "main.md");

    let check = env.baton(&["check", "--json"]);
    check.expect_code(0);
    let check: Value = serde_json::from_str(&check.stdout).expect("check json");
    assert_eq!(check["ok"], true);
    assert!(
        check["checks"]
            .as_array()
            .is_some_and(|c| c.iter().any(|f| f["what"] == "state"))
    );

    let logs = env.baton(&["logs", "--json"]);
    let logs: Value = serde_json::from_str(&logs.stdout).expect("logs json");
    let logs = logs.as_array().expect("array");
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0]["iteration"], 1);
    assert!(logs.iter().any(|l| l["actor"] == "ralph"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let env = TestEnv::bare();
    let never = env.baton(&["run", "--iterations", "1"]);
    never.expect_code(2);
    assert!(!never.stderr.contains('\u{1b}'), "a pipe gets no colour");
    let always = env.baton(&["--color", "always", "run", "--iterations", "1"]);
    always.expect_code(2);
    assert!(
        always.stderr.contains("\u{1b}[31merror:"),
        "{}",
        always.stderr
    );
}
