//! The environment and flag layers.
//!
//! Every scalar key has a variable `BATON_<KEY>`: the dotted key upper-cased with `.` → `_`
//! (`agent.default` → `BATON_AGENT_DEFAULT`). Other `BATON_*` variables (`BATON_CONFIG`, and
//! `BATON_ACTOR`, `BATON_LOG`, … that agents inherit) are not configuration and are ignored.
//! Flags ([`Overrides`]) are applied last and always win.

use std::collections::BTreeMap;

use crate::config::draft::{
    Draft, blank_to_none, non_empty, parse_bool, parse_optional_duration, parse_positive_duration,
    parse_router_mode, parse_u64,
};
use crate::config::{ConfigError, Overrides};

/// Sets one key from its text, or says why the text is bad.
type Setter = fn(&mut Draft, &str) -> Result<(), String>;

/// The scalar keys settable from the environment.
pub(super) const ENV_KEYS: &[(&str, Setter)] = &[
    ("prompts_dir", |d, v| {
        put(&mut d.config.prompts_dir, non_empty(v)?.into())
    }),
    ("state_file", |d, v| {
        put(&mut d.config.state_file, non_empty(v)?.into())
    }),
    ("journal_file", |d, v| {
        put(&mut d.config.journal_file, non_empty(v)?.into())
    }),
    ("logs_dir", |d, v| {
        put(&mut d.config.logs_dir, non_empty(v)?.into())
    }),
    ("tmp_dir", |d, v| {
        put(&mut d.config.tmp_dir, non_empty(v)?.into())
    }),
    ("prompts.supervisor", |d, v| {
        put(&mut d.config.prompts.supervisor, non_empty(v)?)
    }),
    ("prompts.main", |d, v| {
        put(&mut d.config.prompts.main, non_empty(v)?)
    }),
    ("prompts.reviewer", |d, v| {
        put(&mut d.config.prompts.reviewer, non_empty(v)?)
    }),
    ("review_every_n", |d, v| {
        put(&mut d.config.review_every_n, parse_u64(v)?)
    }),
    ("router.enabled", |d, v| {
        put(&mut d.config.router.enabled, parse_bool(v)?)
    }),
    ("router.prompt", |d, v| {
        put(&mut d.config.router.prompt, blank_to_none(v))
    }),
    ("router.mode", |d, v| {
        put(&mut d.config.router.mode, parse_router_mode(v)?)
    }),
    ("agent.default", |d, v| {
        put(&mut d.config.agent.default, non_empty(v)?)
    }),
    ("agent.timeout", |d, v| {
        put(&mut d.config.agent.timeout, parse_optional_duration(v)?)
    }),
    ("agent.heartbeat", |d, v| {
        put(&mut d.config.agent.heartbeat, parse_optional_duration(v)?)
    }),
    ("git.remote", |d, v| {
        put(&mut d.config.git.remote, non_empty(v)?)
    }),
    ("git.branch", |d, v| {
        put(&mut d.config.git.branch, blank_to_none(v))
    }),
    ("git.poll_interval", |d, v| {
        put(&mut d.config.git.poll_interval, parse_positive_duration(v)?)
    }),
    ("git.max_wait", |d, v| {
        put(&mut d.config.git.max_wait, parse_optional_duration(v)?)
    }),
    ("git.lease", |d, v| {
        put(&mut d.config.git.lease, parse_positive_duration(v)?)
    }),
    ("input_file", |d, v| {
        put(&mut d.config.compat.input_file, Some(non_empty(v)?))
    }),
    ("findings_file", |d, v| {
        put(&mut d.config.compat.findings_file, Some(non_empty(v)?))
    }),
    ("autocommit.reports", |d, v| {
        put(&mut d.config.autocommit.reports, parse_bool(v)?)
    }),
    ("autocommit.tracked_outputs", |d, v| {
        put(&mut d.config.autocommit.tracked_outputs, parse_bool(v)?)
    }),
    ("autocommit.doc_meta", |d, v| {
        put(&mut d.config.autocommit.doc_meta, parse_bool(v)?)
    }),
    ("autocommit.work", |d, v| {
        put(&mut d.config.autocommit.work, parse_bool(v)?)
    }),
    ("autocommit.everything", |d, v| {
        put(&mut d.config.autocommit.everything, parse_bool(v)?)
    }),
    ("autocommit.tolerate_dirty", |d, v| {
        put(&mut d.config.autocommit.tolerate_dirty, parse_bool(v)?)
    }),
];

/// Stores a parsed value (keeps the setters one line each).
fn put<T>(slot: &mut T, value: T) -> Result<(), String> {
    *slot = value;
    Ok(())
}

/// The variable name for dotted `key` (`agent.default` → `BATON_AGENT_DEFAULT`).
pub(super) fn var_name(key: &str) -> String {
    format!("BATON_{}", key.to_ascii_uppercase().replace('.', "_"))
}

/// Lays the `BATON_*` variables of `env` over `draft`.
///
/// # Errors
/// [`ConfigError::Env`] naming the first variable with a bad value.
pub(super) fn apply_env(
    draft: &mut Draft,
    env: &BTreeMap<String, String>,
) -> Result<(), ConfigError> {
    for (key, setter) in ENV_KEYS {
        let var = var_name(key);
        if let Some(value) = env.get(&var) {
            setter(draft, value).map_err(|message| ConfigError::Env { var, message })?;
        }
    }
    Ok(())
}

/// Lays the command-line values over `draft`. A zero `timeout` or `max_wait` means none.
pub(super) fn apply_overrides(draft: &mut Draft, flags: &Overrides) {
    let c = &mut draft.config;
    if let Some(agent) = &flags.agent {
        c.agent.default.clone_from(agent);
    }
    c.agent.flag_roles.extend(flags.agent_roles.iter().cloned());
    c.agent
        .flag_prompts
        .extend(flags.agent_prompts.iter().cloned());
    if let Some(enabled) = flags.use_router {
        c.router.enabled = enabled;
    }
    if let Some(prompt) = &flags.router_prompt {
        c.router.prompt = blank_to_none(prompt);
    }
    if let Some(mode) = flags.router_mode {
        c.router.mode = mode;
    }
    if let Some(n) = flags.review_every_n {
        c.review_every_n = n;
    }
    if let Some(timeout) = flags.timeout {
        c.agent.timeout = (!timeout.is_zero()).then_some(timeout);
    }
    if let Some(branch) = &flags.branch {
        c.git.branch = Some(branch.clone());
    }
    if let Some(poll) = flags.poll_interval {
        c.git.poll_interval = poll;
    }
    if let Some(max_wait) = flags.max_wait {
        c.git.max_wait = (!max_wait.is_zero()).then_some(max_wait);
    }
}
