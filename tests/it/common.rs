//! The hermetic test environment: a temporary git workspace, stub agents, the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use serde_json::Value;

/// The stub agent: records each call, then runs the per-actor hook the test wrote, if any.
const STUB_AGENT: &str = r#"#!/bin/sh
name="$1"
cat > /dev/null
echo "$name $BATON_ACTOR $BATON_PROMPT" >> "$TEST_CALLS"
hook="$TEST_CTL/$name-$BATON_ACTOR.sh"
[ -f "$hook" ] || hook="$TEST_CTL/$BATON_ACTOR.sh"
[ -f "$hook" ] && . "$hook"
exit 0
"#;

/// A temporary workspace (a git repository) plus a control directory outside it.
pub(crate) struct TestEnv {
    _dir: Arc<tempfile::TempDir>,
    /// The workspace root (holds orchestration.yaml).
    pub(crate) root: PathBuf,
    /// Outside the workspace: calls log, hooks, stub agent.
    pub(crate) ctl: PathBuf,
}

impl TestEnv {
    /// A workspace with prompts, a stub-agent config and one initial commit.
    pub(crate) fn new() -> TestEnv {
        Self::with_config("")
    }

    /// Like [`TestEnv::new`] with `extra` YAML appended to the stub config.
    pub(crate) fn with_config(extra: &str) -> TestEnv {
        let env = Self::bare();
        env.write("orchestration.yaml", &env.stub_config(extra));
        env.commit_all("init");
        env
    }

    /// An empty git workspace with prompts and the stub agent, no config, no commit.
    pub(crate) fn bare() -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("ws");
        let ctl = dir.path().join("ctl");
        std::fs::create_dir_all(&root).expect("mkdir ws");
        std::fs::create_dir_all(&ctl).expect("mkdir ctl");
        let env = TestEnv {
            _dir: Arc::new(dir),
            root,
            ctl,
        };
        env.git(&["init", "-q", "-b", "main"]);
        for p in ["supervisor", "main", "reviewer", "router"] {
            env.write(&format!("prompts/{p}.md"), &format!("PROMPT {p}\n"));
        }
        env.write(".gitignore", "logs/\n");
        std::fs::write(env.ctl.join("agent.sh"), STUB_AGENT).expect("write stub");
        env
    }

    /// Another workspace `name` next to this one: same temp dir (kept alive while either lives),
    /// same control directory (stub agent, hooks, calls log). The directory is not created.
    pub(crate) fn sibling(&self, name: &str) -> TestEnv {
        let root = self.root.parent().expect("temp dir").join(name);
        TestEnv {
            _dir: Arc::clone(&self._dir),
            root,
            ctl: self.ctl.clone(),
        }
    }

    /// The stub-agent config: agents `stub`, `other`, `third` all run the stub script.
    pub(crate) fn stub_config(&self, extra: &str) -> String {
        let agent = self.ctl.join("agent.sh");
        let cmd = |name: &str| format!("    {name}: [sh, \"{}\", {name}]\n", agent.display());
        format!(
            "agent:\n  default: stub\n  heartbeat: 0\n  commands:\n{}{}{}{extra}",
            cmd("stub"),
            cmd("other"),
            cmd("third")
        )
    }

    /// Writes `rel` under the workspace (creating directories).
    pub(crate) fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Writes the hook a stub agent runs for `actor` (`galph`/`ralph`, or `name-actor`).
    pub(crate) fn hook(&self, key: &str, script: &str) {
        std::fs::write(self.ctl.join(format!("{key}.sh")), script).expect("write hook");
    }

    /// Reads `rel` under the workspace.
    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_default()
    }

    /// A hermetic command: env cleared but PATH, HOME in the temp dir, git config pinned.
    pub(crate) fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.ctl)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
            .env("TEST_CALLS", self.ctl.join("calls.txt"))
            .env("TEST_CTL", &self.ctl)
            .env("BATON_KILL_GRACE_MS", "2000")
            .current_dir(&self.root);
        // Coverage runs (`cargo llvm-cov`) need the instrumented binary to find its profile
        // file name; nothing else of the outer environment reaches the command.
        for key in ["LLVM_PROFILE_FILE", "CARGO_LLVM_COV_TARGET_DIR"] {
            if let Some(value) = std::env::var_os(key) {
                cmd.env(key, value);
            }
        }
        cmd
    }

    /// The baton binary as a hermetic command.
    pub(crate) fn baton_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(env!("CARGO_BIN_EXE_baton"));
        cmd.args(args);
        cmd
    }

    /// Runs baton to its end.
    pub(crate) fn baton(&self, args: &[&str]) -> Run {
        let out = self.baton_cmd(args).output().expect("run baton");
        Run::from(out)
    }

    /// Runs git in the workspace; panics on failure.
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let out = self.command("git").args(args).output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `git add -A && git commit`.
    pub(crate) fn commit_all(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
    }

    /// Commit subjects, oldest first.
    pub(crate) fn subjects(&self) -> Vec<String> {
        let log = self.git(&["log", "--reverse", "--format=%s"]);
        log.lines().map(str::to_owned).collect()
    }

    /// The stub calls so far: `<agent> <actor> <prompt>` lines.
    pub(crate) fn calls(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.ctl.join("calls.txt")).unwrap_or_default();
        text.lines().map(str::to_owned).collect()
    }

    /// `<actor> <prompt>` of each call, for sequence assertions.
    pub(crate) fn prompts_called(&self) -> Vec<String> {
        self.calls()
            .iter()
            .map(|l| l.split_once(' ').map_or(l.clone(), |x| x.1.to_owned()))
            .collect()
    }

    /// The state file as JSON.
    pub(crate) fn state(&self) -> Value {
        serde_json::from_str(&self.read("sync/state.json")).expect("state json")
    }

    /// The journal lines as JSON.
    pub(crate) fn journal(&self) -> Vec<Value> {
        self.read("sync/journal.jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).expect("journal line"))
            .collect()
    }

    /// The workspace path.
    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Reads `rel` under the control directory (what stub agents noted); empty when missing.
    pub(crate) fn read_ctl(&self, rel: &str) -> String {
        std::fs::read_to_string(self.ctl.join(rel)).unwrap_or_default()
    }
}

/// A finished baton process.
pub(crate) struct Run {
    /// Exit code (`None` when killed by a signal).
    pub(crate) code: Option<i32>,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the exit code, printing the output on mismatch.
    pub(crate) fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Polls `cond` every 20 ms until it holds or `secs` pass.
pub(crate) fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Whether process `pid` is alive (and not a zombie).
pub(crate) fn alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    !stat.is_empty() && !stat.contains(") Z ")
}

/// Reads a pid written by a stub agent to `path`.
pub(crate) fn read_pid(path: &Path) -> i32 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Writes an executable script `dir/name` (creating `dir`) holding `text`; returns its path.
pub(crate) fn write_script(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).expect("mkdir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A `git` in `dir` that runs the shell lines `before` (with git's arguments in `$@`), then
/// the real git; returns a `PATH` that finds it first.
pub(crate) fn git_wrapper(dir: &Path, before: &str) -> String {
    let real = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .expect("command -v git")
        .stdout;
    let real = String::from_utf8(real).expect("utf-8");
    write_script(
        dir,
        "git",
        &format!("#!/bin/sh\n{before}\nexec {} \"$@\"\n", real.trim()),
    );
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}
