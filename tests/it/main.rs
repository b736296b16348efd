//! Baton's integration tests: the real binary on temporary git workspaces with stub agents.

mod agent_env;
mod browser;
mod common;
mod event_log;
mod role_env;
mod serve_env;
mod test_agent_errors;
mod test_agent_output;
mod test_agent_presets;
mod test_agents;
mod test_approval;
mod test_autocommit;
mod test_budget;
mod test_cli;
mod test_combined;
mod test_commands;
mod test_completion;
mod test_crash;
mod test_demo;
mod test_env;
mod test_errors;
mod test_events;
mod test_fanout;
mod test_fifos;
mod test_history;
mod test_housekeeping;
mod test_journal;
mod test_leftovers;
mod test_lost_work;
mod test_newcomer;
mod test_notes;
mod test_notify;
mod test_owned_files;
mod test_pool;
mod test_pool_journal;
mod test_pool_landing;
mod test_pool_turn_takeover;
mod test_pool_turns;
mod test_pool_view;
mod test_preflight;
mod test_processes;
mod test_role;
mod test_role_commands;
mod test_role_failures;
mod test_role_guards;
mod test_role_hand_edits;
mod test_role_rewrite;
mod test_role_trust;
mod test_role_wait;
mod test_router;
mod test_runner;
mod test_serve;
mod test_serve_guards;
mod test_serve_marks;
mod test_serve_page;
mod test_serve_remote;
mod test_serve_transcripts;
mod test_serve_turns;
mod test_serve_workers;
mod test_signals;
mod test_solo;
mod test_speed;
mod test_state_input;
mod test_stats;
mod test_status;
mod test_stop;
mod test_watch;
mod test_watch_clone;
mod test_watch_workers;
mod test_workers;
mod test_workflows;

/// Every `test_*.rs` file in this directory is declared above (jj's guard against forgotten
/// test files).
#[test]
fn test_no_forgotten_test_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let main = std::fs::read_to_string(dir.join("main.rs")).expect("read main.rs");
    for entry in std::fs::read_dir(&dir).expect("read tests/it") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(stem) = name.strip_suffix(".rs").filter(|s| s.starts_with("test_")) {
            assert!(
                main.contains(&format!("mod {stem};")),
                "{name} is not declared in main.rs"
            );
        }
    }
}
