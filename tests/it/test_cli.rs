//! The command line as users expect it: completions and a man page generated from
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
fn completions_offer_actor_and_agent_names() {
    let env = TestEnv::new();
    let fish = env.baton(&["completions", "fish"]);
    fish.expect_code(0);
    let line = |needle: &str| {
        fish.stdout
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle} in\n{}", fish.stdout))
            .to_owned()
    };
    // fish lists one value a line after the option's; its first is the first preset.
    assert!(line("__fish_baton_using_subcommand run\" -l agent ").contains("claude"));
    for needle in [
        "__fish_baton_using_subcommand run\" -l role ",
        "__fish_baton_using_subcommand note\" -l to ",
        "__fish_baton_using_subcommand logs\" -l actor ",
    ] {
        assert!(line(needle).contains("galph"), "{needle}");
    }
    let bash = env.baton(&["completions", "bash"]);
    for values in ["galph ralph", "claude codex gemini opencode aider"] {
        assert!(
            bash.stdout.contains(&format!("compgen -W \"{values}\"")),
            "{values} in the bash completion"
        );
    }
    // A custom agent name is still accepted where presets are offered, and aliases still work.
    let custom = env.baton(&["check", "--json"]);
    custom.expect_code(0);
    let run = env.baton(&["loop", "--agent", "other", "--iterations", "1"]);
    run.expect_code(0);
    let run = env.baton(&[
        "run",
        "--mode",
        "role",
        "--role",
        "Supervisor",
        "--iterations",
        "1",
    ]);
    run.expect_code(0);
    assert!(
        env.calls().iter().any(|c| c == "other ralph main.md"),
        "{:?}",
        env.calls()
    );
}

#[test]
fn the_man_page_has_exit_status_environment_files_and_examples() {
    let env = TestEnv::new();
    let man = env.baton(&["man"]);
    man.expect_code(0);
    for section in [
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH \"FILES\"",
        ".SH \"EXAMPLES\"",
    ] {
        assert!(man.stdout.contains(section), "{section}");
    }
    let exit = section_of(&man.stdout, "EXIT STATUS");
    for code in ["0", "1", "2", "3", "4", "130 / 143", "255"] {
        assert!(
            exit.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "exit code {code}:\n{exit}"
        );
    }
    let environment = section_of(&man.stdout, "ENVIRONMENT");
    let check = env.baton(&["check", "--json"]);
    let check: Value = serde_json::from_str(&check.stdout).expect("check json");
    for setting in check["config"].as_array().expect("config") {
        let var = setting["env"].as_str().expect("env");
        let key = setting["key"].as_str().expect("key");
        assert!(
            environment.contains(&format!("\\fB{var}\\fR\nsets {key}: ")),
            "{var} in ENVIRONMENT"
        );
    }
    assert!(environment.contains("BATON_LOG_LEVEL"), "{environment}");
    assert!(section_of(&man.stdout, "FILES").contains("sync/state.json"));
    assert!(section_of(&man.stdout, "EXAMPLES").contains("baton run \\-\\-iterations 5"));
}

/// The roff text of man page section `title`, up to the next one.
fn section_of<'a>(man: &'a str, title: &str) -> &'a str {
    let start = man
        .find(&format!(".SH {title}"))
        .or_else(|| man.find(&format!(".SH \"{title}\"")))
        .unwrap_or_else(|| panic!("no {title}"));
    let rest = &man[start + 4..];
    &rest[..rest.find("\n.SH ").unwrap_or(rest.len())]
}

#[test]
fn version_prints_the_version_like_the_flag() {
    let env = TestEnv::new();
    let version = env.baton(&["version"]);
    version.expect_code(0);
    let flag = env.baton(&["--version"]);
    flag.expect_code(0);
    let expected = format!("baton {}", env!("CARGO_PKG_VERSION"));
    assert_eq!(flag.stdout.trim(), expected);
    assert!(
        version.stdout.trim() == expected
            || version
                .stdout
                .trim()
                .starts_with(&format!("{expected} (commit ")),
        "{}",
        version.stdout
    );
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

/// Every stderr line that is not `baton: …` (errors, hints, warnings) is a console line in the
/// `[tag] …` layout.
fn assert_console_layout(stderr: &str) {
    for line in stderr.lines() {
        assert!(
            line.starts_with('[') || line.starts_with("baton: "),
            "not in the console layout: {line:?}\n{stderr}"
        );
    }
}

#[test]
fn verbose_lines_use_the_console_layout_and_obey_color_never() {
    let role = crate::role_env::RoleEnv::new();
    let stop = role
        .galph
        .baton(&["-v", "--color", "never", "stop", "--reason", "x"]);
    stop.expect_code(0);
    assert!(
        stop.stderr
            .lines()
            .any(|l| l.starts_with("[baton] git command=git ls-remote")),
        "the git commands Baton runs, in its layout:\n{}",
        stop.stderr
    );
    assert!(!stop.stderr.contains('\u{1b}'), "{:?}", stop.stderr);
    assert_console_layout(&stop.stderr);
    let always = role.galph.baton(&["-v", "--color", "always", "resume"]);
    always.expect_code(0);
    assert!(
        !always
            .stderr
            .lines()
            .any(|l| l.starts_with("[baton] git") && l.contains('\u{1b}')),
        "info lines carry no colour codes: {:?}",
        always.stderr
    );
}

#[test]
fn very_verbose_shows_batons_debug_lines_and_no_dependency_unless_asked() {
    let env = TestEnv::new();
    let run = env.baton(&["-vv", "run", "--iterations", "1"]);
    run.expect_code(0);
    assert!(!run.stderr.contains('\u{1b}'), "a pipe: {:?}", run.stderr);
    assert!(
        !run.stderr.contains("globset"),
        "-vv is Baton's own lines:\n{}",
        run.stderr
    );
    assert_console_layout(&run.stderr);
    // BATON_LOG_LEVEL still opens a dependency's lines, in the same layout.
    let mut cmd = env.baton_cmd(&["run", "--iterations", "1"]);
    cmd.env("BATON_LOG_LEVEL", "globset=debug");
    let opened = crate::common::Run::from(cmd.output().expect("run"));
    opened.expect_code(0);
    assert!(
        opened
            .stderr
            .lines()
            .any(|l| l.starts_with("[globset] debug: built glob set")),
        "{}",
        opened.stderr
    );
}

#[test]
fn every_reading_command_exits_0_quietly_when_its_reader_has_gone() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "2"]).expect_code(0);
    for args in [
        &["stats", "--json"][..],
        &["stats"],
        &["history"],
        &["history", "--json"],
        &["status"],
        &["status", "--json"],
        &["route", "--next", "500"],
        &["route", "--next", "50", "--json"],
        &["logs"],
        &["logs", "--json"],
        &["logs", "--list"],
        &["check"],
        &["check", "--json"],
        &["watch", "--once", "--plain"],
        &["completions", "bash"],
        &["man"],
        &["version"],
        &["--help"],
    ] {
        // A pipe whose read end is closed before baton starts: its first write fails (EPIPE).
        let (read, write) = nix::unistd::pipe().expect("pipe");
        drop(read);
        let out = env
            .baton_cmd(args)
            .stdout(std::process::Stdio::from(write))
            .output()
            .expect("run baton");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?} printed: {stderr}");
    }
}
