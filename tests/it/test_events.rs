//! The event log (`logs/events.jsonl`): every phase of a combined and of a role run, in order,
//! each line in the documented schema (version 1).

use serde_json::Value;

use crate::common::TestEnv;
use crate::event_log::{events, of_kind};
use crate::role_env::{DEADLINE, RoleEnv};

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let kind = e["kind"].as_str().unwrap_or("");
            if let Some(what) = e["what"].as_str() {
                return format!("{kind} {what}");
            }
            match e["actor"].as_str() {
                Some(actor) if kind != "run_started" => format!("{kind} {actor}"),
                _ => kind.to_owned(),
            }
        })
        .collect()
}

#[test]
fn a_combined_run_logs_every_phase_in_order() {
    let env = TestEnv::with_config("budget:\n  max_turns: 3\n");
    env.hook("ralph", "echo 'hello from ralph'\necho work > work.txt\n");
    env.baton(&["run", "--iterations", "2"]).expect_code(3);
    let events = events(&env);
    let turn = |actor: &str| {
        vec![
            format!("turn_claimed {actor}"),
            format!("routed {actor}"),
            format!("agent_started {actor}"),
        ]
    };
    let stamped = |actor: &str| [format!("stamped {actor}"), "committed stamp".to_owned()];
    let mut expected = vec!["run_started".to_owned()];
    expected.extend(turn("galph"));
    expected.extend(stamped("galph"));
    expected.extend(turn("ralph"));
    expected.extend(["transcript".to_owned(), "committed autocommit".to_owned()]);
    expected.extend(stamped("ralph"));
    expected.extend(turn("galph"));
    expected.extend(stamped("galph"));
    expected
        .extend(["committed state", "budget_reached", "stopped", "run_ended"].map(String::from));
    assert_eq!(kinds(&events), expected);
    assert_eq!(events[0]["mode"], "combined");
    assert_eq!(events[4]["outcome"], "ok");
    assert_eq!(events[4]["next_actor"], "ralph");
    let transcript = events
        .iter()
        .find(|e| e["kind"] == "transcript")
        .expect("transcript");
    assert_eq!(transcript["text"], "hello from ralph\n");
    let stopped = &events[events.len() - 2];
    assert_eq!(stopped["why"], "budget");
    assert_eq!(events[events.len() - 1]["code"], 3);
}

#[test]
fn a_role_run_logs_its_waits_and_turns() {
    let env = RoleEnv::new();
    let galph = env.galph_daemon(&["--iterations", "1"]);
    let ralph = env.ralph_daemon(&["--iterations", "1"]);
    galph.wait(DEADLINE).expect_code(0);
    ralph.wait(DEADLINE).expect_code(0);
    let ralph_events = events(&env.ralph);
    let kinds = kinds(&ralph_events);
    assert_eq!(kinds.first().map(String::as_str), Some("run_started"));
    assert_eq!(ralph_events[0]["mode"], "role");
    assert_eq!(ralph_events[0]["actor"], "ralph");
    let turn: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|k| !k.starts_with("waiting") && *k != "fetched")
        .collect();
    assert_eq!(
        turn,
        [
            "run_started",
            "committed claim",
            "turn_claimed ralph",
            "routed ralph",
            "agent_started ralph",
            "stamped ralph",
            "committed stamp",
            "pushed",
            "notice",
            "run_ended"
        ]
    );
    let waiting = of_kind(&ralph_events, "waiting");
    assert!(!waiting.is_empty(), "{ralph_events:#?}");
    assert_eq!(waiting[0]["peer"], "galph");
    // Before its claim, ralph's clone moved forward to galph's pushed stamp.
    let claim = kinds.iter().position(|k| k == "committed claim");
    let fetched = kinds.iter().rposition(|k| k == "fetched");
    assert!(fetched < claim, "{kinds:?}");
    let galph_events = events(&env.galph);
    let galph_stamp = galph_events
        .iter()
        .find(|e| e["kind"] == "committed" && e["what"] == "stamp")
        .expect("galph's stamp");
    assert_eq!(
        fetched.map(|i| &ralph_events[i]["sha"]),
        Some(&galph_stamp["sha"])
    );
}

/// An agent that writes a lot fills the event log with at most 256 KiB of transcript a turn,
/// the last piece marked `truncated`; the turn log keeps everything.
#[test]
fn the_transcript_in_the_event_log_is_capped_per_turn() {
    let env = TestEnv::new();
    env.hook(
        "ralph",
        "i=0; while [ $i -lt 5000 ]; do echo \"line $i: $(printf '%060d' $i)\"; i=$((i+1)); done\n",
    );
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let events = events(&env);
    let pieces: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "transcript")
        .collect();
    let bytes: usize = pieces
        .iter()
        .map(|e| e["text"].as_str().map_or(0, str::len))
        .sum();
    assert_eq!(bytes, 256 * 1024);
    assert_eq!(
        pieces.last().map(|e| e["truncated"].clone()),
        Some(Value::Bool(true))
    );
    assert!(
        pieces[..pieces.len() - 1]
            .iter()
            .all(|e| e["truncated"] == false)
    );
    assert!(
        pieces[0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("line 0: "))
    );
}

/// `-v` shows Baton's own decisions: the git commands it runs and why a daemon waits.
#[test]
fn verbose_shows_git_commands_and_wait_decisions() {
    let env = RoleEnv::new();
    let ralph = env.ralph_daemon(&["--iterations", "1", "-v"]);
    let galph = env.galph_daemon(&["--iterations", "1"]);
    galph.wait(DEADLINE).expect_code(0);
    let run = ralph.wait(DEADLINE);
    run.expect_code(0);
    assert!(
        run.stderr.contains("wait: not ralph's turn yet"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("wait: ralph's turn"), "{}", run.stderr);
    assert!(run.stderr.contains("git push"), "{}", run.stderr);
    let quiet = env.ralph_daemon(&["--iterations", "1"]);
    let galph = env.galph_daemon(&["--iterations", "1"]);
    galph.wait(DEADLINE).expect_code(0);
    let run = quiet.wait(DEADLINE);
    assert!(!run.stderr.contains("wait: "), "{}", run.stderr);
}

/// A run that finds the event log at 64 MiB keeps it as `events.1.jsonl` and starts anew.
#[test]
fn a_full_event_log_is_rotated_when_a_run_starts() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.path("logs")).expect("logs");
    let old = std::fs::File::create(env.path("logs/events.jsonl")).expect("old log");
    old.set_len(64 * 1024 * 1024).expect("a full log (sparse)");
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let kept = std::fs::metadata(env.path("logs/events.1.jsonl")).expect("kept");
    assert_eq!(kept.len(), 64 * 1024 * 1024);
    let events = events(&env);
    assert_eq!(events[0]["kind"], "run_started");
}
