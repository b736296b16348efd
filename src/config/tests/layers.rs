//! Defaults, file discovery, and the precedence flag > environment > YAML > default.

use std::fs;
use std::time::Duration;

use pretty_assertions::assert_eq;

use super::{loaded, opts_with_env, ws, yaml_path};
use crate::config::{ConfigError, LoadOptions, Overrides, RouterMode, load, load_from_str};
use crate::state::Actor;

#[test]
fn missing_file_means_all_defaults_rooted_at_cwd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LoadOptions {
        cwd: dir.path().to_path_buf(),
        ..LoadOptions::default()
    };
    let loaded = load(&opts).expect("defaults load");
    let c = loaded.config;
    let root = dir.path();
    assert!(loaded.warnings.is_empty());
    assert_eq!(c.root, root);
    assert_eq!(c.file, None);
    assert_eq!(c.prompts_dir, root.join("prompts"));
    assert_eq!(c.state_file, root.join("sync/state.json"));
    assert_eq!(c.journal_file, root.join("sync/journal.jsonl"));
    assert_eq!(c.logs_dir, root.join("logs"));
    assert_eq!(c.tmp_dir, root.join("tmp"));
    assert_eq!(
        (
            c.prompts.supervisor.as_str(),
            c.prompts.main.as_str(),
            c.prompts.reviewer.as_str()
        ),
        ("supervisor.md", "main.md", "reviewer.md")
    );
    assert_eq!(c.review_every_n, 0);
    assert!(!c.router.enabled);
    assert_eq!(c.router.prompt.as_deref(), Some("router.md"));
    assert_eq!(c.router.mode, RouterMode::Default);
    assert_eq!(c.router.allowlist, ["supervisor.md", "reviewer.md"]);
    assert_eq!(c.agent.default, "claude");
    assert_eq!(c.agent.timeout, Some(Duration::from_secs(2 * 3600)));
    assert_eq!(c.agent.heartbeat, Some(Duration::from_secs(10)));
    assert_eq!(c.git.remote, "origin");
    assert_eq!(c.git.branch, None);
    assert_eq!(c.git.poll_interval, Duration::from_secs(1));
    assert_eq!(c.git.max_wait, None);
    assert_eq!(c.git.lease, Duration::from_secs(600));
    assert_eq!(c.git.read_timeout, Duration::from_secs(20));
    assert_eq!(c.autocommit.never, ["logs/", "tmp/"]);
    assert_eq!(c.autocommit.report_max_file_bytes, 5 << 20);
    assert_eq!(
        c.autocommit.tracked_output_extensions,
        [".npy", ".npz", ".json", ".pkl"]
    );
    assert_eq!(c.autocommit.doc_whitelist.len(), 8);
    assert_eq!(c.compat.input_file.as_deref(), Some("input.md"));
}

#[test]
fn finds_the_file_upward_and_resolves_paths_against_its_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::write(root.join("orchestration.yaml"), "logs_dir: out/logs\n").expect("write config");
    let sub = root.join("a/b");
    fs::create_dir_all(&sub).expect("mkdir");
    let opts = LoadOptions {
        cwd: sub,
        ..LoadOptions::default()
    };
    let c = load(&opts).expect("load").config;
    assert_eq!(c.root, root);
    assert_eq!(c.file, Some(root.join("orchestration.yaml")));
    assert_eq!(c.logs_dir, root.join("out/logs"));
    assert_eq!(c.autocommit.never, ["out/logs/", "tmp/"]);
}

#[test]
fn an_explicit_config_file_must_exist_and_sets_the_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("elsewhere");
    fs::create_dir_all(&other).expect("mkdir");
    fs::write(other.join("custom.yaml"), "").expect("write config");
    let mut opts = LoadOptions {
        cwd: dir.path().to_path_buf(),
        config_file: Some("elsewhere/custom.yaml".into()),
        ..LoadOptions::default()
    };
    let c = load(&opts).expect("load").config;
    assert_eq!(c.root, other);
    assert_eq!(c.state_file, other.join("sync/state.json"));

    opts.config_file = Some("missing.yaml".into());
    match load(&opts) {
        Err(ConfigError::Read { path, .. }) => assert_eq!(path, dir.path().join("missing.yaml")),
        other => panic!("expected Read error, got {other:?}"),
    }
}

#[test]
fn an_empty_file_is_all_defaults() {
    let c = loaded("# nothing here\n").config;
    assert_eq!(c.file, Some(yaml_path()));
    assert_eq!(c.prompts_dir, ws("prompts"));
    assert_eq!(c.agent.default, "claude");
}

const LAYERED: &str = "\
review_every_n: 3
router:
  enabled: false
  mode: first
  prompt: yaml-router.md
agent:
  default: codex
  timeout: 10m
git:
  branch: yaml-branch
  poll_interval: 5s
  max_wait: 1h
";

#[test]
fn yaml_beats_defaults() {
    let c = loaded(LAYERED).config;
    assert_eq!(c.review_every_n, 3);
    assert_eq!(c.router.mode, RouterMode::First);
    assert_eq!(c.router.prompt.as_deref(), Some("yaml-router.md"));
    assert_eq!(c.agent.default, "codex");
    assert_eq!(c.agent.timeout, Some(Duration::from_secs(600)));
    assert_eq!(c.git.branch.as_deref(), Some("yaml-branch"));
    assert_eq!(c.git.poll_interval, Duration::from_secs(5));
    assert_eq!(c.git.max_wait, Some(Duration::from_secs(3600)));
}

