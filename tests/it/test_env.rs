//! Every configuration key has a `BATON_<KEY>` variable, and every variable documented in
//! `docs/configuration.md` takes effect: `baton check --json` shows the value in force and
//! where it came from, and a gate set from the environment (`BATON_APPROVAL_BEFORE`) gates.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::{Run, TestEnv};
use crate::role_env::{DEADLINE, Daemon};

/// `(key, variable)` for every table row of `docs/configuration.md` that names a variable.
fn documented_variables() -> BTreeMap<String, String> {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .expect("read docs/configuration.md");
    let mut found = BTreeMap::new();
    for row in docs.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let key = cells[0].trim_start_matches("| ").trim_matches('`');
        let var = cells.iter().skip(1).find_map(|cell| {
            let start = cell.find("`BATON_")? + 1;
            let len = cell[start..].find('`')?;
            Some(cell[start..start + len].to_owned())
        });
        if let Some(var) = var {
            found.insert(key.to_owned(), var);
        }
    }
    found
}

/// `baton check --json`'s `config` array, by key.
fn settings(run: &Run) -> BTreeMap<String, Value> {
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("check --json: {e}\n{}\n{}", run.stdout, run.stderr));
    json["config"]
        .as_array()
        .expect("a config array")
        .iter()
        .map(|s| (s["key"].as_str().expect("key").to_owned(), s.clone()))
        .collect()
}

/// A valid value for a key of `kind` other than its `default` (as `check --json` shows it):
/// what to set, and what `check --json` must then show (`None`: a path under the root).
fn sample(key: &str, kind: &str, default: &Value) -> (String, Option<Value>) {
    let text = |s: &str| (s.to_owned(), Some(json!(s)));
    match kind {
        "path" => (format!("alt/{key}"), None),
        "name" | "name?" => text(&format!("x-{}", key.replace('.', "-"))),
        "bool" => {
            let flipped = !default.as_bool().expect("a boolean default");
            (flipped.to_string(), Some(json!(flipped)))
        }
        "count" => {
            let more = default.as_u64().expect("a count default") + 3;
            (more.to_string(), Some(json!(more)))
        }
        "count?" => ("7".to_owned(), Some(json!(7))),
        "duration" | "duration?" => text("7m"),
        "usd" => ("12.5".to_owned(), Some(json!(12.5))),
        "since" => ("40".to_owned(), Some(json!(40))),
        "router-mode" => text("router_only"),
        "commit-url" => text("https://git.example.com/r/commit/{sha}"),
        "list" => ("a.md, b.md".to_owned(), Some(json!(["a.md", "b.md"]))),
        "extensions" => ("md,TXT".to_owned(), Some(json!([".md", ".txt"]))),
        "patterns" => ("^a,b$".to_owned(), Some(json!(["^a", "b$"]))),
        "commands" => (
            "[[sh, -c, 'exit 0'], [true]]".to_owned(),
            Some(json!([["sh", "-c", "exit 0"], ["true"]])),
        ),
        "actors" => ("{ralph: other}".to_owned(), Some(json!({"ralph": "other"}))),
        "names" => ("{x.md: other}".to_owned(), Some(json!({"x.md": "other"}))),
        "chains" => (
            "{stub: [other]}".to_owned(),
            Some(json!({"stub": ["other"]})),
        ),
        "formats" => (
            "{other: claude-stream-json}".to_owned(),
            Some(json!({"other": "claude-stream-json"})),
        ),
        "argvs" => (
            "{other: [sh, -c, 'true']}".to_owned(),
            Some(json!({"other": ["sh", "-c", "true"]})),
        ),
        // The workflow keys together make one graph that passes the checks.
        "actors-declared" => (
            "{rev: {kind: reviewer, prompt: main.md}}".to_owned(),
            Some(json!({"rev": {"kind": "reviewer", "prompt": "main.md", "agent": null}})),
        ),
        "actor" => text("ralph"),
        "steps" => (
            "[{from: ralph, to: rev}, {from: rev, to: end}]".to_owned(),
            Some(json!([
                {"from": ["ralph"], "to": ["rev"], "when": null, "join": null, "max_loops": null},
                {"from": ["rev"], "to": "end", "when": null, "join": null, "max_loops": null},
            ])),
        ),
        "workers" => ("{ralph: 2}".to_owned(), Some(json!({"ralph": 2}))),
        other => panic!("{key}: no sample value for kind `{other}`; add one here"),
    }
}

