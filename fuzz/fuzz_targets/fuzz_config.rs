//! Fuzzes `orchestration.yaml` loading (`baton::config::load_from_str`).
//!
//! Properties, for any UTF-8 input:
//! - loading never panics, and an error is `Invalid` naming the file with a 1-based position;
//! - loading is deterministic (same config, same warnings);
//! - a loaded config keeps its documented invariants (absolute paths, trimmed non-empty names,
//!   normalised extensions, positive lease and poll interval, durations that survive
//!   `format_duration` → `parse_duration`);
//! - round trip through text: restating every scalar value of the config as its `BATON_*`
//!   environment variable (paths, numbers, booleans, router mode, durations written back as
//!   text) and loading again over the same file gives the same config.

#![no_main]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use baton::config::{
    Config, ConfigError, LoadOptions, Loaded, format_duration, load_from_str, parse_duration,
};
use libfuzzer_sys::fuzz_target;

const ROOT: &str = "/fuzz";
const FILE: &str = "/fuzz/orchestration.yaml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let first = match load(text, BTreeMap::new()) {
        Ok(loaded) => loaded,
        Err(err) => return check_error(&err),
    };
    let again = load(text, BTreeMap::new()).expect("a second load of the same text succeeds");
    assert_eq!(first.config, again.config, "loading is deterministic");
    assert_eq!(first.warnings, again.warnings, "warnings are deterministic");
    check_invariants(&first.config);

    let env = restate(&first.config);
    let relayered = match load(text, env.clone()) {
        Ok(loaded) => loaded,
        Err(err) => panic!("restating {env:?} failed: {err}"),
    };
    assert_eq!(
        relayered.config, first.config,
        "restating the config through BATON_* changed it: {env:?}"
    );
});

/// Loads `text` as `/fuzz/orchestration.yaml` with the environment `env` and no flags.
fn load(text: &str, env: BTreeMap<String, String>) -> Result<Loaded, ConfigError> {
    let opts = LoadOptions {
        cwd: ROOT.into(),
        env,
        ..Default::default()
    };
    load_from_str(text, Path::new(FILE), &opts)
}

/// With no environment, only the file can be wrong; the error names it with a position.
fn check_error(err: &ConfigError) {
    let shown = err.to_string();
    match err {
        ConfigError::Invalid { path, message, .. } => {
            assert_eq!(path, Path::new(FILE));
            assert!(!message.is_empty(), "empty message: {shown}");
            assert!(shown.starts_with(FILE), "{shown}");
        }
        other => panic!("unexpected error kind without an environment: {other:?}"),
    }
}

fn check_invariants(c: &Config) {
    assert_eq!(c.root, Path::new(ROOT));
    assert_eq!(c.file.as_deref(), Some(Path::new(FILE)));
    for path in [
        &c.prompts_dir,
        &c.state_file,
        &c.journal_file,
        &c.logs_dir,
        &c.tmp_dir,
    ] {
        assert!(path.is_absolute(), "relative path {path:?}");
    }
    for name in [
        &c.prompts.supervisor,
        &c.prompts.main,
        &c.prompts.reviewer,
        &c.agent.default,
        &c.git.remote,
    ]
    .into_iter()
    .chain(&c.router.prompt)
    .chain(&c.git.branch)
    {
        assert!(
            !name.is_empty() && name.trim() == name,
            "untrimmed {name:?}"
        );
    }
    for ext in c
        .autocommit
        .report_extensions
        .iter()
        .chain(&c.autocommit.tracked_output_extensions)
    {
        assert!(ext.len() > 1 && ext.starts_with('.'), "extension {ext:?}");
        assert_eq!(*ext, ext.to_ascii_lowercase(), "extension {ext:?}");
    }
    assert!(!c.git.lease.is_zero() && !c.git.poll_interval.is_zero());
    let optional = [c.agent.timeout, c.agent.heartbeat, c.git.max_wait];
    assert!(
        optional.iter().flatten().all(|d| !d.is_zero()),
        "{optional:?}"
    );
    let all = [c.git.lease, c.git.poll_interval]
        .into_iter()
        .chain(optional.into_iter().flatten());
    for d in all {
        assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{d:?}");
    }
}

/// Every scalar value of `c` written as the text of its `BATON_*` variable.
fn restate(c: &Config) -> BTreeMap<String, String> {
    let path = |p: &Path| p.to_str().expect("paths come from UTF-8 text").to_owned();
    let optional = |d: Option<Duration>| d.map_or_else(|| "none".to_owned(), format_duration);
    let mut vars = vec![
        ("PROMPTS_DIR", path(&c.prompts_dir)),
        ("STATE_FILE", path(&c.state_file)),
        ("JOURNAL_FILE", path(&c.journal_file)),
        ("LOGS_DIR", path(&c.logs_dir)),
        ("TMP_DIR", path(&c.tmp_dir)),
        ("PROMPTS_SUPERVISOR", c.prompts.supervisor.clone()),
        ("PROMPTS_MAIN", c.prompts.main.clone()),
        ("PROMPTS_REVIEWER", c.prompts.reviewer.clone()),
        ("REVIEW_EVERY_N", c.review_every_n.to_string()),
        ("ROUTER_ENABLED", c.router.enabled.to_string()),
        ("ROUTER_PROMPT", c.router.prompt.clone().unwrap_or_default()),
        ("ROUTER_MODE", c.router.mode.as_str().to_owned()),
        ("AGENT_DEFAULT", c.agent.default.clone()),
        ("AGENT_TIMEOUT", optional(c.agent.timeout)),
        ("AGENT_HEARTBEAT", optional(c.agent.heartbeat)),
        ("GIT_REMOTE", c.git.remote.clone()),
        ("GIT_BRANCH", c.git.branch.clone().unwrap_or_default()),
        ("GIT_POLL_INTERVAL", format_duration(c.git.poll_interval)),
        ("GIT_MAX_WAIT", optional(c.git.max_wait)),
        ("GIT_LEASE", format_duration(c.git.lease)),
        ("AUTOCOMMIT_REPORTS", c.autocommit.reports.to_string()),
        (
            "AUTOCOMMIT_TRACKED_OUTPUTS",
            c.autocommit.tracked_outputs.to_string(),
        ),
        ("AUTOCOMMIT_DOC_META", c.autocommit.doc_meta.to_string()),
        ("AUTOCOMMIT_EVERYTHING", c.autocommit.everything.to_string()),
        (
            "AUTOCOMMIT_TOLERATE_DIRTY",
            c.autocommit.tolerate_dirty.to_string(),
        ),
    ];
    // The YAML layer takes `input_file`/`findings_file` verbatim while the environment trims
    // them and refuses blanks, so only trimmed non-blank values can be restated.
    for (var, value) in [
        ("INPUT_FILE", &c.compat.input_file),
        ("FINDINGS_FILE", &c.compat.findings_file),
    ] {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty() && v.trim() == *v) {
            vars.push((var, value.clone()));
        }
    }
    vars.into_iter()
        .map(|(var, value)| (format!("BATON_{var}"), value))
        .collect()
}
