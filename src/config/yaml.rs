//! The YAML layer: parses `orchestration.yaml` into the raw mirror, folds the compatibility keys
//! and lays every key that is set over the draft, checking values as it goes.

use std::path::Path;

use serde_saphyr::Spanned;

use crate::config::ConfigError;
use crate::config::compat;
use crate::config::draft::{
    Draft, blank_to_none, non_empty, normalize_extensions, parse_optional_duration,
    parse_positive_duration, parse_router_mode,
};
use crate::config::raw::{RawAgent, RawAutocommit, RawConfig, RawGit, RawRouter};
use crate::config::source::SourceFile;
use crate::state::Actor;

/// Parses `text` (read from `path`) and applies it to `draft`; returns the warnings.
///
/// # Errors
/// [`ConfigError::Invalid`] for a syntax error, unknown key, wrong type or bad value.
pub(super) fn apply(
    draft: &mut Draft,
    text: &str,
    path: &Path,
) -> Result<Vec<String>, ConfigError> {
    let source = SourceFile::new(path, text);
    let mut raw: RawConfig = serde_saphyr::from_str(text).map_err(|e| source.parse_error(&e))?;
    let warnings = compat::fold(&mut raw)
        .into_iter()
        .map(|key| source.warning(key, "has no meaning in baton and is ignored"))
        .collect();
    apply_top(draft, raw, &source)?;
    Ok(warnings)
}

fn apply_top(draft: &mut Draft, raw: RawConfig, source: &SourceFile) -> Result<(), ConfigError> {
    let c = &mut draft.config;
    for (key, value, slot) in [
        ("prompts_dir", raw.prompts_dir, &mut c.prompts_dir),
        ("state_file", raw.state_file, &mut c.state_file),
        ("journal_file", raw.journal_file, &mut c.journal_file),
        ("logs_dir", raw.logs_dir, &mut c.logs_dir),
        ("tmp_dir", raw.tmp_dir, &mut c.tmp_dir),
    ] {
        set(
            slot,
            checked(source, key, value, non_empty)?.map(Into::into),
        );
    }
    if let Some(prompts) = raw.prompts {
        let p = &mut c.prompts;
        for (key, value, slot) in [
            ("prompts.supervisor", prompts.supervisor, &mut p.supervisor),
            ("prompts.main", prompts.main, &mut p.main),
            ("prompts.reviewer", prompts.reviewer, &mut p.reviewer),
        ] {
            set(slot, checked(source, key, value, non_empty)?);
        }
    }
    set(&mut c.review_every_n, raw.review_every_n);
    set(&mut c.compat.input_file, raw.input_file.map(Some));
    set(&mut c.compat.findings_file, raw.findings_file.map(Some));
    if let Some(router) = raw.router {
        apply_router(draft, router, source)?;
    }
    if let Some(agent) = raw.agent {
        apply_agent(draft, agent, source)?;
    }
    if let Some(git) = raw.git {
        apply_git(draft, git, source)?;
    }
    if let Some(autocommit) = raw.autocommit {
        apply_autocommit(draft, autocommit);
    }
    Ok(())
}

fn apply_router(draft: &mut Draft, raw: RawRouter, source: &SourceFile) -> Result<(), ConfigError> {
    let r = &mut draft.config.router;
    set(&mut r.enabled, raw.enabled);
    set(
        &mut r.prompt,
        raw.prompt.map(|p| p.as_deref().and_then(blank_to_none)),
    );
    set(
        &mut r.mode,
        spanned(source, "router.mode", raw.mode, parse_router_mode)?,
    );
    if raw.allowlist.is_some() {
        draft.allowlist = raw.allowlist;
    }
    Ok(())
}

