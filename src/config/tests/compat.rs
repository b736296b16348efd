//! The Python tool's keys: same meaning, new keys win, meaningless keys warn.

use pretty_assertions::assert_eq;

use super::{loaded, ws};
use crate::config::RouterMode;
use crate::state::Actor;

#[test]
fn prompt_keys_map_to_prompts_and_the_default_allowlist_follows() {
    let c =
        loaded("supervisor_prompt: sup.md\nmain_prompt: eng.md\nreviewer_prompt: rev.md\n").config;
    assert_eq!(c.prompts.supervisor, "sup.md");
    assert_eq!(c.prompts.main, "eng.md");
    assert_eq!(c.prompts.reviewer, "rev.md");
    assert_eq!(c.router.allowlist, ["sup.md", "rev.md"]);
}

#[test]
fn new_keys_win_over_compat_keys() {
    let text = "\
supervisor_prompt: old.md
prompts:
  supervisor: new.md
review_every_n: 7
workflow:
  review_every_n: 2
doc_whitelist: [old.md]
autocommit:
  doc_whitelist: [new.md]
";
    let c = loaded(text).config;
    assert_eq!(c.prompts.supervisor, "new.md");
    assert_eq!(c.review_every_n, 7);
    assert_eq!(c.autocommit.doc_whitelist, ["new.md"]);
}

#[test]
fn review_cadence_keys_of_workflow_and_router() {
    assert_eq!(
        loaded("workflow:\n  review_every_n: 2\n")
            .config
            .review_every_n,
        2
    );
    assert_eq!(
        loaded("router:\n  review_every_n: 3\n")
            .config
            .review_every_n,
        3
    );
}

#[test]
fn autocommit_list_keys_at_the_top_level() {
    let text = "\
doc_whitelist: [input.md, notes/*.md]
tracked_output_globs: ['tests/fixtures/**/*.npy']
tracked_output_extensions: [npy, .NPZ]
report_extensions: [md, png]
";
    let a = loaded(text).config.autocommit;
    assert_eq!(a.doc_whitelist, ["input.md", "notes/*.md"]);
    assert_eq!(a.tracked_output_globs, ["tests/fixtures/**/*.npy"]);
    assert_eq!(a.tracked_output_extensions, [".npy", ".npz"]);
    assert_eq!(a.report_extensions, [".md", ".png"]);
}

#[test]
fn path_keys_tmp_input_and_findings() {
    let c =
        loaded("tmp_dir: scratch\ninput_file: docs/input.md\nfindings_file: docs/findings.md\n")
            .config;
    assert_eq!(c.tmp_dir, ws("scratch"));
    assert_eq!(c.autocommit.never, ["logs/", "scratch/"]);
    assert_eq!(c.compat.input_file.as_deref(), Some("docs/input.md"));
    assert_eq!(c.compat.findings_file.as_deref(), Some("docs/findings.md"));
}

#[test]
fn the_python_example_file_loads() {
    let text = "\
workflow:
  name: standard
  review_every_n: 0
prompts_dir: prompts
supervisor_prompt: supervisor.md
state_file: sync/state.json
router:
  enabled: false
  mode: router_default
  prompt: router.md
  allowlist: [supervisor.md, main.md, reviewer.md]
agent:
  default: auto
  roles:
    supervisor: claude
    loop: codex
  prompts:
    main.md: claude
";
    let loaded = loaded(text);
    let c = loaded.config;
    assert_eq!(c.router.mode, RouterMode::Default);
    assert_eq!(
        c.router.allowlist,
        ["supervisor.md", "main.md", "reviewer.md"]
    );
    assert_eq!(
        c.agent.roles.get(&Actor::GALPH).map(String::as_str),
        Some("claude")
    );
    assert_eq!(
        c.agent.roles.get(&Actor::RALPH).map(String::as_str),
        Some("codex")
    );
    assert_eq!(
        c.agent.prompts.get("main.md").map(String::as_str),
        Some("claude")
    );
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains(":2:3: key `workflow.name`"));
}

#[test]
fn spec_bootstrap_is_a_warning_with_its_position() {
    let text = "prompts_dir: prompts\n\nspec_bootstrap:\n  templates_dir: ~/t\n  specs: {dir: s}\n";
    let loaded = loaded(text);
    assert_eq!(
        loaded.warnings,
        ["/ws/orchestration.yaml:3:1: key `spec_bootstrap` has no meaning in baton and is ignored"]
    );
    assert_eq!(loaded.config.prompts_dir, ws("prompts"));
}

#[test]
fn a_warning_in_flow_style_points_at_the_key_itself() {
    let loaded = loaded("review_every_n: 1\nworkflow: {name: review_cadence}\n");
    assert_eq!(
        loaded.warnings,
        ["/ws/orchestration.yaml:2:12: key `workflow.name` has no meaning in baton and is ignored"]
    );
}
