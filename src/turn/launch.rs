//! Routing a turn and running its agent (the router prompt first, for galph, when enabled).
//!
//! [`prepare`] runs before the claim and finds what can be known without running anything (a
//! missing prompt file, an unknown agent, `router_only` without a router prompt): those are
//! usage errors and nothing is written. [`route_and_run`] runs after the claim; its failures are
//! stamped.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::agent::{self, AgentChoice};
use crate::error::Error;
use crate::executor::{self, RunResult, RunSpec};
use crate::journal::Usage;
use crate::router::{self, Decision, RouterError, RouterStep};
use crate::state::{Actor, State, format_utc};
use crate::turn::failure::TurnFailure;
use crate::turn::finish::Turn;
use crate::turn::{Failure, Session};
use crate::turn::{completion, workers};

/// Bytes of router stdout kept in memory; the contract is one short line.
const ROUTER_CAPTURE_BYTES: usize = 64 * 1024;

/// Journal lines a supervisor's prompt looks back through for what workers did not land
/// since its last turn.
const REPORT_LOOKBACK: usize = 32;

/// How the turn's prompt is chosen, checked before the claim.
#[derive(Clone, Debug)]
pub(crate) enum Route {
    /// The prompt is known (its file exists, its agent resolves).
    Decided(Decision),
    /// The router prompt `prompt` chooses; `deterministic` names the turn until it has.
    Router {
        /// The deterministic decision (validated first in `router_default`).
        deterministic: Decision,
        /// The router prompt file (it exists, its agent resolves).
        prompt: String,
    },
}

/// A turn whose agent did its turn.
#[derive(Debug)]
pub(crate) struct Launched {
    pub(crate) decision: Decision,
    pub(crate) agent: AgentChoice,
    pub(crate) log: PathBuf,
    pub(crate) receipt: Receipt,
}

/// What the agent runs of a turn reported and how many there were (the journal's `usage` and
/// `attempts`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Receipt {
    /// The usage the last run reported.
    pub(crate) usage: Usage,
    /// Agent runs made for the turn.
    pub(crate) attempts: u32,
    /// The agent's final message (the completion promise is looked for at its end).
    pub(crate) final_message: Option<String>,
    /// The tasks its workers ran, when the turn ran workers (see [`crate::turn::workers`]).
    pub(crate) tasks: Vec<crate::journal::TaskRun>,
    /// What was wrong with task files (not run; the supervisor is told).
    pub(crate) task_problems: Vec<String>,
}

/// Checks, before anything is written, that `actor`'s turn can be routed and run; `escalation`
/// is a prompt the run chose for it instead of routing (a stuck loop's `stuck.escalate`).
///
/// # Errors
/// A usage error (exit 2): a missing prompt file, an agent that cannot be resolved, or
/// `router_only` without a router prompt.
pub(crate) fn prepare(
    runner: &Session,
    state: &State,
    actor: Actor,
    escalation: Option<String>,
) -> Result<Route, Error> {
    let config = &runner.config;
    let det = router::deterministic(state, config, actor);
    let usable = |prompt: &str, what: &str| -> Result<(), Error> {
        agent::prompt::check(&config.prompt_path(prompt), what)?;
        agent::resolve(config, actor, prompt)?;
        Ok(())
    };
    if let Some(prompt) = escalation {
        usable(&prompt, "stuck.escalate prompt")?;
        return Ok(Route::Decided(Decision {
            prompt,
            source: router::Source::Deterministic,
            reason: "stuck: escalation before the run stops".to_owned(),
        }));
    }
    match router::router_step(config, actor) {
        RouterStep::Deterministic => {
            usable(&det.prompt, "prompt file")?;
            Ok(Route::Decided(det))
        }
        RouterStep::Fail => Err(Error::from(RouterError::NotConfigured)
            .with_hint("set router.prompt, or another router.mode")),
        RouterStep::RunRouter {
            check_deterministic,
        } => {
            if check_deterministic {
                usable(&det.prompt, "prompt file")?;
            }
            let prompt = config
                .router
                .prompt
                .clone()
                .ok_or(RouterError::NotConfigured)?;
            usable(&prompt, "router prompt")?;
            Ok(Route::Router {
                deterministic: det,
                prompt,
            })
        }
    }
}

