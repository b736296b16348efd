//! Validated configuration (`orchestration.yaml`, `docs/configuration.md`).
//!
//! Every key is declared once, in `keys.rs` (name, where its value goes and how it is checked,
//! default, description). `load` lays the layers over the defaults — the file, the `BATON_*`
//! environment, the flags — each read through that table (`layer.rs`), into a [`Config`] whose
//! paths are absolute and whose values are valid. Precedence everywhere: flag > environment >
//! YAML > default.
//!
//! Inside: `keys.rs` (the declarations), `layer.rs` (values checked and stored), `node.rs` and
//! `yaml.rs` (the file as a positioned tree, walked against the keys), `env.rs` and `flags.rs`
//! (the environment and flag layers), `draft.rs` (dependent defaults and value parsers),
//! `format.rs` (the output formats agents speak), `origin.rs` (where each value came from),
//! `show.rs` (every key's value in force), `source.rs` and `suggest.rs` (error positions and
//! "did you mean").

mod draft;
mod duration;
mod env;
mod flags;
mod format;
mod keys;
mod layer;
mod load;
mod node;
mod origin;
mod show;
mod source;
mod suggest;
mod template;
#[cfg(test)]
mod tests;
mod workflow;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::state::Actor;

pub use duration::{format_duration, parse_duration};
pub use load::{ConfigError, LoadOptions, Loaded, Overrides, load, load_from_str};
pub use origin::{Origin, Origins};
pub use show::{Setting, settings, variables};
pub use template::template;

pub(crate) use env::var_name;
pub(crate) use format::{Format, UnknownFormat};

/// The configuration file's name, searched upward from the working directory.
pub const CONFIG_FILE_NAME: &str = "orchestration.yaml";

/// How the router prompt's answer combines with the deterministic rule (`router.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RouterMode {
    /// Validate the deterministic choice first; a valid router answer replaces it.
    #[default]
    Default,
    /// Use the router answer when a router is configured, else the deterministic choice.
    First,
    /// Require a router answer; without a configured router the turn fails.
    Only,
}

impl RouterMode {
    /// The canonical name (`router_default`, `router_first`, `router_only`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RouterMode::Default => "router_default",
            RouterMode::First => "router_first",
            RouterMode::Only => "router_only",
        }
    }
}

impl FromStr for RouterMode {
    type Err = String;

    /// Accepts `router_default|router_first|router_only`, the aliases `default|first|only`, and
    /// `-` in place of `_`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        match norm.strip_prefix("router_").unwrap_or(&norm) {
            "default" => Ok(RouterMode::Default),
            "first" => Ok(RouterMode::First),
            "only" => Ok(RouterMode::Only),
            _ => Err(format!(
                "unknown router mode `{s}` (expected router_default, router_first or router_only)"
            )),
        }
    }
}

/// The three prompts of the deterministic rule (file names relative to `prompts_dir`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prompts {
    /// galph's prompt. Default: `supervisor.md`.
    pub supervisor: String,
    /// ralph's prompt. Default: `main.md`.
    pub main: String,
    /// The review prompt run on the review cadence. Default: `reviewer.md`.
    pub reviewer: String,
}

/// Router override settings (`router.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouterConfig {
    /// Run the router prompt on galph turns. Default: false.
    pub enabled: bool,
    /// The router prompt file; `None` when set to null or empty (no router configured).
    pub prompt: Option<String>,
    /// Default: [`RouterMode::Default`].
    pub mode: RouterMode,
    /// Prompts the router may choose. Default: galph's prompts (supervisor, reviewer).
    pub allowlist: Vec<String>,
}

/// Agent selection and limits (`agent.*`, with `--agent`, `--agent-role` and `--agent-prompt`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentConfig {
    /// Agent for every turn unless mapped (`--agent` flag > `BATON_AGENT_DEFAULT` > YAML >
    /// `claude`).
    pub default: String,
    /// `agent.roles` from the file: actor → agent name.
    pub roles: BTreeMap<Actor, String>,
    /// `agent.prompts` from the file: prompt file → agent name.
    pub prompts: BTreeMap<String, String>,
    /// `--agent-role R=A` flags (win over the file's maps).
    pub flag_roles: BTreeMap<Actor, String>,
    /// `--agent-prompt P=A` flags (win over everything).
    pub flag_prompts: BTreeMap<String, String>,
    /// `agent.commands`: agent name → argv; defines a custom agent or overrides a preset.
    pub commands: BTreeMap<String, Vec<String>>,
    /// `agent.formats`: agent name → what its stdout speaks (a custom agent or wrapper that
    /// prints Claude's stream-json, …).
    pub(crate) formats: BTreeMap<String, Format>,
    /// Wall-clock limit per turn; `None` = no limit.
    pub timeout: Option<Duration>,
    /// Silence after which a "still running" line is printed; `None` = off. Default: 10 s.
    pub heartbeat: Option<Duration>,
    /// End an agent that neither prints nor changes a file for this long (journalled
    /// `stalled`, retried once); `None` = never. Default: 30 min.
    pub idle_timeout: Option<Duration>,
    /// Reruns of a turn after a transient error (overloaded, 5xx, network). Default: 2.
    pub retries: u64,
    /// Wait before the first rerun, doubled for each next one. Default: 30 s.
    pub retry_backoff: Duration,
    /// Agent name → agents to run instead, in order, when it hits a usage limit.
    pub fallbacks: BTreeMap<String, Vec<String>>,
    /// Regular expressions over a text agent's last lines of output that make its turn fail
    /// even when it exits 0. Default: aider's API and authentication errors.
    pub fail_patterns: Vec<String>,
}

