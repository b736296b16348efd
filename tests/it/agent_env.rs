//! Fake agent CLIs for the agent tests: a workspace whose agent is a preset (`claude`, `codex`,
//! `gemini`, `opencode`, `aider`) found on `PATH` in `<ctl>/bin`, where the test puts a script of
//! that name speaking the CLI's format (`tests/fixtures/agents/*`, each citing its source).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::{Run, TestEnv};

/// A fake CLI `name` in `<ctl>/bin`: each call reads the prompt, then prints `first.out` on its
/// first call and `rest.out` after, and exits with `first.code` / 0.
pub(crate) fn fake_cli(env: &TestEnv, name: &str, first: &str, first_code: i32, rest: &str) {
    std::fs::write(env.ctl.join("first.out"), first).expect("write");
    std::fs::write(env.ctl.join("rest.out"), rest).expect("write");
    let script = format!(
        "#!/bin/sh\ncat > /dev/null\nn=$(cat \"$TEST_CTL/n\" 2>/dev/null || echo 0)\nn=$((n+1))\n\
         echo $n > \"$TEST_CTL/n\"\nif [ $n -eq 1 ]; then cat \"$TEST_CTL/first.out\"; exit {first_code}; fi\n\
         cat \"$TEST_CTL/rest.out\"\n"
    );
    crate::common::write_script(&env.ctl.join("bin"), name, &script);
}

/// A fake CLI `name` in `<ctl>/bin` that runs the shell `body` (after `#!/bin/sh`).
pub(crate) fn fake_script(env: &TestEnv, name: &str, body: &str) {
    crate::common::write_script(&env.ctl.join("bin"), name, &format!("#!/bin/sh\n{body}"));
}

/// Writes `text` to `<ctl>/<name>` (an output for a fake CLI to `cat`).
pub(crate) fn output(env: &TestEnv, name: &str, text: &str) {
    std::fs::write(env.ctl.join(name), text).expect("write output");
}

/// A workspace whose agent is the preset `agent` (found on PATH in `<ctl>/bin`); `extra` is
/// YAML for the `agent:` section. The promise is one no agent makes unless `completion` is
/// given (the claude fixture's final message makes the default one).
pub(crate) fn workspace(agent: &str, extra: &str) -> TestEnv {
    workspace_with(
        agent,
        &format!("  retry_backoff: 100ms\n{extra}"),
        "completion:\n  promise: <not-made>\n",
    )
}

/// A workspace whose agent is the preset `agent`, with `extra` in the `agent:` section (no
/// `retry_backoff` of the tests' own) and `tail` (top-level YAML) after it.
pub(crate) fn workspace_with(agent: &str, extra: &str, tail: &str) -> TestEnv {
    let env = TestEnv::bare();
    env.write(
        "orchestration.yaml",
        &format!("agent:\n  default: {agent}\n  heartbeat: 1s\n{extra}{tail}"),
    );
    env.commit_all("init");
    env
}

/// Runs baton in `env` with `<ctl>/bin` first on `PATH`.
pub(crate) fn baton(env: &TestEnv, args: &[&str]) -> Run {
    Run::from(
        baton_cmd(env, args)
            .output()
            .expect("run baton with fake CLIs"),
    )
}

/// The baton command of [`baton`], not started.
pub(crate) fn baton_cmd(env: &TestEnv, args: &[&str]) -> std::process::Command {
    let path = format!(
        "{}:{}",
        env.ctl.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = env.baton_cmd(args);
    cmd.env("PATH", path);
    cmd
}

/// Seconds since the epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// The journal's outcomes, `<actor> <outcome>` each, oldest first.
pub(crate) fn outcomes(env: &TestEnv) -> Vec<String> {
    env.journal()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["actor"].as_str().unwrap_or(""),
                e["outcome"].as_str().unwrap_or("")
            )
        })
        .collect()
}
