//! Loading: upward search, YAML parse with positions, environment and flag overlays, validation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::draft::Draft;
use crate::config::env::apply_env;
use crate::config::flags::apply_flags;
use crate::config::{CONFIG_FILE_NAME, Config, Origin, Origins, RouterMode, yaml};
use crate::state::Actor;
use crate::workflow::Pos;

/// Command-line values that win over the environment and the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--agent A`: replaces `agent.default`.
    pub agent: Option<String>,
    /// `--agent-role R=A,..`.
    pub agent_roles: Vec<(Actor, String)>,
    /// `--agent-prompt P=A,..`.
    pub agent_prompts: Vec<(String, String)>,
    /// `--use-router` (true) / `--no-router` (false).
    pub use_router: Option<bool>,
    /// `--router-prompt P`.
    pub router_prompt: Option<String>,
    /// `--router-mode M`.
    pub router_mode: Option<RouterMode>,
    /// `--review-every-n N`.
    pub review_every_n: Option<u64>,
    /// `--timeout DUR`.
    pub timeout: Option<Duration>,
    /// `--branch B`.
    pub branch: Option<String>,
    /// `--poll-interval DUR`.
    pub poll_interval: Option<Duration>,
    /// `--max-wait DUR`.
    pub max_wait: Option<Duration>,
}

/// Where to look and what to lay over the file.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Directory the upward search for `orchestration.yaml` starts from.
    pub cwd: PathBuf,
    /// `--config FILE`: use this file instead of searching (it must exist).
    pub config_file: Option<PathBuf>,
    /// The process environment (only `BATON_*` keys are read), passed in for testability.
    pub env: BTreeMap<String, String>,
    /// Flag values.
    pub overrides: Overrides,
}

/// A loaded configuration plus the warnings met on the way (deprecated or meaningless keys)
/// and where each setting came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The validated configuration.
    pub config: Config,
    /// One line each, e.g. ``orchestration.yaml:4:1: key `spec_bootstrap` has no meaning …``.
    pub warnings: Vec<String>,
    /// Where each key (and, from the file, each entry and item) came from.
    pub origins: Origins,
}

/// Why a configuration could not be loaded. Always a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("read config file `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
    /// A syntax error, unknown key, wrong type or bad value at a known position.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// What is wrong, naming the key (and "did you mean `…`?" for a misspelt key).
        message: String,
    },
    /// A bad value from a `BATON_*` environment variable.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// A bad value from a command-line flag.
    #[error("flag {flag}: {message}")]
    Flag {
        /// The flag.
        flag: String,
        /// What is wrong.
        message: String,
    },
    /// A workflow that cannot run (`actors:`, `workflow.*`, or an actor named elsewhere that is
    /// not declared): where (`file:line:col`, or the variable), what, and what to do.
    #[error("{at}: {message}")]
    Workflow {
        /// `file:line:col`, `environment variable V`, `flag F`, or the key.
        at: String,
        /// What is wrong, naming the actor or step.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// A setting that cannot be used, with nothing written to point at (a default).
    #[error("{message}")]
    Setting {
        /// What is wrong, naming the key.
        message: String,
    },
}

/// Finds, reads and validates the configuration.
///
/// # Errors
/// [`ConfigError`] naming file, line, column and key for any unknown key, wrong type or bad value.
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let cwd = std::path::absolute(&opts.cwd).unwrap_or_else(|_| opts.cwd.clone());
    let file = match &opts.config_file {
        Some(file) => Some(cwd.join(file)),
        None => find_upward(&cwd),
    };
    let Some(file) = file else {
        return finish(Draft::new(cwd), Vec::new(), opts);
    };
    let text = crate::fsutil::read_regular(&file)
        .and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })
        .map_err(|source| ConfigError::Read {
            path: file.clone(),
            source,
        })?;
    load_from_str(&text, &file, opts)
}

/// Loads a configuration from `text` as if read from `path` (the root is `path`'s directory);
/// `opts.cwd` and `opts.config_file` are not used.
///
/// # Errors
/// As [`load`], except that nothing is read from disk.
pub fn load_from_str(text: &str, path: &Path, opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut draft = Draft::new(root);
    draft.config.file = Some(path.to_path_buf());
    let warnings = yaml::apply(&mut draft, text, path)?;
    finish(draft, warnings, opts)
}

/// The nearest `orchestration.yaml` in `dir` or one of its ancestors.
fn find_upward(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(CONFIG_FILE_NAME))
        // Any kind of file: one that is not a regular file is refused when read, by name.
        .find(|candidate| candidate.symlink_metadata().is_ok())
}

/// Lays the environment and the flags over the file's values and resolves the result.
fn finish(
    mut draft: Draft,
    warnings: Vec<String>,
    opts: &LoadOptions,
) -> Result<Loaded, ConfigError> {
    apply_env(&mut draft, &opts.env).map_err(|(var, message)| ConfigError::Env { var, message })?;
    apply_flags(&mut draft, &opts.overrides)?;
    let origins = std::mem::take(&mut draft.origins);
    let named = std::mem::take(&mut draft.named_actors);
    let config = draft
        .finish()
        .map_err(|(at, message)| workflow_error(&origins, at, message, String::new()))?;
    for (actor, at, key) in named {
        if config.workflow.has(actor) {
            continue;
        }
        let message = format!(
            "{key}: unknown actor `{actor}` (expected {}, or declare it under `actors:`)",
            config
                .workflow
                .actors
                .keys()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Err(match origins.of(key) {
            Origin::File { path, .. } => ConfigError::Invalid {
                path,
                line: at.line(),
                column: at.column(),
                message,
            },
            other => other.error(message),
        });
    }
    if let Some(actor) = config
        .agent
        .flag_roles
        .keys()
        .find(|a| !config.workflow.has(**a))
    {
        return Err(ConfigError::Flag {
            flag: "--agent-role".to_owned(),
            message: format!("unknown actor `{actor}`: declare it under `actors:`"),
        });
    }
    crate::workflow::check(&config.workflow)
        .map_err(|e| workflow_error(&origins, e.at, e.message, e.hint))?;
    crate::config::workflow::check_named_actors(&config).map_err(|(path, message, hint)| {
        workflow_error(&origins, Pos::default(), message, hint).at_path(&origins, &path)
    })?;
    Ok(Loaded {
        config,
        warnings,
        origins,
    })
}

/// A [`ConfigError::Workflow`] at `at`: a position in the file when the key it is under was
/// read from the file, else where that key came from.
fn workflow_error(origins: &Origins, at: Pos, message: String, hint: String) -> ConfigError {
    let place = match origins.of(at.key) {
        Origin::File { path, line, column } if at.line > 0 => {
            let _ = (line, column);
            format!("{}:{}:{}", path.display(), at.line, at.column)
        }
        Origin::File { path, line, column } => format!("{}:{line}:{column}", path.display()),
        Origin::Env(var) => format!("environment variable {var}"),
        Origin::Flag(flag) => format!("flag {flag}"),
        Origin::Default if at.key.is_empty() => "workflow".to_owned(),
        Origin::Default => format!("`{}`", at.key),
    };
    ConfigError::Workflow {
        at: place,
        message,
        hint,
    }
}

impl ConfigError {
    /// A workflow error moved to where `path` (a key, entry or item) was written.
    fn at_path(self, origins: &Origins, path: &str) -> ConfigError {
        match self {
            ConfigError::Workflow { message, hint, .. } => ConfigError::Workflow {
                at: origins.of(path).to_string(),
                message,
                hint,
            },
            other => other,
        }
    }
}
