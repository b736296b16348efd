//! What the presets tell their CLIs, and what Baton refuses before any agent starts: aider
//! leaves `.gitignore`, the workspace and its analytics setting alone; an empty prompt is a
//! usage error (exit 2) naming the file, for every agent, with nothing written.

use crate::agent_env::{baton, fake_script, workspace};
use crate::common::TestEnv;

/// A fake `aider` that does what aider 0.86 does with the flags it gets (Aider-AI/aider
/// `aider/main.py` and `aider/args.py`): unless `--no-gitignore`, `check_gitignore` appends
/// `.aider*` to `.gitignore` (`--yes-always` answers its question); the chat and input histories
/// go to `--chat-history-file` / `--input-history-file` (default `.aider.chat.history.md`,
/// `.aider.input.history` in the repository root); unless `--analytics-disable`, it asks to
/// turn analytics on and, with `--yes-always`, agrees (`~/.aider/analytics.json`); the message
/// is read from `--message-file`.
const FAKE_AIDER: &str = r#"gitignore=1 analytics=ask chat=.aider.chat.history.md input=.aider.input.history msg=
while [ $# -gt 0 ]; do
  case "$1" in
    --no-gitignore) gitignore=0 ;;
    --analytics-disable) analytics=off ;;
    --chat-history-file) chat="$2"; shift ;;
    --input-history-file) input="$2"; shift ;;
    --message-file) msg="$2"; shift ;;
  esac
  shift
done
message=$(cat "$msg")
if [ $gitignore = 1 ] && ! grep -qx '.aider\*' .gitignore 2>/dev/null; then
  printf '.aider*\n' >> .gitignore
  echo "Added .aider* to .gitignore"
fi
mkdir -p "$HOME/.aider"
if [ $analytics = off ]; then
  echo '{"permanently_disable": true}' > "$HOME/.aider/analytics.json"
else
  echo '{"permanently_disable": false, "asked_opt_in": true}' > "$HOME/.aider/analytics.json"
fi
printf '# aider chat started\n\n#### %s\n' "$message" >> "$chat"
printf '\n# %s\n+%s\n' "$(date)" "$message" >> "$input"
echo "Aider v0.86.2"
echo "Tokens: 2.1k sent, 12 received."
"#;

#[test]
fn aider_leaves_gitignore_the_workspace_and_its_analytics_alone() {
    let env = workspace("aider", "");
    fake_script(&env, "aider", FAKE_AIDER);
    let gitignore = env.read(".gitignore");
    let seed = env.git(&["rev-parse", "HEAD"]);
    baton(&env, &["run", "--iterations", "1"]).expect_code(0);
    assert_eq!(
        env.read(".gitignore"),
        gitignore,
        "aider left .gitignore as it was"
    );
    let status = env.git(&["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(status, "", "no file of aider's in the workspace");
    let changed = env.git(&[
        "log",
        "--format=",
        "--name-only",
        &format!("{}..", seed.trim()),
    ]);
    assert!(
        !changed
            .lines()
            .any(|p| p.starts_with(".aider") || p == ".gitignore"),
        "no commit took an aider file or .gitignore after the seed:\n{changed}"
    );
    let analytics =
        std::fs::read_to_string(env.ctl.join(".aider/analytics.json")).expect("the fake aider ran");
    assert!(
        analytics.contains("\"permanently_disable\": true"),
        "{analytics}"
    );
    assert_eq!(env.journal().len(), 2, "both turns ran");
}

/// Everything a turn writes, for "nothing written" checks: the commits, the work tree's status,
/// the state file, the journal, the turn logs and the agent's calls. (The event log, outside
/// the work tree, records that a run started and ended with exit 2.)
fn written(env: &TestEnv) -> (String, String, String, String, bool, Vec<String>) {
    (
        env.git(&["log", "--format=%H"]),
        env.git(&["status", "--porcelain", "--untracked-files=all"]),
        env.read("sync/state.json"),
        env.read("sync/journal.jsonl"),
        env.path("logs/main").exists(),
        env.calls(),
    )
}

#[test]
fn an_empty_prompt_is_refused_before_any_agent_starts() {
    for (prompt, text, command) in [
        ("supervisor", "", "run"),
        ("main", " \n\t\n", "run"),
        ("main", "\n", "loop"),
        ("supervisor", "\n\n", "supervisor"),
    ] {
        let env = TestEnv::bare();
        env.write("orchestration.yaml", &env.stub_config(""));
        env.write(&format!("prompts/{prompt}.md"), text);
        env.commit_all("init");
        let before = written(&env);
        let run = env.baton(&[command, "--iterations", "1"]);
        run.expect_code(2);
        let file = env.path(&format!("prompts/{prompt}.md"));
        assert!(
            run.stderr
                .contains(&format!("`{}` is empty", file.display())),
            "{command} with an empty {prompt}.md: {}",
            run.stderr
        );
        assert!(run.stderr.contains("baton: hint:"), "{}", run.stderr);
        assert_eq!(
            written(&env),
            before,
            "{command}: nothing written, no agent started"
        );

        let check = env.baton(&["check"]);
        check.expect_code(2);
        assert!(
            check.stdout.contains("is empty") || check.stderr.contains("is empty"),
            "check names the empty prompt: {}{}",
            check.stdout,
            check.stderr
        );
    }
}
