//! Errors name the file, line, column and key; misspelt keys get a suggestion.

use std::time::Duration;

use super::{invalid, loaded};
use crate::config::RouterMode;
use crate::state::Actor;

#[test]
fn misspelt_top_level_key_suggests_the_closest() {
    let (line, column, message) = invalid("prompts_dir: p\nreview_evry_n: 2\n");
    assert_eq!((line, column), (2, 1));
    assert_eq!(
        message,
        "unknown key `review_evry_n`, did you mean `review_every_n`?"
    );
}

#[test]
fn misspelt_nested_key_names_the_dotted_key() {
    let (line, column, message) = invalid("router:\n  enabled: true\n  mdoe: first\n");
    assert_eq!((line, column), (3, 3));
    assert_eq!(message, "unknown key `router.mdoe`, did you mean `mode`?");
}

#[test]
fn misspelt_key_in_flow_style_still_names_its_section() {
    let (line, column, message) = invalid("git: {remote: o, lese: 1m}\n");
    assert_eq!((line, column), (1, 18));
    assert_eq!(message, "unknown key `git.lese`, did you mean `lease`?");
}

#[test]
fn a_nested_key_at_the_top_level_suggests_its_full_name() {
    let (_, _, message) = invalid("mode: first\n");
    assert_eq!(message, "unknown key `mode`, did you mean `router.mode`?");
}

#[test]
fn an_unrelated_key_lists_the_valid_ones() {
    let (_, _, message) = invalid("agent:\n  zzzz: 1\n");
    assert!(message.starts_with("unknown key `agent.zzzz` (valid keys here: default, roles"));
}

#[test]
fn wrong_type_names_the_key_and_value_position() {
    let (line, column, message) = invalid("git:\n  remote: origin\nreview_every_n: abc\n");
    assert_eq!((line, column), (3, 17));
    assert_eq!(
        message,
        "key `review_every_n`: expected a non-negative integer"
    );
    let (line, _, message) = invalid("router:\n  enabled: sometimes\n");
    assert_eq!(line, 2);
    assert_eq!(message, "key `router.enabled`: expected true or false");
    let (_, _, message) = invalid("autocommit:\n  never: logs/\n");
    assert_eq!(message, "key `autocommit.never`: expected a list");
}

#[test]
fn bad_duration_names_key_and_text() {
    let (line, column, message) = invalid("agent:\n  timeout: 5 minutes\n");
    assert_eq!((line, column), (2, 12));
    assert!(
        message.starts_with("key `agent.timeout`: invalid duration `5 minutes`"),
        "{message}"
    );
    let (line, _, message) = invalid("git:\n  lease: 0\n");
    assert_eq!(line, 2);
    assert!(message.contains("greater than zero"), "{message}");
}

#[test]
fn router_mode_accepts_aliases_and_rejects_others() {
    for (text, want) in [
        ("only", RouterMode::Only),
        ("router-first", RouterMode::First),
        ("first", RouterMode::First),
        ("router_default", RouterMode::Default),
        ("Router_Only", RouterMode::Only),
    ] {
        let c = loaded(&format!("router:\n  mode: {text}\n")).config;
        assert_eq!(c.router.mode, want, "{text}");
    }
    let (line, column, message) = invalid("router:\n  mode: sideways\n");
    assert_eq!((line, column), (2, 9));
    assert!(
        message.contains("key `router.mode`: unknown router mode `sideways`"),
        "{message}"
    );
}

#[test]
fn agent_roles_accept_aliases_and_reject_unknown_actors() {
    let c = loaded("agent:\n  roles:\n    supervisor: a\n    loop: b\n").config;
    assert_eq!(
        c.agent.roles.get(&Actor::GALPH).map(String::as_str),
        Some("a")
    );
    assert_eq!(
        c.agent.roles.get(&Actor::RALPH).map(String::as_str),
        Some("b")
    );
    let (line, column, message) = invalid("agent:\n  roles:\n    galph: a\n    bob: b\n");
    assert_eq!((line, column), (4, 5));
    assert!(message.contains("unknown actor `bob`"), "{message}");
}

