//! What Baton's fast paths must still get right: a text agent's output is read only at its end
//! (its last lines), yet what those lines say decides the turn as before.

use crate::common::TestEnv;

/// 200,000 lines of 80 bytes, then what the test wants last, from ralph's stub agent.
fn lines_then(env: &TestEnv, last: &str) {
    let line = "x".repeat(79);
    env.hook(
        "ralph",
        &format!("yes {line} | head -n 200000\nprintf '%s' '{last}'\n"),
    );
}

#[test]
fn the_last_lines_of_a_long_text_stream_still_decide_the_turn() {
    let env = TestEnv::with_config("  fail_patterns: ['^AuthenticationError']\n");
    lines_then(
        &env,
        "AuthenticationError: invalid x-api-key\n\n   \nretrying is pointless\nbye",
    );
    let run = env.baton(&["run", "-q", "--iterations", "1"]);
    run.expect_code(1);
    let state = env.state();
    assert!(
        state["last_error"].as_str().is_some_and(
            |e| e.contains("agent.fail_patterns: AuthenticationError: invalid x-api-key")
        ),
        "{state:#}"
    );
    let journal = env.journal();
    let log = env.read(journal[1]["log"].as_str().expect("log"));
    assert_eq!(
        log.lines().filter(|l| l.len() == 79).count(),
        200_000,
        "the turn log has every line"
    );
}

#[test]
fn a_line_too_long_to_read_decides_nothing() {
    // Longer than the 4 KiB a text line may have to be read (docs/agents.md).
    let long = format!("AuthenticationError: {}", "y".repeat(5000));
    let env = TestEnv::with_config("  fail_patterns: ['^AuthenticationError']\n");
    lines_then(&env, &format!("{long}\n"));
    env.baton(&["run", "-q", "--iterations", "1"])
        .expect_code(0);
    assert_eq!(env.journal()[1]["outcome"], "ok");
}