/// Role-mode git settings (`git.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitConfig {
    /// Remote name. Default: `origin`.
    pub remote: String,
    /// Branch; `None` = the current branch.
    pub branch: Option<String>,
    /// How often a waiting daemon checks the remote. Default: 1 s.
    pub poll_interval: Duration,
    /// Give up waiting for the other actor after this long; `None` = wait forever.
    pub max_wait: Option<Duration>,
    /// How long a running turn's lease is advertised. Default: 10 min.
    pub lease: Duration,
    /// The longest a read command (`status`, `watch`, `serve`) waits for one git command that
    /// talks to the remote (ls-remote, fetch) before it shows the last fetched view, marked
    /// stale. Default: 20 s.
    pub read_timeout: Duration,
}

/// What is committed after a turn (`autocommit.*`). Sizes are bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutocommitConfig {
    /// Commit reports at all. Default: true.
    pub reports: bool,
    /// Report extensions, with the dot (`.md`, `.txt`, …); empty = any extension (default).
    pub report_extensions: Vec<String>,
    /// Globs a report path must match; empty = any path. Default: `reports/**`.
    pub report_globs: Vec<String>,
    /// Per-file cap for reports. Default: 5 MiB.
    pub report_max_file_bytes: u64,
    /// Total cap for reports per turn. Default: 20 MiB.
    pub report_max_total_bytes: u64,
    /// Commit modified tracked outputs. Default: true.
    pub tracked_outputs: bool,
    /// Globs for tracked outputs. Default: `tests/fixtures/**`.
    pub tracked_output_globs: Vec<String>,
    /// Extensions for tracked outputs. Default: `.npy .npz .json .pkl`.
    pub tracked_output_extensions: Vec<String>,
    /// Per-file cap for tracked outputs. Default: 32 MiB.
    pub tracked_max_file_bytes: u64,
    /// Total cap for tracked outputs. Default: 100 MiB.
    pub tracked_max_total_bytes: u64,
    /// Commit whitelisted doc/meta paths. Default: true.
    pub doc_meta: bool,
    /// Doc/meta whitelist globs (`input.md`, `plans/**/*.md`, …).
    pub doc_whitelist: Vec<String>,
    /// Per-file cap for doc/meta paths. Default: 1 MiB.
    pub doc_max_file_bytes: u64,
    /// Path prefixes never committed (`logs/`, `tmp/`).
    pub never: Vec<String>,
    /// Ignored files (`.gitignore`) matching these globs may be committed (force-added) as
    /// reports; every other ignored file is never added. Default: none.
    pub include_ignored: Vec<String>,
    /// Commit what the engineer (ralph) changed during its turn and no step took, as
    /// `RALPH AUTO (prompt=…) (iter=…): work`. Default: true.
    pub work: bool,
    /// Commit whatever is still dirty after the steps, for both actors (`remaining changes`).
    /// Default: false.
    pub everything: bool,
    /// Let galph's turn pass when it leaves changes outside the rules (otherwise the turn
    /// fails, in every mode). Default: false.
    pub tolerate_dirty: bool,
}

/// Where budgets start counting (`budget.since`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Since {
    /// Turns of this iteration and later.
    Iteration(u64),
    /// Turns that ended at this UTC time or later (`YYYY-MM-DDTHH:MM:SSZ`).
    Time(String),
}

/// Limits on what a run may spend, counted from the journal (`budget.*`); `None` = no limit.
/// Reaching one stops the run cleanly at the next turn boundary (exit 3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BudgetConfig {
    /// Reported cost, in millionths of a US dollar (`budget.max_cost_usd: 12.5`).
    pub max_cost_micros: Option<u64>,
    /// Reported input + output tokens.
    pub max_tokens: Option<u64>,
    /// Turns.
    pub max_turns: Option<u64>,
    /// Sum of the turns' wall times.
    pub max_duration: Option<Duration>,
    /// Failed turns in a row (a circuit breaker): `failed`, `timeout` and `stalled` count.
    pub max_consecutive_failures: Option<u64>,
    /// Count from here; `None` = the whole journal.
    pub since: Option<Since>,
}

impl BudgetConfig {
    /// Whether any limit is set.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.max_cost_micros.is_some()
            || self.max_tokens.is_some()
            || self.max_turns.is_some()
            || self.max_duration.is_some()
            || self.max_consecutive_failures.is_some()
    }
}

