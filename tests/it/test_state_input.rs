//! The state file's smaller input holes: each is refused by `run` and `check` with exit 2, a
//! message naming file, position and key, the file untouched and nothing run. And the Python
//! tool's own final state is read.

use crate::common::TestEnv;
use crate::role_env::Daemon;

/// `baton run` and `baton check` both refuse `text` as the state file with exit 2, naming
/// `expected`; the file stays byte-identical, no agent runs, no commit is made.
fn assert_refused(text: &str, expected: &[&str]) {
    let env = TestEnv::new();
    env.write("sync/state.json", text);
    env.commit_all("a state written by hand");
    let subjects = env.subjects();
    for args in [&["run", "--iterations", "1"][..], &["check"]] {
        let run = env.baton(args);
        run.expect_code(2);
        let output = format!("{}{}", run.stdout, run.stderr);
        for e in expected {
            assert!(
                output.contains(e),
                "`baton {args:?}`: expected {e:?} in {output}"
            );
        }
    }
    assert_eq!(env.read("sync/state.json"), text, "byte-identical");
    assert!(env.calls().is_empty(), "nothing ran");
    assert_eq!(env.subjects(), subjects, "no commit");
}

#[test]
fn duplicate_json_keys_are_refused_naming_the_key_and_its_position() {
    assert_refused(
        "{\n  \"iteration\": 2,\n  \"status\": \"idle\",\n  \"status\": \"complete\"\n}\n",
        &["sync/state.json:4:", "duplicate key `status`"],
    );
}

#[test]
fn iteration_zero_is_refused() {
    assert_refused(
        "{\n  \"iteration\": 0,\n  \"status\": \"idle\"\n}\n",
        &["sync/state.json:2:16", "field `iteration`"],
    );
}

#[test]
fn a_time_outside_the_documented_format_is_refused() {
    assert_refused(
        "{\"iteration\": 2, \"last_update\": \"yesterday\"}\n",
        &[
            "sync/state.json:1:",
            "field `last_update`",
            "YYYY-MM-DDTHH:MM:SSZ",
        ],
    );
}

#[test]
fn a_generation_that_would_wrap_is_refused() {
    assert_refused(
        "{\"iteration\": 2, \"generation\": 18446744073709551615}\n",
        &["sync/state.json:1:", "field `generation`"],
    );
}

/// A FIFO at the state path used to hang `run` and `check` (blocked in `open`).
#[test]
fn a_fifo_state_file_is_refused_without_hanging() {
    let env = TestEnv::new();
    let path = env.path("sync/state.json");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o644)).expect("mkfifo");
    for args in [
        &["run", "--iterations", "1"][..],
        &["check"],
        &["status", "--no-fetch"],
    ] {
        let run = Daemon::spawn(env.baton_cmd(args), &env.ctl).wait(60);
        run.expect_code(2);
        let output = format!("{}{}", run.stdout, run.stderr);
        assert!(
            output.contains("is not a regular file (it is a FIFO)"),
            "`baton {args:?}`: {output}"
        );
    }
    assert!(env.calls().is_empty(), "nothing ran");
    let kind = std::fs::symlink_metadata(&path).expect("stat").file_type();
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&kind),
        "left as it was"
    );
}

/// The Python tool's final state names the step by its prompt file (it was exit 2).
#[test]
fn the_python_tools_final_state_is_read_and_converted() {
    let env = TestEnv::new();
    let python = "{\n  \"step_index\": 9,\n  \"expected_step\": \"main.md\",\n  \"status\": \"complete\",\n  \"last_update\": null\n}\n";
    env.write("sync/state.json", python);
    env.commit_all("the Python tool's state");
    let status = env.baton(&["status", "--no-fetch"]);
    status.expect_code(0);
    assert!(
        status
            .stdout
            .contains("turn:      ralph (complete, iteration 5)"),
        "{}",
        status.stdout
    );
    env.baton(&["check"]).expect_code(0);
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        ["ralph main.md"],
        "ralph's turn was next"
    );
    let state = env.state();
    assert!(state.get("expected_step").is_none(), "converted: {state:#}");
    assert_eq!(state["iteration"], 6);
}
