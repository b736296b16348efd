//! The table of every configuration key (see the parent module), in the order documented in
//! `docs/configuration.md`; the Python tool's keys last.

use super::{Key, Slot};

const fn key(name: &'static str, slot: Slot, default: &'static [&'static str]) -> Key {
    Key {
        name,
        slot,
        default,
        compat_for: None,
    }
}

const fn compat(name: &'static str, slot: Slot, new: &'static str) -> Key {
    Key {
        name,
        slot,
        default: &[],
        compat_for: Some(new),
    }
}

/// Every key, in the order documented; compatibility keys last.
pub(in crate::config) const KEYS: &[Key] = &[
    key(
        "prompts_dir",
        Slot::Path(|d| &mut d.config.prompts_dir),
        &["prompts"],
    ),
    key(
        "state_file",
        Slot::Path(|d| &mut d.config.state_file),
        &["sync/state.json"],
    ),
    key(
        "journal_file",
        Slot::Path(|d| &mut d.config.journal_file),
        &["sync/journal.jsonl"],
    ),
    key(
        "logs_dir",
        Slot::Path(|d| &mut d.config.logs_dir),
        &["logs"],
    ),
    key("tmp_dir", Slot::Path(|d| &mut d.config.tmp_dir), &["tmp"]),
    key(
        "prompts.supervisor",
        Slot::Name(|d| &mut d.config.prompts.supervisor),
        &["supervisor.md"],
    ),
    key(
        "prompts.main",
        Slot::Name(|d| &mut d.config.prompts.main),
        &["main.md"],
    ),
    key(
        "prompts.reviewer",
        Slot::Name(|d| &mut d.config.prompts.reviewer),
        &["reviewer.md"],
    ),
    key(
        "review_every_n",
        Slot::Count(|d| &mut d.config.review_every_n),
        &["0"],
    ),
    key(
        "router.enabled",
        Slot::Flag(|d| &mut d.config.router.enabled),
        &["false"],
    ),
    key(
        "router.prompt",
        Slot::MaybeName(|d| &mut d.config.router.prompt),
        &["router.md"],
    ),
    key(
        "router.mode",
        Slot::Mode(|d| &mut d.config.router.mode),
        &["router_default"],
    ),
    key(
        "router.allowlist",
        Slot::LateList(|d| &mut d.allowlist),
        &[],
    ),
    key(
        "agent.default",
        Slot::Name(|d| &mut d.config.agent.default),
        &["claude"],
    ),
    key(
        "agent.roles",
        Slot::Actors(|d| &mut d.config.agent.roles),
        &[],
    ),
    key(
        "agent.prompts",
        Slot::Names(|d| &mut d.config.agent.prompts),
        &[],
    ),
    key(
        "agent.commands",
        Slot::Argvs(|d| &mut d.config.agent.commands),
        &[],
    ),
    key(
        "agent.formats",
        Slot::Formats(|d| &mut d.config.agent.formats),
        &[],
    ),
    key(
        "agent.timeout",
        Slot::Limit(|d| &mut d.config.agent.timeout),
        &["2h"],
    ),
    key(
        "agent.heartbeat",
        Slot::Limit(|d| &mut d.config.agent.heartbeat),
        &["10s"],
    ),
    key(
        "agent.idle_timeout",
        Slot::Limit(|d| &mut d.config.agent.idle_timeout),
        &["30m"],
    ),
    key(
        "agent.retries",
        Slot::Count(|d| &mut d.config.agent.retries),
        &["2"],
    ),
    key(
        "agent.retry_backoff",
        Slot::Period(|d| &mut d.config.agent.retry_backoff),
        &["30s"],
    ),
    key(
        "agent.fallbacks",
        Slot::Chains(|d| &mut d.config.agent.fallbacks),
        &[],
    ),
    key(
        "agent.fail_patterns",
        Slot::Patterns(|d| &mut d.config.agent.fail_patterns),
        AIDER_FAILURES,
    ),
    key(
        "limits.max_wait",
        Slot::Period(|d| &mut d.config.limits.max_wait),
        &["24h"],
    ),
    key(
        "completion.promise",
        Slot::Name(|d| &mut d.config.completion.promise),
        &["<promise>COMPLETE</promise>"],
    ),
    key(
        "completion.verify",
        Slot::Commands(|d| &mut d.config.completion.verify),
        &[],
    ),
    key(
        "completion.verify_timeout",
        Slot::Period(|d| &mut d.config.completion.verify_timeout),
        &["10m"],
    ),
    key(
        "approval.before",
        Slot::List(|d| &mut d.config.approval.before),
        &[],
    ),
    key(
        "stuck.iterations",
        Slot::MaybeCount(|d| &mut d.config.stuck.iterations),
        &[],
    ),
    key(
        "stuck.escalate",
        Slot::MaybeName(|d| &mut d.config.stuck.escalate),
        &[],
    ),
    key(
        "git.remote",
        Slot::Name(|d| &mut d.config.git.remote),
        &["origin"],
    ),
    key(
        "git.branch",
        Slot::MaybeName(|d| &mut d.config.git.branch),
        &[],
    ),
    key(
        "git.poll_interval",
        Slot::Period(|d| &mut d.config.git.poll_interval),
        &["1s"],
    ),
    key(
        "git.max_wait",
        Slot::Limit(|d| &mut d.config.git.max_wait),
        &[],
    ),
    key(
        "git.lease",
        Slot::Period(|d| &mut d.config.git.lease),
        &["10m"],
    ),
    key(
        "git.read_timeout",
        Slot::Period(|d| &mut d.config.git.read_timeout),
        &["20s"],
    ),
    key(
        "autocommit.reports",
        Slot::Flag(|d| &mut d.config.autocommit.reports),
        &["true"],
    ),
    key(
        "autocommit.report_extensions",
        Slot::Extensions(|d| &mut d.config.autocommit.report_extensions),
        &[],
    ),
    key(
        "autocommit.report_globs",
        Slot::List(|d| &mut d.config.autocommit.report_globs),
        &["reports/**"],
    ),
    key(
        "autocommit.report_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.report_max_file_bytes),
        &["5242880"],
    ),
    key(
        "autocommit.report_max_total_bytes",
        Slot::Count(|d| &mut d.config.autocommit.report_max_total_bytes),
        &["20971520"],
    ),
    key(
        "autocommit.tracked_outputs",
        Slot::Flag(|d| &mut d.config.autocommit.tracked_outputs),
        &["true"],
    ),
    key(
        "autocommit.tracked_output_globs",
        Slot::List(|d| &mut d.config.autocommit.tracked_output_globs),
        &["tests/fixtures/**"],
    ),
    key(
        "autocommit.tracked_output_extensions",
        Slot::Extensions(|d| &mut d.config.autocommit.tracked_output_extensions),
        &[".npy", ".npz", ".json", ".pkl"],
    ),
    key(
        "autocommit.tracked_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.tracked_max_file_bytes),
        &["33554432"],
    ),
    key(
        "autocommit.tracked_max_total_bytes",
        Slot::Count(|d| &mut d.config.autocommit.tracked_max_total_bytes),
        &["104857600"],
    ),
    key(
        "autocommit.doc_meta",
        Slot::Flag(|d| &mut d.config.autocommit.doc_meta),
        &["true"],
    ),
    key(
        "autocommit.doc_whitelist",
        Slot::List(|d| &mut d.config.autocommit.doc_whitelist),
        DOC_WHITELIST,
    ),
    key(
        "autocommit.doc_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.doc_max_file_bytes),
        &["1048576"],
    ),
    key("autocommit.never", Slot::LateList(|d| &mut d.never), &[]),
    key(
        "autocommit.include_ignored",
        Slot::List(|d| &mut d.config.autocommit.include_ignored),
        &[],
    ),
    key(
        "autocommit.work",
        Slot::Flag(|d| &mut d.config.autocommit.work),
        &["true"],
    ),
    key(
        "autocommit.everything",
        Slot::Flag(|d| &mut d.config.autocommit.everything),
        &["false"],
    ),
    key(
        "autocommit.tolerate_dirty",
        Slot::Flag(|d| &mut d.config.autocommit.tolerate_dirty),
        &["false"],
    ),
    key(
        "budget.max_cost_usd",
        Slot::Money(|d| &mut d.config.budget.max_cost_micros),
        &[],
    ),
    key(
        "budget.max_tokens",
        Slot::MaybeCount(|d| &mut d.config.budget.max_tokens),
        &[],
    ),
    key(
        "budget.max_turns",
        Slot::MaybeCount(|d| &mut d.config.budget.max_turns),
        &[],
    ),
    key(
        "budget.max_duration",
        Slot::Limit(|d| &mut d.config.budget.max_duration),
        &[],
    ),
    key(
        "budget.max_consecutive_failures",
        Slot::MaybeCount(|d| &mut d.config.budget.max_consecutive_failures),
        &[],
    ),
    key(
        "budget.since",
        Slot::Since(|d| &mut d.config.budget.since),
        &[],
    ),
    key(
        "notify.command",
        Slot::List(|d| &mut d.config.notify.command),
        &[],
    ),
    key(
        "notify.timeout",
        Slot::Period(|d| &mut d.config.notify.timeout),
        &["30s"],
    ),
    key(
        "serve.commit_url",
        Slot::CommitUrl(|d| &mut d.config.serve.commit_url),
        &[],
    ),
    key(
        "input_file",
        Slot::MaybeName(|d| &mut d.config.compat.input_file),
        &["input.md"],
    ),
    key(
        "findings_file",
        Slot::MaybeName(|d| &mut d.config.compat.findings_file),
        &[],
    ),
    // The Python tool's keys, applied before the new ones so that a new key wins.
    compat(
        "supervisor_prompt",
        Slot::Name(|d| &mut d.config.prompts.supervisor),
        "prompts.supervisor",
    ),
    compat(
        "main_prompt",
        Slot::Name(|d| &mut d.config.prompts.main),
        "prompts.main",
    ),
    compat(
        "reviewer_prompt",
        Slot::Name(|d| &mut d.config.prompts.reviewer),
        "prompts.reviewer",
    ),
    compat(
        "workflow.review_every_n",
        Slot::Count(|d| &mut d.config.review_every_n),
        "review_every_n",
    ),
    compat(
        "router.review_every_n",
        Slot::Count(|d| &mut d.config.review_every_n),
        "review_every_n",
    ),
    compat(
        "doc_whitelist",
        Slot::List(|d| &mut d.config.autocommit.doc_whitelist),
        "autocommit.doc_whitelist",
    ),
    compat(
        "tracked_output_globs",
        Slot::List(|d| &mut d.config.autocommit.tracked_output_globs),
        "autocommit.tracked_output_globs",
    ),
    compat(
        "tracked_output_extensions",
        Slot::Extensions(|d| &mut d.config.autocommit.tracked_output_extensions),
        "autocommit.tracked_output_extensions",
    ),
    // The Python tool's reports were files with these extensions anywhere in the tree.
    compat(
        "report_extensions",
        Slot::ReportsAnywhere,
        "autocommit.report_extensions",
    ),
    compat("spec_bootstrap", Slot::Meaningless, ""),
    compat("workflow.name", Slot::Meaningless, ""),
];

/// aider's API and authentication errors: aider prints them and exits 0 (its explanations
/// are in Aider-AI/aider `aider/exceptions.py`).
const AIDER_FAILURES: &[&str] = &[
    r"^litellm\.(AuthenticationError|PermissionDeniedError|NotFoundError|BadRequestError)\b",
    r"The API provider is not able to authenticate you",
    r"^Model .* not found",
];

/// The default doc/meta whitelist.
const DOC_WHITELIST: &[&str] = &[
    "input.md",
    "galph_memory.md",
    "docs/fix_plan.md",
    "plans/**/*.md",
    "prompts/**/*.md",
    ".gitignore",
    ".gitmodules",
    ".gitattributes",
];
