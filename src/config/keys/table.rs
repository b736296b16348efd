//! The table of every configuration key (see the parent module), in the order documented in
//! `docs/configuration.md`; the Python tool's keys last.

use super::{Key, Slot};

const fn key(name: &'static str, slot: Slot, default: &'static [&'static str]) -> Key {
    Key {
        name,
        slot,
        default,
        compat_for: None,
        doc: "",
        example: None,
    }
}

const fn compat(name: &'static str, slot: Slot, new: &'static str) -> Key {
    Key {
        name,
        slot,
        default: &[],
        compat_for: Some(new),
        doc: "",
        example: None,
    }
}

/// Every key, in the order documented; compatibility keys last.
pub(in crate::config) const KEYS: &[Key] = &[
    key(
        "prompts_dir",
        Slot::Path(|d| &mut d.config.prompts_dir),
        &["prompts"],
    )
    .doc("where prompt files live"),
    key(
        "state_file",
        Slot::Path(|d| &mut d.config.state_file),
        &["sync/state.json"],
    )
    .doc("the shared state, committed in role mode"),
    key(
        "journal_file",
        Slot::Path(|d| &mut d.config.journal_file),
        &["sync/journal.jsonl"],
    )
    .doc("one JSON line per finished turn"),
    key(
        "logs_dir",
        Slot::Path(|d| &mut d.config.logs_dir),
        &["logs"],
    )
    .doc("per-turn logs and the event log (keep it git-ignored)"),
    key("tmp_dir", Slot::Path(|d| &mut d.config.tmp_dir), &["tmp"])
    .doc("scratch directory, never auto-committed"),
    key(
        "prompts.supervisor",
        Slot::Name(|d| &mut d.config.prompts.supervisor),
        &["supervisor.md"],
    )
    .doc("galph's prompt"),
    key(
        "prompts.main",
        Slot::Name(|d| &mut d.config.prompts.main),
        &["main.md"],
    )
    .doc("ralph's prompt"),
    key(
        "prompts.reviewer",
        Slot::Name(|d| &mut d.config.prompts.reviewer),
        &["reviewer.md"],
    )
    .doc("the review prompt, run on the review cadence"),
    key(
        "review_every_n",
        Slot::Count(|d| &mut d.config.review_every_n),
        &["0"],
    )
    .doc("review cadence in iterations; 0 = never (with 2: S M | R M | S M ...)"),
    key(
        "router.enabled",
        Slot::Flag(|d| &mut d.config.router.enabled),
        &["false"],
    )
    .doc("true = run the router prompt on galph turns"),
    key(
        "router.prompt",
        Slot::MaybeName(|d| &mut d.config.router.prompt),
        &["router.md"],
    )
    .doc("its answer: one line naming an allowlisted prompt; \"\" = no router"),
    key(
        "router.mode",
        Slot::Mode(|d| &mut d.config.router.mode),
        &["router_default"],
    )
    .doc("router_default | router_first | router_only (aliases default, first, only)"),
    key(
        "router.allowlist",
        Slot::LateList(|d| &mut d.allowlist),
        &[],
    )
    .doc("default: galph's prompts (supervisor, reviewer); the prompts the router may choose")
    .example("[supervisor.md, reviewer.md]"),
    key("actors", Slot::ActorDefs(|d| &mut d.graph.actors), &[])
        .doc("actors besides galph and ralph: name -> {kind, prompt, agent} (docs/workflows.md)")
        .example("{sec: {kind: reviewer, prompt: review-security.md}}"),
    key("workflow.start", Slot::Start(|d| &mut d.graph.start), &[])
        .doc("default: galph; the actor each iteration starts with")
        .example("galph"),
    key("workflow.steps", Slot::Steps(|d| &mut d.graph.steps), &[])
        .doc("default: galph -> ralph -> end; the order of turns (docs/workflows.md)")
        .example("[{from: galph, to: ralph}, {from: ralph, to: end}]"),
    key("workflow.workers", Slot::Workers(|d| &mut d.graph.workers), &[])
        .doc("actor -> the most turns of it at once, each in its own worktree")
        .example("{ralph: 4}"),
    key(
        "workflow.tasks_dir",
        Slot::Path(|d| &mut d.config.tasks_dir),
        &["tasks"],
    )
    .doc("where the supervisor writes tasks for workers, one file each"),
    key(
        "agent.default",
        Slot::Name(|d| &mut d.config.agent.default),
        &["claude"],
    )
    .doc("the agent of every turn unless mapped below"),
    key(
        "agent.roles",
        Slot::Actors(|d| &mut d.config.agent.roles),
        &[],
    )
    .doc("actor -> agent; actors galph (alias supervisor), ralph (alias loop)")
    .example("{galph: claude, ralph: codex}"),
    key(
        "agent.prompts",
        Slot::Names(|d| &mut d.config.agent.prompts),
        &[],
    )
    .doc("prompt file -> agent; wins over roles")
    .example("{reviewer.md: gemini}"),
    key(
        "agent.commands",
        Slot::Argvs(|d| &mut d.config.agent.commands),
        &[],
    )
    .doc("agent name -> argv, program first (no shell: [sh, -c, \"...\"] for one); defines an agent or overrides a preset")
    .example("{my-agent: [my-agent, --yes], claude: [claude, -p, --model, sonnet]}"),
    key(
        "agent.formats",
        Slot::Formats(|d| &mut d.config.agent.formats),
        &[],
    )
    .doc("agent name -> what its stdout speaks: text, claude-stream-json, codex-json, gemini-stream-json, opencode-json")
    .example("{my-agent: claude-stream-json}"),
    key(
        "agent.timeout",
        Slot::Limit(|d| &mut d.config.agent.timeout),
        &["2h"],
    )
    .doc("wall-clock limit per turn (the turn fails); 0 = none"),
    key(
        "agent.heartbeat",
        Slot::Limit(|d| &mut d.config.agent.heartbeat),
        &["10s"],
    )
    .doc("a \"still running\" line after this much silence; 0 = off"),
    key(
        "agent.idle_timeout",
        Slot::Limit(|d| &mut d.config.agent.idle_timeout),
        &["30m"],
    )
    .doc("no output and no file change for this long: stalled, run once more; 0 = never"),
    key(
        "agent.retries",
        Slot::Count(|d| &mut d.config.agent.retries),
        &["2"],
    )
    .doc("reruns after a transient error (overloaded, 5xx, network)"),
    key(
        "agent.retry_backoff",
        Slot::Period(|d| &mut d.config.agent.retry_backoff),
        &["30s"],
    )
    .doc("wait before the first rerun, doubled for each next one"),
    key(
        "agent.fallbacks",
        Slot::Chains(|d| &mut d.config.agent.fallbacks),
        &[],
    )
    .doc("agent -> agents to run instead, in order, when it hits a usage limit")
    .example("{claude: [codex], codex: [claude]}"),
    key(
        "agent.fail_patterns",
        Slot::Patterns(|d| &mut d.config.agent.fail_patterns),
        AIDER_FAILURES,
    )
    .doc("regular expressions over a text agent's last lines that fail its turn even when it exits 0 (aider's API and authentication errors)"),
    key(
        "limits.max_wait",
        Slot::Period(|d| &mut d.config.limits.max_wait),
        &["24h"],
    )
    .doc("the longest one usage-limit wait"),
    key(
        "completion.promise",
        Slot::Name(|d| &mut d.config.completion.promise),
        &["<promise>COMPLETE</promise>"],
    )
    .doc("what the supervisor's final message ends with to declare the work done"),
    key(
        "completion.verify",
        Slot::Commands(|d| &mut d.config.completion.verify),
        &[],
    )
    .doc("default: none; argv lists that must all exit 0 for the claim to count")
    .example("[[cargo, test], [sh, -c, \"make lint\"]]"),
    key(
        "completion.verify_timeout",
        Slot::Period(|d| &mut d.config.completion.verify_timeout),
        &["10m"],
    )
    .doc("how long one verify command may run"),
    key(
        "approval.before",
        Slot::List(|d| &mut d.config.approval.before),
        &[],
    )
    .doc("turns that wait for baton approve: actor names ([ralph]) or prompt names ([main.md])"),
    key(
        "stuck.iterations",
        Slot::MaybeCount(|d| &mut d.config.stuck.iterations),
        &[],
    )
    .doc("default: none; stop (exit 4) after this many iterations without progress")
    .example("4"),
    key(
        "stuck.escalate",
        Slot::MaybeName(|d| &mut d.config.stuck.escalate),
        &[],
    )
    .doc("default: none; a prompt galph runs once before a stuck loop stops")
    .example("reviewer.md"),
    key(
        "git.remote",
        Slot::Name(|d| &mut d.config.git.remote),
        &["origin"],
    )
    .doc("the remote that hands the turn over"),
    key(
        "git.branch",
        Slot::MaybeName(|d| &mut d.config.git.branch),
        &[],
    )
    .doc("default: the current branch; the branch both actors use")
    .example("main"),
    key(
        "git.poll_interval",
        Slot::Period(|d| &mut d.config.git.poll_interval),
        &["1s"],
    )
    .doc("how often a waiting daemon checks the remote"),
    key(
        "git.max_wait",
        Slot::Limit(|d| &mut d.config.git.max_wait),
        &[],
    )
    .doc("default: none; give up waiting for the peer (exit 1)")
    .example("2h"),
    key(
        "git.lease",
        Slot::Period(|d| &mut d.config.git.lease),
        &["10m"],
    )
    .doc("the lease a running turn advertises"),
    key(
        "git.read_timeout",
        Slot::Period(|d| &mut d.config.git.read_timeout),
        &["20s"],
    )
    .doc("the longest status, watch and serve wait for one ls-remote or fetch"),
    key(
        "autocommit.reports",
        Slot::Flag(|d| &mut d.config.autocommit.reports),
        &["true"],
    )
    .doc("1. commit reports"),
    key(
        "autocommit.report_extensions",
        Slot::Extensions(|d| &mut d.config.autocommit.report_extensions),
        &[],
    )
    .doc("[] = any extension"),
    key(
        "autocommit.report_globs",
        Slot::List(|d| &mut d.config.autocommit.report_globs),
        &["reports/**"],
    )
    .doc("reports: new or modified files under these; [] = anywhere"),
    key(
        "autocommit.report_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.report_max_file_bytes),
        &["5242880"],
    )
    .doc("larger reports are skipped (5 MiB)"),
    key(
        "autocommit.report_max_total_bytes",
        Slot::Count(|d| &mut d.config.autocommit.report_max_total_bytes),
        &["20971520"],
    )
    .doc("cap per turn (20 MiB)"),
    key(
        "autocommit.tracked_outputs",
        Slot::Flag(|d| &mut d.config.autocommit.tracked_outputs),
        &["true"],
    )
    .doc("2. commit modified tracked outputs"),
    key(
        "autocommit.tracked_output_globs",
        Slot::List(|d| &mut d.config.autocommit.tracked_output_globs),
        &["tests/fixtures/**"],
    )
    .doc("tracked outputs: modified tracked files under these..."),
    key(
        "autocommit.tracked_output_extensions",
        Slot::Extensions(|d| &mut d.config.autocommit.tracked_output_extensions),
        &[".npy", ".npz", ".json", ".pkl"],
    )
    .doc("...with these extensions"),
    key(
        "autocommit.tracked_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.tracked_max_file_bytes),
        &["33554432"],
    )
    .doc("per-file cap (32 MiB)"),
    key(
        "autocommit.tracked_max_total_bytes",
        Slot::Count(|d| &mut d.config.autocommit.tracked_max_total_bytes),
        &["104857600"],
    )
    .doc("cap per turn (100 MiB)"),
    key(
        "autocommit.doc_meta",
        Slot::Flag(|d| &mut d.config.autocommit.doc_meta),
        &["true"],
    )
    .doc("3. commit the dirty paths the whitelist matches"),
    key(
        "autocommit.doc_whitelist",
        Slot::List(|d| &mut d.config.autocommit.doc_whitelist),
        DOC_WHITELIST,
    )
    .doc("doc/meta paths"),
    key(
        "autocommit.doc_max_file_bytes",
        Slot::Count(|d| &mut d.config.autocommit.doc_max_file_bytes),
        &["1048576"],
    )
    .doc("per-file cap (1 MiB)"),
    key("autocommit.never", Slot::LateList(|d| &mut d.never), &[])
    .doc("default: the logs and tmp directories; path prefixes never committed")
    .example("[logs/, tmp/]"),
    key(
        "autocommit.include_ignored",
        Slot::List(|d| &mut d.config.autocommit.include_ignored),
        &[],
    )
    .doc("ignored files matching these may be committed as reports"),
    key(
        "autocommit.work",
        Slot::Flag(|d| &mut d.config.autocommit.work),
        &["true"],
    )
    .doc("4. commit what ralph changed during its turn (\"work\")"),
    key(
        "autocommit.everything",
        Slot::Flag(|d| &mut d.config.autocommit.everything),
        &["false"],
    )
    .doc("true = also commit whatever remains (\"remaining changes\")"),
    key(
        "autocommit.tolerate_dirty",
        Slot::Flag(|d| &mut d.config.autocommit.tolerate_dirty),
        &["false"],
    )
    .doc("let galph's turn pass when it changed files outside these rules"),
    key(
        "budget.max_cost_usd",
        Slot::Money(|d| &mut d.config.budget.max_cost_micros),
        &[],
    )
    .doc("default: none; the US dollars the agents reported")
    .example("40"),
    key(
        "budget.max_tokens",
        Slot::MaybeCount(|d| &mut d.config.budget.max_tokens),
        &[],
    )
    .doc("default: none; the input + output tokens the agents reported")
    .example("5000000"),
    key(
        "budget.max_turns",
        Slot::MaybeCount(|d| &mut d.config.budget.max_turns),
        &[],
    )
    .doc("default: none; turns")
    .example("200"),
    key(
        "budget.max_duration",
        Slot::Limit(|d| &mut d.config.budget.max_duration),
        &[],
    )
    .doc("default: none; the sum of the turns' wall times")
    .example("8h"),
    key(
        "budget.max_consecutive_failures",
        Slot::MaybeCount(|d| &mut d.config.budget.max_consecutive_failures),
        &[],
    )
    .doc("default: none; failed turns in a row (a circuit breaker)")
    .example("3"),
    key(
        "budget.since",
        Slot::Since(|d| &mut d.config.budget.since),
        &[],
    )
    .doc("default: the whole journal; count from this iteration or UTC time on")
    .example("40"),
    key(
        "notify.command",
        Slot::List(|d| &mut d.config.notify.command),
        &[],
    )
    .doc("an argv run on each event (failed, stalled, limited, budget, complete, stuck, approval); [] = none")
    .example("[sh, -c, 'curl -s -d \"$BATON_EVENT: $BATON_MESSAGE\" ntfy.sh/my-topic']"),
    key(
        "notify.timeout",
        Slot::Period(|d| &mut d.config.notify.timeout),
        &["30s"],
    )
    .doc("how long one notification may run"),
    key(
        "serve.commit_url",
        Slot::CommitUrl(|d| &mut d.config.serve.commit_url),
        &[],
    )
    .doc("default: derived from a GitHub, GitLab or Bitbucket remote; `off`: no links")
    .example("'https://git.example.com/you/repo/commit/{sha}'"),
    key(
        "input_file",
        Slot::MaybeName(|d| &mut d.config.compat.input_file),
        &["input.md"],
    )
    .doc("the supervisor's instruction file"),
    key(
        "findings_file",
        Slot::MaybeName(|d| &mut d.config.compat.findings_file),
        &[],
    )
    .doc("default: none; where reviews record findings")
    .example("docs/findings.md"),
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