#[test]
fn every_documented_variable_takes_effect_and_check_json_shows_it() {
    let env = TestEnv::new();
    let documented = documented_variables();
    let defaults = env.baton(&["check", "--json"]);
    defaults.expect_code(0);
    let defaults = settings(&defaults);
    for (key, setting) in &defaults {
        assert_eq!(
            documented.get(key),
            setting["env"].as_str().map(str::to_owned).as_ref(),
            "`{key}`'s variable is documented in its row of docs/configuration.md"
        );
    }
    assert_eq!(
        documented.keys().collect::<Vec<_>>(),
        defaults.keys().collect::<Vec<_>>(),
        "every documented variable names a key"
    );

    let mut cmd = env.baton_cmd(&["check", "--json"]);
    let mut expected = BTreeMap::new();
    for (key, var) in &documented {
        let setting = &defaults[key];
        let kind = setting["kind"].as_str().expect("kind");
        let (value, shown) = sample(key, kind, &setting["value"]);
        assert_ne!(
            shown.as_ref(),
            Some(&setting["value"]),
            "{key}: not its default"
        );
        cmd.env(var, value);
        expected.insert(key.clone(), shown);
    }
    let set = Run::from(cmd.output().expect("run check"));
    let set = settings(&set);
    for (key, var) in &documented {
        let setting = &set[key];
        assert_eq!(setting["from"], json!(var), "{key}: {setting}");
        match &expected[key] {
            Some(value) => assert_eq!(&setting["value"], value, "{key}"),
            None => {
                let path = setting["value"].as_str().expect("a path");
                assert!(
                    path.starts_with('/') && path.ends_with(&format!("/alt/{key}")),
                    "{key}: {path}"
                );
            }
        }
    }
}

#[test]
fn a_list_variable_replaces_the_file_and_a_bad_one_names_the_variable() {
    let env = TestEnv::with_config("approval:\n  before: [galph]\n");
    let mut cmd = env.baton_cmd(&["check", "--json"]);
    cmd.env("BATON_APPROVAL_BEFORE", "");
    let shown = settings(&Run::from(cmd.output().expect("check")));
    assert_eq!(shown["approval.before"]["value"], json!([]));

    let mut bad = env.baton_cmd(&["check"]);
    bad.env("BATON_AGENT_ROLES", "ralph=codex");
    let bad = Run::from(bad.output().expect("check"));
    bad.expect_code(2);
    assert!(
        bad.stderr
            .contains("environment variable BATON_AGENT_ROLES: expected a mapping"),
        "{}",
        bad.stderr
    );
    let mut broken = env.baton_cmd(&["check"]);
    broken.env("BATON_COMPLETION_VERIFY", "[[cargo, test]");
    let broken = Run::from(broken.output().expect("check"));
    broken.expect_code(2);
    assert!(
        broken
            .stderr
            .contains("environment variable BATON_COMPLETION_VERIFY: not valid YAML"),
        "{}",
        broken.stderr
    );
}

#[test]
fn approval_before_from_the_environment_gates_ralph() {
    let env = TestEnv::new();
    let mut cmd = env.baton_cmd(&["run", "--iterations", "1"]);
    cmd.env("BATON_APPROVAL_BEFORE", "ralph");
    let mut run = Daemon::spawn(cmd, &env.ctl);
    run.wait_until(30, "ralph's turn to await approval", || {
        env.read("sync/state.json").contains("awaiting-approval")
            && env.subjects().iter().any(|s| s.contains("awaits approval"))
    });
    assert_eq!(env.prompts_called(), ["galph supervisor.md"], "ralph waits");
    assert_eq!(env.state()["approval"]["actor"], "ralph");
    env.baton(&["approve"]).expect_code(0);
    run.wait(DEADLINE).expect_code(0);
    assert_eq!(
        env.prompts_called(),
        ["galph supervisor.md", "ralph main.md"]
    );
}
