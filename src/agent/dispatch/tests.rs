//! Unit tests for agent dispatch: precedence, commands over presets, errors, preset argv.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;
use crate::agent::output::Format;

/// A config rooted at `root` with default agent `default` and no maps.
fn config(root: &Path, default: &str) -> Config {
    let mut config = Config::defaults(root);
    config.agent.default = default.into();
    config
}

/// A config whose agents `a`..`e` all run `sh` (found on PATH), default `e`.
fn layered() -> Config {
    let mut c = config(Path::new("/"), "e");
    for name in ["a", "b", "c", "d", "e"] {
        c.agent
            .commands
            .insert(name.into(), vec!["sh".into(), "-c".into(), name.into()]);
    }
    c.agent.flag_prompts.insert("main.md".into(), "a".into());
    c.agent.flag_roles.insert(Actor::RALPH, "b".into());
    c.agent.prompts.insert("main.md".into(), "c".into());
    c.agent.roles.insert(Actor::RALPH, "d".into());
    c
}

fn chosen(c: &Config) -> (String, String) {
    let choice = resolve(c, Actor::RALPH, "main.md").expect("resolves");
    (choice.name, choice.rule)
}

#[test]
fn each_level_overrides_the_one_below() {
    let mut c = layered();
    assert_eq!(chosen(&c), ("a".into(), "--agent-prompt main.md=a".into()));
    c.agent.flag_prompts.clear();
    assert_eq!(chosen(&c), ("b".into(), "--agent-role ralph=b".into()));
    c.agent.flag_roles.clear();
    assert_eq!(chosen(&c), ("c".into(), "agent.prompts.main.md".into()));
    c.agent.prompts.clear();
    assert_eq!(chosen(&c), ("d".into(), "agent.roles.ralph".into()));
    c.agent.roles.clear();
    assert_eq!(chosen(&c), ("e".into(), "agent.default".into()));
}

#[test]
fn maps_for_other_prompts_and_actors_do_not_apply() {
    let c = layered();
    let choice = resolve(&c, Actor::GALPH, "supervisor.md").expect("resolves");
    assert_eq!(choice.name, "e");
    assert_eq!(choice.argv, ["sh", "-c", "e"]);
}

#[test]
fn custom_command_overrides_a_preset() {
    let mut c = config(Path::new("/"), "claude");
    c.agent.commands.insert(
        "claude".into(),
        vec!["sh".into(), "-c".into(), "cat".into()],
    );
    let choice = resolve(&c, Actor::GALPH, "supervisor.md").expect("resolves");
    assert_eq!(choice.argv, ["sh", "-c", "cat"]);
}

#[test]
fn preset_argv_is_used_without_a_command() {
    let c = config(Path::new("/"), "codex");
    let argv = argv_for(&c, "codex", "agent.default").expect("preset");
    assert_eq!(argv, preset("codex").expect("codex").argv);
}

#[test]
fn unknown_agent_suggests_the_closest_name() {
    let mut c = config(Path::new("/"), "claud");
    c.agent.commands.insert("mybot".into(), vec!["sh".into()]);
    let err = resolve(&c, Actor::RALPH, "main.md").expect_err("unknown");
    assert!(matches!(&err, AgentError::Unknown { suggestion: Some(s), .. } if s == "claude"));
    assert_eq!(
        err.to_string(),
        "unknown agent `claud` (chosen by agent.default); did you mean `claude`?"
    );
    c.agent.default = "mybott".into();
    let err = resolve(&c, Actor::RALPH, "main.md").expect_err("unknown");
    assert!(matches!(err, AgentError::Unknown { suggestion: Some(s), .. } if s == "mybot"));
    c.agent.default = "zzzzzzzz".into();
    let err = resolve(&c, Actor::RALPH, "main.md").expect_err("unknown");
    assert!(matches!(
        err,
        AgentError::Unknown {
            suggestion: None,
            ..
        }
    ));
}

#[test]
fn empty_command_is_an_error() {
    let mut c = config(Path::new("/"), "x");
    c.agent.commands.insert("x".into(), Vec::new());
    let err = resolve(&c, Actor::RALPH, "main.md").expect_err("empty");
    assert!(matches!(err, AgentError::Empty { name } if name == "x"));
}

#[test]
fn missing_program_is_not_found() {
    let mut c = config(Path::new("/"), "x");
    let program = "baton-test-no-such-program-3f9a";
    c.agent.commands.insert("x".into(), vec![program.into()]);
    let err = resolve(&c, Actor::RALPH, "main.md").expect_err("missing");
    assert!(matches!(err, AgentError::NotFound { program: p, .. } if p == program));
}

#[test]
fn relative_program_path_is_relative_to_the_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script: PathBuf = dir.path().join("bin/agent.sh");
    std::fs::create_dir_all(script.parent().expect("parent")).expect("mkdir");
    std::fs::write(&script, "#!/bin/sh\ncat\n").expect("write");
    let mut c = config(dir.path(), "x");
    c.agent
        .commands
        .insert("x".into(), vec!["bin/agent.sh".into()]);
    let err = resolve(&c, Actor::RALPH, "main.md").expect_err("not executable yet");
    assert!(matches!(err, AgentError::NotFound { .. }));
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let choice = resolve(&c, Actor::RALPH, "main.md").expect("found");
    assert_eq!(choice.argv, ["bin/agent.sh"]);
}

#[test]
fn find_on_path_finds_sh_and_rejects_directories() {
    let sh = find_on_path("sh").expect("sh on PATH");
    assert!(sh.is_absolute() || sh.starts_with("."));
    assert_eq!(find_on_path("/"), None);
    assert_eq!(find_on_path(""), None);
}

#[test]
fn every_preset_has_its_checked_argv() {
    let argv = |name: &str| preset(name).expect("preset").argv.to_vec();
    assert_eq!(
        argv("claude"),
        [
            "claude",
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--dangerously-skip-permissions"
        ]
    );
    assert_eq!(
        argv("codex"),
        [
            "codex",
            "exec",
            "--json",
            "--dangerously-bypass-approvals-and-sandbox",
            "--skip-git-repo-check",
            "-"
        ]
    );
    assert_eq!(
        argv("gemini"),
        [
            "gemini",
            "--output-format",
            "stream-json",
            "--yolo",
            "--skip-trust"
        ]
    );
    assert_eq!(
        argv("opencode"),
        ["opencode", "run", "--format", "json", "--auto"]
    );
    let format = |name: &str| preset(name).expect("preset").format;
    assert_eq!(format("claude"), Format::ClaudeStreamJson);
    assert_eq!(format("codex"), Format::CodexJson);
    assert_eq!(format("gemini"), Format::GeminiStreamJson);
    assert_eq!(format("opencode"), Format::OpencodeJson);
    assert_eq!(format("aider"), Format::Text);
    assert_eq!(
        argv("aider"),
        [
            "aider",
            "--yes-always",
            "--no-pretty",
            "--no-fancy-input",
            "--no-check-update",
            "--no-show-release-notes",
            "--no-gitignore",
            "--analytics-disable",
            "--chat-history-file",
            "/dev/null",
            "--input-history-file",
            "/dev/null",
            "--message-file",
            "/dev/stdin"
        ]
    );
    let names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
    assert_eq!(names, ["claude", "codex", "gemini", "opencode", "aider"]);
    assert!(PRESETS.iter().all(|p| !p.checked_version.is_empty()));
}