#[test]
fn agent_commands_need_a_program() {
    let c = loaded("agent:\n  commands:\n    mine: [./run.sh, --fast]\n").config;
    assert_eq!(c.agent.commands["mine"], ["./run.sh", "--fast"]);
    let (line, _, message) = invalid("agent:\n  commands:\n    mine: []\n");
    assert_eq!(line, 3);
    assert!(message.starts_with("key `agent.commands.mine`: expected a non-empty argv"));
}

#[test]
fn heartbeat_zero_is_off_and_router_prompt_null_or_empty_is_none() {
    let c = loaded("agent:\n  heartbeat: 0\n  timeout: 1.5s\n").config;
    assert_eq!(c.agent.heartbeat, None);
    assert_eq!(c.agent.timeout, Some(Duration::from_millis(1500)));
    assert_eq!(
        loaded("router:\n  prompt: null\n").config.router.prompt,
        None
    );
    assert_eq!(loaded("router:\n  prompt: ''\n").config.router.prompt, None);
}

#[test]
fn syntax_and_shape_errors_have_positions() {
    let (line, _, _) = invalid("router:\n  enabled: true\n   bad indent: [\n");
    assert!(line >= 2, "line {line}");
    let (line, column, _) = invalid("- a list\n");
    assert_eq!((line, column), (1, 1));
    let (line, _, message) = invalid("review_every_n: 1\nreview_every_n: 2\n");
    assert_eq!(line, 2);
    assert!(message.contains("review_every_n"), "{message}");
}

#[test]
fn the_display_form_is_file_line_column_message() {
    let err = super::load_text("router:\n  mdoe: x\n").expect_err("misspelt key");
    assert_eq!(
        err.to_string(),
        "/ws/orchestration.yaml:2:3: unknown key `router.mdoe`, did you mean `mode`?"
    );
}

#[test]
fn a_key_written_twice_names_both_lines() {
    let (line, column, message) = invalid("git:\n  lease: 5m\n  remote: o\n  lease: 7m\n");
    assert_eq!((line, column), (4, 3));
    assert_eq!(
        message,
        "key `git.lease` is written twice (first at line 2, column 3)"
    );
    let (line, _, message) =
        invalid("agent:\n  commands:\n    x: [a]\n    y: [b]\n    x: [c]\nreview_every_n: 1\n");
    assert_eq!(line, 5);
    assert_eq!(
        message,
        "key `agent.commands.x` is written twice (first at line 3, column 5)"
    );
    let (line, _, message) = invalid("review_every_n: 1\nagent: {}\nreview_every_n: 2\n");
    assert_eq!(line, 3);
    assert_eq!(
        message,
        "key `review_every_n` is written twice (first at line 1, column 1)"
    );
}

#[test]
fn a_commit_url_is_an_http_template_with_sha_or_off() {
    use crate::config::CommitUrl;
    let url = |text: &str| loaded(text).config.serve.commit_url;
    assert_eq!(url(""), CommitUrl::Derived);
    assert_eq!(url("serve:\n  commit_url: null\n"), CommitUrl::Derived);
    assert_eq!(url("serve:\n  commit_url: 'off'\n"), CommitUrl::Off);
    assert_eq!(
        url("serve: {commit_url: 'https://git.example.com/r/commit/{sha}'}\n"),
        CommitUrl::Template("https://git.example.com/r/commit/{sha}".into())
    );
    for (bad, says) in [
        (
            "'javascript:alert(1)//{sha}'",
            "expected an http:// or https:// URL",
        ),
        ("'https://git.example.com/r/commit/'", "has no `{sha}`"),
        ("'https://x/{sha}/{short}'", "unknown placeholder `{short}`"),
        ("'https://x/{sha} y'", "it holds ' '"),
        ("[a, b]", "expected a string"),
    ] {
        let (line, column, message) = invalid(&format!("serve:\n  commit_url: {bad}\n"));
        assert_eq!((line, column), (2, 15), "{bad}");
        assert!(message.starts_with("key `serve.commit_url`: "), "{message}");
        assert!(message.contains(says), "{bad}: {message}");
    }
}