const ENV: &[(&str, &str)] = &[
    ("BATON_REVIEW_EVERY_N", "4"),
    ("BATON_ROUTER_ENABLED", "yes"),
    ("BATON_ROUTER_MODE", "only"),
    ("BATON_ROUTER_PROMPT", ""),
    ("BATON_AGENT_DEFAULT", "gemini"),
    ("BATON_AGENT_TIMEOUT", "90m"),
    ("BATON_AGENT_HEARTBEAT", "0"),
    ("BATON_GIT_REMOTE", "upstream"),
    ("BATON_GIT_BRANCH", "env-branch"),
    ("BATON_GIT_POLL_INTERVAL", "250ms"),
    ("BATON_GIT_MAX_WAIT", "2h"),
    ("BATON_GIT_LEASE", "5m"),
    ("BATON_STATE_FILE", "shared/state.json"),
    ("BATON_AUTOCOMMIT_EVERYTHING", "1"),
    // Not configuration: agents inherit these.
    ("BATON_ACTOR", "galph"),
    ("BATON_CONFIG", "whatever.yaml"),
    ("BATON_PROMPT", "main.md"),
    ("BATON_ITERATION", "not-a-number"),
];

#[test]
fn env_beats_yaml() {
    let c = load_from_str(LAYERED, &yaml_path(), &opts_with_env(ENV))
        .expect("load")
        .config;
    assert_eq!(c.review_every_n, 4);
    assert!(c.router.enabled);
    assert_eq!(c.router.mode, RouterMode::Only);
    assert_eq!(c.router.prompt, None);
    assert_eq!(c.agent.default, "gemini");
    assert_eq!(c.agent.timeout, Some(Duration::from_secs(5400)));
    assert_eq!(c.agent.heartbeat, None);
    assert_eq!(c.git.remote, "upstream");
    assert_eq!(c.git.branch.as_deref(), Some("env-branch"));
    assert_eq!(c.git.poll_interval, Duration::from_millis(250));
    assert_eq!(c.git.max_wait, Some(Duration::from_secs(7200)));
    assert_eq!(c.git.lease, Duration::from_secs(300));
    assert_eq!(c.state_file, ws("shared/state.json"));
    assert!(c.autocommit.everything);
}

#[test]
fn flags_beat_env() {
    let mut opts = opts_with_env(ENV);
    opts.overrides = Overrides {
        agent: Some("aider".into()),
        agent_roles: vec![(Actor::RALPH, "codex".into())],
        agent_prompts: vec![("reviewer.md".into(), "claude".into())],
        use_router: Some(false),
        router_prompt: Some("flag-router.md".into()),
        router_mode: Some(RouterMode::Default),
        review_every_n: Some(5),
        timeout: Some(Duration::from_secs(30)),
        branch: Some("flag-branch".into()),
        poll_interval: Some(Duration::from_secs(2)),
        max_wait: Some(Duration::ZERO),
    };
    let text = format!("{LAYERED}  lease: 1m\n");
    let c = load_from_str(&text, &yaml_path(), &opts)
        .expect("load")
        .config;
    assert_eq!(c.agent.default, "aider");
    assert_eq!(
        c.agent.flag_roles.get(&Actor::RALPH).map(String::as_str),
        Some("codex")
    );
    assert_eq!(
        c.agent.flag_prompts.get("reviewer.md").map(String::as_str),
        Some("claude")
    );
    assert!(
        c.agent.roles.is_empty(),
        "flag roles stay out of the file's map"
    );
    assert!(
        c.agent.prompts.is_empty(),
        "flag prompts stay out of the file's map"
    );
    assert!(!c.router.enabled);
    assert_eq!(c.router.prompt.as_deref(), Some("flag-router.md"));
    assert_eq!(c.router.mode, RouterMode::Default);
    assert_eq!(c.review_every_n, 5);
    assert_eq!(c.agent.timeout, Some(Duration::from_secs(30)));
    assert_eq!(c.git.branch.as_deref(), Some("flag-branch"));
    assert_eq!(c.git.poll_interval, Duration::from_secs(2));
    assert_eq!(c.git.max_wait, None, "a zero max-wait flag means no limit");
    assert_eq!(
        c.git.lease,
        Duration::from_secs(300),
        "env still beats yaml"
    );
}

#[test]
fn every_autocommit_field_has_a_key() {
    let text = "\
autocommit:
  reports: false
  report_extensions: [MD, .Txt, log]
  report_globs: ['reports/**']
  report_max_file_bytes: 10
  report_max_total_bytes: 20
  tracked_outputs: false
  tracked_output_globs: ['data/**']
  tracked_output_extensions: [npy]
  tracked_max_file_bytes: 30
  tracked_max_total_bytes: 40
  doc_meta: false
  doc_whitelist: [README.md]
  doc_max_file_bytes: 50
  never: [build/]
  everything: true
  tolerate_dirty: true
";
    let a = loaded(text).config.autocommit;
    assert!(!a.reports && !a.tracked_outputs && !a.doc_meta);
    assert!(a.everything && a.tolerate_dirty);
    assert_eq!(a.report_extensions, [".md", ".txt", ".log"]);
    assert_eq!(a.report_globs, ["reports/**"]);
    assert_eq!(
        (a.report_max_file_bytes, a.report_max_total_bytes),
        (10, 20)
    );
    assert_eq!(a.tracked_output_globs, ["data/**"]);
    assert_eq!(a.tracked_output_extensions, [".npy"]);
    assert_eq!(
        (a.tracked_max_file_bytes, a.tracked_max_total_bytes),
        (30, 40)
    );
    assert_eq!(a.doc_whitelist, ["README.md"]);
    assert_eq!(a.doc_max_file_bytes, 50);
    assert_eq!(a.never, ["build/"]);
}
