//! The flag layer: each command-line value that sets a configuration key is laid over the draft
//! through the same declared key and check as the file and the environment (`layer.rs`); the
//! dispatch flags `--agent-role` / `--agent-prompt` are not keys and are kept apart. Flags are
//! applied last and always win.

use crate::config::draft::Draft;
use crate::config::keys;
use crate::config::layer::{Input, set};
use crate::config::{ConfigError, Origin, Overrides, format_duration};

/// The keys the flags of `overrides` set, with their values as text and the flag's name.
fn settings(flags: &Overrides) -> Vec<(&'static str, &'static str, String)> {
    let duration = |d: std::time::Duration| format_duration(d);
    [
        ("agent.default", "--agent", flags.agent.clone()),
        (
            "router.enabled",
            "--use-router/--no-router",
            flags.use_router.map(|b| b.to_string()),
        ),
        (
            "router.prompt",
            "--router-prompt",
            flags.router_prompt.clone(),
        ),
        (
            "router.mode",
            "--router-mode",
            flags.router_mode.map(|m| m.as_str().to_owned()),
        ),
        (
            "review_every_n",
            "--review-every-n",
            flags.review_every_n.map(|n| n.to_string()),
        ),
        ("agent.timeout", "--timeout", flags.timeout.map(duration)),
        ("git.branch", "--branch", flags.branch.clone()),
        (
            "git.poll_interval",
            "--poll-interval",
            flags.poll_interval.map(duration),
        ),
        ("git.max_wait", "--max-wait", flags.max_wait.map(duration)),
    ]
    .into_iter()
    .filter_map(|(key, flag, value)| Some((key, flag, value?)))
    .collect()
}

/// Lays the command-line values over `draft`. A zero `--timeout` or `--max-wait` means none.
///
/// # Errors
/// [`ConfigError::Flag`] naming the flag with a bad value (an empty `--agent`).
pub(super) fn apply_flags(draft: &mut Draft, flags: &Overrides) -> Result<(), ConfigError> {
    let c = &mut draft.config;
    c.agent.flag_roles.extend(flags.agent_roles.iter().cloned());
    c.agent
        .flag_prompts
        .extend(flags.agent_prompts.iter().cloned());
    for (name, flag, value) in settings(flags) {
        let key = keys::find(name).ok_or_else(|| ConfigError::Flag {
            flag: flag.to_owned(),
            message: format!("sets the undeclared key `{name}`"),
        })?;
        set(draft, key, &Input::Text(vec![value])).map_err(|bad| ConfigError::Flag {
            flag: flag.to_owned(),
            message: bad.message,
        })?;
        draft.origins.set(name, Origin::Flag(flag.to_owned()));
    }
    Ok(())
}
