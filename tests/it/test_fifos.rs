//! A FIFO where Baton reads or appends (left by an agent, which can write anything in the
//! workspace): opening one blocks until its other end opens, so each of these wedged a run or
//! a reader before. Now the file is refused with its name and kind, or skipped with a
//! warning, and left as it was.

use crate::common::TestEnv;
use crate::role_env::Daemon;

/// Makes `rel` (under the workspace) a FIFO.
fn mkfifo(env: &TestEnv, rel: &str) {
    let path = env.path(rel);
    let _ = std::fs::remove_file(&path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o644)).expect("mkfifo");
}

/// Whether `rel` is still a FIFO.
fn is_fifo(env: &TestEnv, rel: &str) -> bool {
    std::fs::symlink_metadata(env.path(rel))
        .is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type()))
}

/// An agent can leave anything in `logs/`: a FIFO where the event log goes would block the
/// next run in `open` (and a reader in `watch`). The run goes on without the event log, says
/// why, and leaves the FIFO alone; `watch` reads around it.
#[test]
fn a_fifo_at_the_event_log_blocks_neither_a_run_nor_watch() {
    let env = TestEnv::new();
    mkfifo(&env, "logs/events.jsonl");
    let run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl).wait(60);
    run.expect_code(0);
    assert!(
        run.stderr.contains("event log") && run.stderr.contains("FIFO"),
        "{}",
        run.stderr
    );
    assert_eq!(env.journal().len(), 2, "the turns ran");
    let watch = Daemon::spawn(env.baton_cmd(&["watch", "--once"]), &env.ctl).wait(60);
    watch.expect_code(0);
    assert!(watch.stdout.contains("stamped:"), "{}", watch.stdout);
    assert!(is_fifo(&env, "logs/events.jsonl"), "left as it was");
}

/// An agent that swaps the journal for a FIFO wedges nothing: the stamp puts the journal back
/// as it was before the turn (Baton owns it), saying so. One left between runs stops the next
/// run (exit 2, naming the file), and `status` and `watch`, which read the journal, say so
/// instead of waiting for a writer.
#[test]
fn a_journal_swapped_for_a_fifo_blocks_nothing() {
    let env = TestEnv::new();
    env.hook(
        "ralph",
        "rm -f sync/journal.jsonl && mkfifo sync/journal.jsonl\n",
    );
    let run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl).wait(60);
    run.expect_code(0);
    assert!(
        run.stderr.contains("journal.jsonl replaced by a FIFO"),
        "{}",
        run.stderr
    );
    assert!(!is_fifo(&env, "sync/journal.jsonl"));
    assert_eq!(env.journal().len(), 2);

    mkfifo(&env, "sync/journal.jsonl");
    let run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl).wait(60);
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(
        output.contains("journal.jsonl") && output.contains("FIFO"),
        "{output}"
    );
    assert_ne!(run.code, Some(0), "{output}");
    for args in [&["status", "--no-fetch"][..], &["watch", "--once"]] {
        let read = Daemon::spawn(env.baton_cmd(args), &env.ctl).wait(60);
        let output = format!("{}{}", read.stdout, read.stderr);
        assert!(output.contains("FIFO"), "`baton {args:?}`: {output}");
    }
}

/// An agent that swaps the state file for a FIFO: the owned-state check after its turn reads
/// it without waiting, says what it found, and the stamp's atomic write puts the state back.
#[test]
fn a_state_file_swapped_for_a_fifo_by_an_agent_blocks_nothing() {
    let env = TestEnv::new();
    env.hook("ralph", "rm -f sync/state.json && mkfifo sync/state.json\n");
    let run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl).wait(60);
    run.expect_code(0);
    assert!(
        run.stderr.contains("state.json") && run.stderr.contains("FIFO"),
        "{}",
        run.stderr
    );
    assert!(!is_fifo(&env, "sync/state.json"));
    assert_eq!(env.state()["iteration"], 2);
}

/// A prompt file that became a FIFO stops the run before the turn that would read it (exit
/// 2, naming the file); auto-commit leaves it out (git cannot commit a FIFO; libgit2 blocked
/// for ever opening it to hash it).
#[test]
fn a_prompt_swapped_for_a_fifo_fails_its_turn() {
    let env = TestEnv::new();
    // An untracked one too (a test helper's leftover, say): status may list it, nothing opens it.
    env.hook(
        "ralph",
        "rm -f prompts/supervisor.md && mkfifo prompts/supervisor.md pipe\n",
    );
    let run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "2"]), &env.ctl).wait(60);
    let output = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, Some(2), "{output}");
    assert!(
        output.contains("prompts/supervisor.md` is not a regular file (it is a FIFO)"),
        "{output}"
    );
    assert!(is_fifo(&env, "prompts/supervisor.md"));
}

/// A configuration file that is a FIFO is refused at start (exit 2), naming it.
#[test]
fn a_fifo_configuration_file_is_refused() {
    let env = TestEnv::new();
    mkfifo(&env, "orchestration.yaml");
    let run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "1"]), &env.ctl).wait(60);
    let output = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, Some(2), "{output}");
    assert!(
        output.contains("orchestration.yaml") && output.contains("FIFO"),
        "{output}"
    );
    assert!(env.calls().is_empty(), "nothing ran");
}

/// An agent that swaps its own turn log for a FIFO: `baton logs` says so instead of waiting.
#[test]
fn a_turn_log_swapped_for_a_fifo_is_refused_by_logs() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let log = env.journal()[1]["log"].as_str().expect("log").to_owned();
    mkfifo(&env, &log);
    let logs = Daemon::spawn(env.baton_cmd(&["logs", "--actor", "ralph"]), &env.ctl).wait(60);
    let output = format!("{}{}", logs.stdout, logs.stderr);
    assert_ne!(logs.code, Some(0), "{output}");
    assert!(output.contains("FIFO"), "{output}");
}