fn apply_agent(draft: &mut Draft, raw: RawAgent, source: &SourceFile) -> Result<(), ConfigError> {
    let a = &mut draft.config.agent;
    set(
        &mut a.default,
        checked(source, "agent.default", raw.default, non_empty)?,
    );
    for (name, agent) in raw.roles.map(|r| r.0).unwrap_or_default() {
        let actor = Actor::parse_alias(&name.value).ok_or_else(|| {
            let message = format!(
                "unknown actor `{}` (expected galph, ralph, supervisor or loop)",
                name.value
            );
            source.bad_value(name.referenced, "agent.roles", &message)
        })?;
        a.roles.insert(actor, agent);
    }
    a.prompts.extend(raw.prompts.unwrap_or_default());
    for (name, argv) in raw.commands.unwrap_or_default() {
        if argv
            .value
            .first()
            .is_none_or(|program| program.trim().is_empty())
        {
            let key = format!("agent.commands.{name}");
            let message = "expected a non-empty argv list whose first item names the program";
            return Err(source.bad_value(argv.referenced, &key, message));
        }
        a.commands.insert(name, argv.value);
    }
    set(
        &mut a.timeout,
        spanned(
            source,
            "agent.timeout",
            raw.timeout,
            parse_optional_duration,
        )?,
    );
    set(
        &mut a.heartbeat,
        spanned(
            source,
            "agent.heartbeat",
            raw.heartbeat,
            parse_optional_duration,
        )?,
    );
    Ok(())
}

fn apply_git(draft: &mut Draft, raw: RawGit, source: &SourceFile) -> Result<(), ConfigError> {
    let g = &mut draft.config.git;
    set(
        &mut g.remote,
        checked(source, "git.remote", raw.remote, non_empty)?,
    );
    let branch = raw.branch.map(|b| b.as_deref().and_then(blank_to_none));
    set(&mut g.branch, branch);
    let poll = spanned(
        source,
        "git.poll_interval",
        raw.poll_interval,
        parse_positive_duration,
    )?;
    set(&mut g.poll_interval, poll);
    set(
        &mut g.max_wait,
        spanned(
            source,
            "git.max_wait",
            raw.max_wait,
            parse_optional_duration,
        )?,
    );
    set(
        &mut g.lease,
        spanned(source, "git.lease", raw.lease, parse_positive_duration)?,
    );
    Ok(())
}

fn apply_autocommit(draft: &mut Draft, raw: RawAutocommit) {
    let a = &mut draft.config.autocommit;
    set(&mut a.reports, raw.reports);
    set(
        &mut a.report_extensions,
        raw.report_extensions.map(normalize_extensions),
    );
    set(&mut a.report_globs, raw.report_globs);
    set(&mut a.report_max_file_bytes, raw.report_max_file_bytes);
    set(&mut a.report_max_total_bytes, raw.report_max_total_bytes);
    set(&mut a.tracked_outputs, raw.tracked_outputs);
    set(&mut a.tracked_output_globs, raw.tracked_output_globs);
    set(
        &mut a.tracked_output_extensions,
        raw.tracked_output_extensions.map(normalize_extensions),
    );
    set(&mut a.tracked_max_file_bytes, raw.tracked_max_file_bytes);
    set(&mut a.tracked_max_total_bytes, raw.tracked_max_total_bytes);
    set(&mut a.doc_meta, raw.doc_meta);
    set(&mut a.doc_whitelist, raw.doc_whitelist);
    set(&mut a.doc_max_file_bytes, raw.doc_max_file_bytes);
    set(&mut a.include_ignored, raw.include_ignored);
    set(&mut a.work, raw.work);
    set(&mut a.everything, raw.everything);
    set(&mut a.tolerate_dirty, raw.tolerate_dirty);
    if raw.never.is_some() {
        draft.never = raw.never;
    }
}

/// Overwrites `slot` when the layer set a value.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Checks a value parsed without a span; errors point at the key.
fn checked<T>(
    source: &SourceFile,
    key: &str,
    value: Option<String>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    value
        .map(|v| parse(&v).map_err(|message| source.bad_key(key, &message)))
        .transpose()
}

/// Checks a spanned value; errors point at the value.
fn spanned<T>(
    source: &SourceFile,
    key: &str,
    value: Option<Spanned<String>>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    value
        .map(|v| parse(&v.value).map_err(|m| source.bad_value(v.referenced, key, &m)))
        .transpose()
}