/// The completion contract (`completion.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompletionConfig {
    /// The text a supervisor's final message ends with to declare the work done. Default:
    /// `<promise>COMPLETE</promise>`.
    pub promise: String,
    /// Commands (argv lists) that must all exit 0 for the claim to count; run in the
    /// workspace root, in order.
    pub verify: Vec<Vec<String>>,
    /// How long one verify command may run. Default: 10 min.
    pub verify_timeout: Duration,
}

/// Approval checkpoints (`approval.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApprovalConfig {
    /// Turns that wait for a person before they run: actor names (`ralph`, aliases too) or
    /// prompt names (`main.md`, matched against the deterministic router's choice).
    pub before: Vec<String>,
}

/// Stuck detection (`stuck.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StuckConfig {
    /// Stop after this many iterations in a row without progress; `None` = never.
    pub iterations: Option<u64>,
    /// A prompt galph runs once, on its next turn, before a stuck loop stops.
    pub escalate: Option<String>,
}

/// Usage limits (`limits.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LimitsConfig {
    /// The longest a usage limit is waited for at once (an unknown reset backs off 5 min,
    /// 15 min, 30 min, then hourly, up to this). Default: 24 h.
    pub max_wait: Duration,
}

/// Notifications (`notify.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotifyConfig {
    /// The argv run on each event; empty = no notifications.
    pub command: Vec<String>,
    /// How long one notification may run before it is ended. Default: 30 s.
    pub timeout: Duration,
}

/// Where the dashboard links a commit (`serve.commit_url`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CommitUrl {
    /// Derived from the remote's URL when it is a github.com, gitlab.com or bitbucket.org one
    /// (https or ssh); no links otherwise. The default.
    #[default]
    Derived,
    /// No links (`off`): short SHAs as text.
    Off,
    /// A template holding `{sha}` (replaced by the full SHA): an `http://` or `https://` URL.
    Template(String),
}

/// The dashboard (`serve.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServeConfig {
    /// Where a commit is linked to.
    pub commit_url: CommitUrl,
}

/// Paths and names the Python tool configured that agents may read (`input_file`, …).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CompatPaths {
    /// `input_file` (default `input.md`).
    pub input_file: Option<String>,
    /// `findings_file`.
    pub findings_file: Option<String>,
}

/// The validated configuration. All paths are absolute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The workspace root: the directory holding `orchestration.yaml` (or the working directory
    /// when there is none). Agents run here.
    pub root: PathBuf,
    /// The configuration file that was read, if any.
    pub file: Option<PathBuf>,
    /// Where prompt files live.
    pub prompts_dir: PathBuf,
    /// The shared state file.
    pub state_file: PathBuf,
    /// The turn journal.
    pub journal_file: PathBuf,
    /// Per-turn logs.
    pub logs_dir: PathBuf,
    /// Scratch directory (`tmp_dir`), never auto-committed.
    pub tmp_dir: PathBuf,
    /// The actors' prompts.
    pub prompts: Prompts,
    /// Review cadence in iterations; 0 = never.
    pub review_every_n: u64,
    /// Router override settings.
    pub router: RouterConfig,
    /// Agent settings.
    pub agent: AgentConfig,
    /// Role-mode git settings.
    pub git: GitConfig,
    /// Auto-commit rules.
    pub autocommit: AutocommitConfig,
    /// Spending limits.
    pub budget: BudgetConfig,
    /// Usage limits.
    pub limits: LimitsConfig,
    /// The completion contract.
    pub completion: CompletionConfig,
    /// Stuck detection.
    pub stuck: StuckConfig,
    /// Approval checkpoints.
    pub approval: ApprovalConfig,
    /// Notifications.
    pub notify: NotifyConfig,
    /// The actors and the order of their turns (`actors:`, `workflow.*`): the default pair's
    /// graph unless configured.
    pub workflow: crate::workflow::Workflow,
    /// Where the supervisor writes tasks for workers (`workflow.tasks_dir`).
    pub tasks_dir: PathBuf,
    /// The dashboard.
    pub serve: ServeConfig,
    /// Compatibility paths of the Python tool.
    pub compat: CompatPaths,
}

impl Config {
    /// Every key at its default for a workspace rooted at `root` (absolute), as if
    /// `orchestration.yaml` were missing and no environment or flag applied.
    #[must_use]
    pub fn defaults(root: &Path) -> Config {
        draft::Draft::new(root.to_path_buf())
            .finish()
            .unwrap_or_else(|_| Config::default())
    }

    /// The absolute path of prompt file `name` (relative to `prompts_dir`).
    #[must_use]
    pub fn prompt_path(&self, name: &str) -> PathBuf {
        self.prompts_dir.join(name)
    }

    /// `path` relative to the workspace root, with `/` separators, when it lies inside it.
    #[must_use]
    pub fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    }
}