/// Routes the turn and runs its agent.
pub(crate) fn route_and_run(
    runner: &Session,
    turn: &Turn,
    route: Route,
) -> Result<Launched, Box<Failure>> {
    launch(runner, turn, route).map_err(|mut failure| {
        // Ctrl-C during the router prompt (or any step) ends the run as interrupted, 130/143.
        if let Some(signal) = crate::executor::received_signal() {
            failure.failure = TurnFailure::Interrupted(signal);
        }
        failure
    })
}

fn launch(runner: &Session, turn: &Turn, route: Route) -> Result<Launched, Box<Failure>> {
    let decision = match route {
        Route::Decided(decision) => decision,
        Route::Router {
            deterministic,
            prompt,
        } => decide_by_router(runner, turn, &prompt)
            .map_err(|e| failed(deterministic, TurnFailure::Router(e)))?,
    };
    runner.events.emit(&crate::events::Event::Routed {
        actor: turn.actor,
        iteration: turn.iteration,
        prompt: &decision.prompt,
        source: decision.source.as_str(),
        reason: &decision.reason,
    });
    let agent = match agent::resolve(&runner.config, turn.actor, &decision.prompt) {
        Ok(agent) => agent,
        Err(e) => return Err(failed(decision, e.into())),
    };
    match crate::turn::workers::planned(runner, turn.actor) {
        Ok(Some(batch)) => crate::turn::workers::run(runner, turn, decision, agent, batch),
        Ok(None) => crate::turn::attempts::run(runner, turn, decision, agent),
        Err(e) => Err(failed(
            decision,
            TurnFailure::Start(format!("read the tasks: {e:#}")),
        )),
    }
}

/// Runs the router prompt through the agent galph would use for it and validates its answer.
fn decide_by_router(runner: &Session, turn: &Turn, prompt: &str) -> Result<Decision, RouterError> {
    let config = &runner.config;
    let agent = agent::resolve(config, Actor::GALPH, prompt)
        .map_err(|e| RouterError::AgentFailed(e.to_string()))?;
    let (result, _log) = run_prompt(runner, turn, prompt, &agent, Some(ROUTER_CAPTURE_BYTES))
        .map_err(|f| RouterError::AgentFailed(f.to_string()))?;
    if let Some(failure) = TurnFailure::of_run(&result, config.agent.timeout, None) {
        return Err(RouterError::AgentFailed(failure.to_string()));
    }
    let stdout = result.stdout.unwrap_or_default();
    let answer = String::from_utf8_lossy(&stdout);
    info_line!(runner.events, "[router] answer: {}", answer.trim());
    router::accept_output(&answer, config, |name| config.prompt_path(name).is_file())
}

