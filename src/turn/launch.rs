//! Routing a turn and running its agent (the router prompt first, for galph, when enabled).

use std::path::PathBuf;
use std::time::SystemTime;

use crate::agent::{self, AgentChoice};
use crate::error::Exit;
use crate::executor::{self, RunResult, RunSpec};
use crate::journal::Outcome;
use crate::router::{self, Decision, RouterError, RouterStep};
use crate::state::{Actor, State, format_utc};
use crate::turn::finish::Turn;
use crate::turn::{Failure, Runner};

/// Bytes of router stdout kept in memory; the contract is one short line.
const ROUTER_CAPTURE_BYTES: usize = 64 * 1024;

/// A turn whose agent ran and exited 0.
#[derive(Debug)]
pub(crate) struct Launched {
    pub(crate) decision: Decision,
    pub(crate) agent: AgentChoice,
    pub(crate) log: PathBuf,
}

/// Routes the turn and runs its agent.
pub(crate) fn route_and_run(
    runner: &Runner,
    turn: &Turn,
    state: &State,
) -> Result<Launched, Box<Failure>> {
    launch(runner, turn, state).map_err(|mut failure| {
        // Ctrl-C during the router prompt (or any step) ends the run as interrupted, 130/143.
        if let Some(signal) = crate::executor::received_signal() {
            failure.exit = Exit::Interrupted(signal);
            failure.outcome = Outcome::Interrupted;
            failure.text = "interrupted".to_owned();
        }
        failure
    })
}

fn launch(runner: &Runner, turn: &Turn, state: &State) -> Result<Launched, Box<Failure>> {
    let decision = route(runner, turn, state)?;
    println!("{}", decision.log_line(turn.iteration, turn.actor));
    let agent = agent::resolve(&runner.config, turn.actor, &decision.prompt)
        .map_err(|e| usage_failure(&decision, e.to_string()))?;
    let (result, log) = run_prompt(runner, turn, &decision.prompt, &agent, None).map_err(|f| {
        Box::new(Failure {
            decision: decision.clone(),
            ..*f
        })
    })?;
    match agent_failure(runner, &result) {
        None => Ok(Launched {
            decision,
            agent,
            log,
        }),
        Some((text, outcome, exit)) => Err(Box::new(Failure {
            decision,
            text,
            outcome,
            exit,
            exit_code: result.exit_code,
            agent: agent.name,
            log: Some(log),
        })),
    }
}

/// Decides the prompt, running the router prompt when the config asks for it.
fn route(runner: &Runner, turn: &Turn, state: &State) -> Result<Decision, Box<Failure>> {
    let config = &runner.config;
    let det = router::deterministic(state, config, turn.actor);
    let exists = |name: &str| config.prompt_path(name).is_file();
    let check = |d: &Decision| {
        if exists(&d.prompt) {
            Ok(())
        } else {
            let path = config.prompt_path(&d.prompt);
            Err(usage_failure(
                d,
                format!("prompt file `{}` not found", path.display()),
            ))
        }
    };
    match router::router_step(config, turn.actor) {
        RouterStep::Deterministic => check(&det).map(|()| det),
        RouterStep::Fail => Err(router_failure(&det, &RouterError::NotConfigured)),
        RouterStep::RunRouter {
            check_deterministic,
        } => {
            if check_deterministic {
                check(&det)?;
            }
            let answer = run_router(runner, turn).map_err(|e| router_failure(&det, &e))?;
            println!("[router] answer: {}", answer.trim());
            router::accept_output(&answer, config, exists).map_err(|e| router_failure(&det, &e))
        }
    }
}

/// Runs the router prompt through the agent galph would use for it; returns its stdout.
fn run_router(runner: &Runner, turn: &Turn) -> Result<String, RouterError> {
    let config = &runner.config;
    let prompt = config
        .router
        .prompt
        .clone()
        .ok_or(RouterError::NotConfigured)?;
    if !config.prompt_path(&prompt).is_file() {
        return Err(RouterError::AgentFailed(format!(
            "router prompt `{prompt}` not found"
        )));
    }
    let agent = agent::resolve(config, Actor::Galph, &prompt)
        .map_err(|e| RouterError::AgentFailed(e.to_string()))?;
    let (result, _log) = run_prompt(runner, turn, &prompt, &agent, Some(ROUTER_CAPTURE_BYTES))
        .map_err(|f| RouterError::AgentFailed(f.text))?;
    if let Some(text) = result.error_text(config.agent.timeout) {
        return Err(RouterError::AgentFailed(text));
    }
    let stdout = result.stdout.unwrap_or_default();
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

/// Runs `prompt` through `agent`, streaming into a fresh turn log.
fn run_prompt(
    runner: &Runner,
    turn: &Turn,
    prompt: &str,
    agent: &AgentChoice,
    capture: Option<usize>,
) -> Result<(RunResult, PathBuf), Box<Failure>> {
    let config = &runner.config;
    let prompt_file = config.prompt_path(prompt);
    let log = log_path(runner, turn, prompt);
    let fail = |text: String| {
        let placeholder = Decision {
            prompt: prompt.to_owned(),
            source: router::Source::Deterministic,
            reason: String::new(),
        };
        Box::new(Failure {
            agent: agent.name.clone(),
            log: Some(log.clone()),
            ..failed(placeholder, text)
        })
    };
    let stdin = std::fs::read(&prompt_file)
        .map_err(|e| fail(format!("read prompt `{}`: {e}", prompt_file.display())))?;
    let path_text = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let env = vec![
        ("BATON_ACTOR".to_owned(), turn.actor.as_str().to_owned()),
        ("BATON_ITERATION".to_owned(), turn.iteration.to_string()),
        ("BATON_PROMPT".to_owned(), prompt.to_owned()),
        ("BATON_PROMPT_FILE".to_owned(), path_text(&prompt_file)),
        ("BATON_LOG".to_owned(), path_text(&log)),
        ("BATON_STATE_FILE".to_owned(), path_text(&config.state_file)),
    ];
    println!(
        "[turn] {} runs {prompt} with agent {} ({})",
        turn.actor, agent.name, agent.rule
    );
    let spec = RunSpec {
        argv: agent.argv.clone(),
        stdin,
        cwd: config.root.clone(),
        env,
        log_path: log.clone(),
        timeout: config.agent.timeout,
        heartbeat: config.agent.heartbeat,
        echo: runner.options.echo,
        capture_stdout: capture,
        label: format!("{} {prompt} ({})", turn.actor, agent.name),
    };
    let result = executor::run(&spec).map_err(|e| fail(format!("{:#}", anyhow::Error::new(e))))?;
    Ok((result, log))
}

/// `logs/<branch>/<actor>/iter-<NNNNN>_<YYYYmmddTHHMMSS>_<prompt stem>.log`, made unique.
fn log_path(runner: &Runner, turn: &Turn, prompt: &str) -> PathBuf {
    let stamp: String = format_utc(SystemTime::now())
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    let stamp = stamp.trim_end_matches('Z');
    let stem = std::path::Path::new(prompt).file_stem().map_or_else(
        || prompt.to_owned(),
        |s| s.to_string_lossy().replace(['/', '\\'], "-"),
    );
    let dir = runner
        .config
        .logs_dir
        .join(runner.branch_label())
        .join(turn.actor.as_str());
    let base = format!("iter-{:05}_{stamp}_{stem}", turn.iteration);
    let mut path = dir.join(format!("{base}.log"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{base}-{n}.log"));
        n += 1;
    }
    path
}

/// The failure fields for an agent that ran but did not succeed; `None` when it succeeded.
fn agent_failure(runner: &Runner, result: &RunResult) -> Option<(String, Outcome, Exit)> {
    let text = result.error_text(runner.config.agent.timeout)?;
    let exit = match (result.outcome, result.interrupted_by) {
        (Outcome::Interrupted, Some(sig)) => Exit::Interrupted(sig),
        _ => Exit::TurnFailed(text.clone()),
    };
    Some((text, result.outcome, exit))
}

/// A failure with defaults: outcome failed, exit 1, no agent.
pub(crate) fn failed(decision: Decision, text: String) -> Failure {
    Failure {
        decision,
        exit: Exit::TurnFailed(text.clone()),
        text,
        outcome: Outcome::Failed,
        exit_code: None,
        agent: String::new(),
        log: None,
    }
}

fn usage_failure(decision: &Decision, text: String) -> Box<Failure> {
    Box::new(Failure {
        exit: Exit::Usage(text.clone()),
        ..failed(decision.clone(), text)
    })
}

fn router_failure(decision: &Decision, err: &RouterError) -> Box<Failure> {
    usage_failure(decision, format!("router: {err}"))
}