/// Runs `prompt` through `agent`, streaming into a fresh turn log.
pub(crate) fn run_prompt(
    runner: &Session,
    turn: &Turn,
    prompt: &str,
    agent: &AgentChoice,
    capture: Option<usize>,
) -> Result<(RunResult, PathBuf), TurnFailure> {
    let config = &runner.config;
    let prompt_file = config.prompt_path(prompt);
    let log = log_path(runner, turn, prompt);
    let mut stdin = crate::fsutil::read_regular(&prompt_file)
        .map_err(|e| TurnFailure::Start(format!("read prompt `{}`: {e}", prompt_file.display())))?;
    // A prompt the router chose, or one emptied since the turn was prepared: no agent is fed
    // nothing (see `agent::prompt`).
    if agent::prompt::is_blank(&stdin) {
        return Err(TurnFailure::Start(format!(
            "prompt `{}` is empty",
            prompt_file.display()
        )));
    }
    let path_text = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let rejected = runner.journal.tail(1).ok().and_then(|last| {
        last.last()
            .and_then(|e| completion::rejection(e, &config.root))
    });
    let mut env = vec![
        ("BATON_ACTOR".to_owned(), turn.actor.as_str().to_owned()),
        ("BATON_ITERATION".to_owned(), turn.iteration.to_string()),
        ("BATON_PROMPT".to_owned(), prompt.to_owned()),
        ("BATON_PROMPT_FILE".to_owned(), path_text(&prompt_file)),
        ("BATON_LOG".to_owned(), path_text(&log)),
        ("BATON_STATE_FILE".to_owned(), path_text(&config.state_file)),
    ];
    env.extend(turn.env.iter().cloned());
    if let Some((note, log)) = rejected {
        stdin.extend_from_slice(note.as_bytes());
        env.push(("BATON_VERIFY_LOG".to_owned(), path_text(&log)));
    }
    // People's notes go with the turn's own prompt (never with the router's).
    if capture.is_none() && !turn.notes.is_empty() {
        stdin.extend_from_slice(super::notes::prompt_part(&turn.notes).as_bytes());
        env.push((
            "BATON_NOTE".to_owned(),
            super::notes::env_value(&turn.notes),
        ));
    }
    if let Some(worker) = &turn.worker {
        if let Some(assigned) = &worker.assigned {
            stdin.extend_from_slice(workers::task_prompt(worker, assigned).as_bytes());
            env.push(("BATON_TASK".to_owned(), assigned.task.id.clone()));
            env.push(("BATON_TASK_FILE".to_owned(), path_text(&assigned.file)));
        }
        env.push(("BATON_WORKER".to_owned(), worker.name.clone()));
    } else if capture.is_none()
        && runner.graph.kind(turn.actor) == crate::state::ActorKind::Supervisor
        && let Some(report) = runner
            .journal
            .tail(REPORT_LOOKBACK)
            .ok()
            .and_then(|recent| workers::supervisor_report(&recent, turn.actor))
    {
        stdin.extend_from_slice(workers::report_prompt(&report).as_bytes());
        env.push(("BATON_CONFLICTS".to_owned(), report));
    }
    let spec = RunSpec {
        argv: agent.argv.clone(),
        stdin,
        cwd: config.root.clone(),
        env,
        log_path: log.clone(),
        timeout: config.agent.timeout,
        heartbeat: config.agent.heartbeat,
        format: agent.format,
        idle_timeout: config.agent.idle_timeout,
        echo: runner.options.echo,
        capture_stdout: capture,
        label: format!("{} {prompt} ({})", turn.actor, agent.name),
        run_dir: Some(runner.run_dir().to_path_buf()),
        events: runner.events.clone(),
    };
    runner.events.emit(&crate::events::Event::AgentStarted {
        actor: turn.actor,
        iteration: turn.iteration,
        prompt,
        agent: &agent.name,
        rule: &agent.rule,
        log: &log,
    });
    let result = if turn.worker.is_some() {
        executor::run_beside(&spec)
    } else {
        executor::run(&spec)
    };
    let result = result.map_err(|e| TurnFailure::Start(format!("{:#}", anyhow::Error::new(e))))?;
    Ok((result, log))
}

/// `logs/<branch>/<actor>/iter-<NNNNN>_<YYYYmmddTHHMMSS>_<prompt stem>.log`, made unique; a
/// worker's is `logs/<shared branch>/<worker>/iter-…_<prompt stem>-<task>.log`.
pub(crate) fn log_path(runner: &Session, turn: &Turn, prompt: &str) -> PathBuf {
    let stamp: String = format_utc(SystemTime::now())
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    let stamp = stamp.trim_end_matches('Z');
    let stem = std::path::Path::new(prompt).file_stem().map_or_else(
        || prompt.to_owned(),
        |s| s.to_string_lossy().replace(['/', '\\'], "-"),
    );
    let logs_dir = &runner.config.logs_dir;
    let (label, who, stem) = match &turn.worker {
        Some(w) => (
            w.logs_label.clone(),
            w.name.as_str(),
            w.task_id()
                .map_or_else(|| stem.clone(), |id| format!("{stem}-{id}")),
        ),
        None => (runner.branch_label(), turn.actor.as_str(), stem),
    };
    let dir = logs_dir.join(label).join(who);
    // The logs directory tree is Baton's: made of real directories, so that no log is written
    // through a symlink an agent planted in it (the executor guards the file itself).
    match crate::fsutil::dir_in_tree(logs_dir, &dir) {
        Ok(made) => {
            for replaced in made.replaced {
                warn_line!(runner.events, "[baton] warning: {replaced}");
            }
        }
        Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "turn log directory"),
    }
    let base = format!("iter-{:05}_{stamp}_{stem}", turn.iteration);
    let mut path = dir.join(format!("{base}.log"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{base}-{n}.log"));
        n += 1;
    }
    path
}

/// A failure of the turn named by `decision`, with no agent or log yet.
pub(crate) fn failed(decision: Decision, failure: TurnFailure) -> Box<Failure> {
    Box::new(Failure {
        decision,
        failure,
        exit_code: None,
        agent: String::new(),
        log: None,
        receipt: Receipt::default(),
    })
}
