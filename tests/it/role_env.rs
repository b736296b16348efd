//! The role-mode harness: a bare remote, a seed clone that plays "the person", and one clone per
//! actor, all sharing one control directory (stub agent, hooks, calls log). Turns are strictly
//! sequential, so both actors append to the same `calls.txt`. Daemons run as [`Daemon`]s: output
//! goes to files in the control directory, waits have deadlines, and a drop guard ends them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Run, TestEnv};

mod daemon;

pub(crate) use daemon::Daemon;

/// The state a seed commit starts from: iteration 1, galph expected, idle.
pub(crate) const INITIAL_STATE: &str = "{\n  \"iteration\": 1,\n  \"expected_actor\": \"galph\",\n  \"status\": \"idle\",\n  \"generation\": 0\n}\n";

/// A hook that marks its start (`<actor>-started`, pid in `<actor>.pid`) and then waits (at most
/// a minute) for the file `go` in the control directory.
pub(crate) const WAIT_FOR_GO: &str = r#"echo $$ > "$TEST_CTL/$BATON_ACTOR.pid"
touch "$TEST_CTL/$BATON_ACTOR-started"
i=0
while [ ! -f "$TEST_CTL/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
"#;

/// Deadline for a daemon expected to finish (seconds).
pub(crate) const DEADLINE: u64 = 90;

/// Two clones of one bare remote, plus the person's clone that seeded it.
pub(crate) struct RoleEnv {
    /// The person's clone (made the seed commit; `origin` is the remote).
    pub(crate) seed: TestEnv,
    /// galph's clone.
    pub(crate) galph: TestEnv,
    /// ralph's clone.
    pub(crate) ralph: TestEnv,
    /// The bare remote (`main`).
    pub(crate) remote: PathBuf,
}

impl RoleEnv {
    /// Seed with the stub config and the initial state, pushed; two clones.
    pub(crate) fn new() -> RoleEnv {
        Self::build("", true)
    }

    /// Like [`RoleEnv::new`] with `extra` YAML appended to the stub config.
    pub(crate) fn with_config(extra: &str) -> RoleEnv {
        Self::build(extra, true)
    }

    /// A seed without `sync/state.json`.
    pub(crate) fn without_state() -> RoleEnv {
        Self::build("", false)
    }

    fn build(extra: &str, with_state: bool) -> RoleEnv {
        let seed = TestEnv::bare();
        seed.write("orchestration.yaml", &seed.stub_config(extra));
        if with_state {
            seed.write("sync/state.json", INITIAL_STATE);
        }
        seed.commit_all("seed");
        let remote = seed.root.parent().expect("temp dir").join("remote.git");
        let remote_arg = remote.to_str().expect("utf-8 path");
        seed.git(&["init", "-q", "--bare", "-b", "main", remote_arg]);
        seed.git(&["remote", "add", "origin", remote_arg]);
        seed.git(&["push", "-q", "-u", "origin", "main"]);
        let galph = clone(&seed, &remote, "galph");
        let ralph = clone(&seed, &remote, "ralph");
        RoleEnv {
            seed,
            galph,
            ralph,
            remote,
        }
    }

    /// Another clone of the remote, `name` (a second machine of one actor, or a person's
    /// laptop).
    pub(crate) fn another_clone(&self, name: &str) -> TestEnv {
        clone(&self.seed, &self.remote, name)
    }

    /// Runs git on the bare remote; panics on failure.
    pub(crate) fn remote_git(&self, args: &[&str]) -> String {
        let mut cmd = self.seed.command("git");
        cmd.arg("--git-dir").arg(&self.remote).args(args);
        let out = cmd.output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} on the remote: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `main`'s commit subjects on the remote, oldest first.
    pub(crate) fn remote_subjects(&self) -> Vec<String> {
        let log = self.remote_git(&["log", "--reverse", "--format=%s", "main"]);
        log.lines().map(str::to_owned).collect()
    }

    /// The remote's `[SYNC …` subjects, oldest first.
    pub(crate) fn remote_syncs(&self) -> Vec<String> {
        let mut subjects = self.remote_subjects();
        subjects.retain(|s| s.starts_with("[SYNC"));
        subjects
    }

    /// The subject of the remote's `main`.
    pub(crate) fn remote_tip(&self) -> String {
        self.remote_git(&["log", "-1", "--format=%s", "main"])
            .trim()
            .to_owned()
    }

    /// `main:<rel>` on the remote, if it exists.
    pub(crate) fn remote_file(&self, rel: &str) -> Option<String> {
        let out = self
            .seed
            .command("git")
            .arg("--git-dir")
            .arg(&self.remote)
            .args(["show", &format!("main:{rel}")])
            .output()
            .expect("run git");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The remote's state file as JSON (panics when missing or invalid).
    pub(crate) fn remote_state(&self) -> Value {
        let text = self
            .remote_file("sync/state.json")
            .expect("state on remote");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("remote state: {e}\n{text}"))
    }

    /// The remote's journal lines as JSON (empty when missing).
    pub(crate) fn remote_journal(&self) -> Vec<Value> {
        let text = self.remote_file("sync/journal.jsonl").unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("journal line"))
            .collect()
    }

    /// Whether the remote's state has `status` now.
    pub(crate) fn remote_status_is(&self, status: &str) -> bool {
        self.remote_file("sync/state.json")
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|s| s["status"] == status)
    }

    /// Waits (with `daemon` alive) until the remote's state has `status`.
    pub(crate) fn wait_remote_status(&self, daemon: &mut Daemon, status: &str) {
        let what = format!("remote status {status}");
        daemon.wait_until(DEADLINE, &what, || self.remote_status_is(status));
    }

    /// Waits (with `daemon` alive) until its stub agent ran [`WAIT_FOR_GO`] for `actor`.
    pub(crate) fn wait_agent_started(&self, daemon: &mut Daemon, actor: &str) {
        let marker = format!("{actor}-started");
        let what = format!("{actor}'s agent to start");
        daemon.wait_until(DEADLINE, &what, || self.ctl_has(&marker));
    }

    /// Installs a `pre-receive` hook on the remote that refuses every push with `message`.
    pub(crate) fn refuse_pushes(&self, message: &str) {
        crate::common::write_script(
            &self.remote.join("hooks"),
            "pre-receive",
            &format!("#!/bin/sh\necho \"{message}\" >&2\nexit 1\n"),
        );
    }

    /// Removes the `pre-receive` hook.
    pub(crate) fn accept_pushes(&self) {
        std::fs::remove_file(self.remote.join("hooks/pre-receive")).expect("remove hook");
    }

    /// Creates `name` in the control directory (e.g. `go`).
    pub(crate) fn touch(&self, name: &str) {
        std::fs::write(self.seed.ctl.join(name), "").expect("touch");
    }

    /// Whether `name` exists in the control directory.
    pub(crate) fn ctl_has(&self, name: &str) -> bool {
        self.seed.ctl.join(name).exists()
    }

    /// `<actor> <prompt>` of each stub call, both clones.
    pub(crate) fn prompts_called(&self) -> Vec<String> {
        self.seed.prompts_called()
    }

    /// Whether no agent ran yet.
    pub(crate) fn calls_empty(&self) -> bool {
        self.seed.calls().is_empty()
    }

    /// Spawns galph's daemon (`baton supervisor --sync-via-git`, poll 0.2s) with `extra` flags.
    pub(crate) fn galph_daemon(&self, extra: &[&str]) -> Daemon {
        let cmd = self.galph.baton_cmd(&daemon_args("supervisor", extra));
        Daemon::spawn(cmd, &self.seed.ctl)
    }

    /// Spawns ralph's daemon (`baton loop --sync-via-git`, poll 0.2s) with `extra` flags.
    pub(crate) fn ralph_daemon(&self, extra: &[&str]) -> Daemon {
        let cmd = self.ralph.baton_cmd(&daemon_args("loop", extra));
        Daemon::spawn(cmd, &self.seed.ctl)
    }

    /// Runs `baton <args>` in `clone` to its end (deadline [`DEADLINE`]).
    pub(crate) fn run_in(&self, clone: &TestEnv, args: &[&str]) -> Run {
        Daemon::spawn(clone.baton_cmd(args), &self.seed.ctl).wait(DEADLINE)
    }

    /// Runs galph's daemon to its end (deadline [`DEADLINE`]).
    pub(crate) fn run_galph(&self, extra: &[&str]) -> Run {
        self.galph_daemon(extra).wait(DEADLINE)
    }

    /// Runs ralph's daemon to its end (deadline [`DEADLINE`]).
    pub(crate) fn run_ralph(&self, extra: &[&str]) -> Run {
        self.ralph_daemon(extra).wait(DEADLINE)
    }
}

/// `<sub> --sync-via-git --poll-interval 0.2s <extra…>`.
pub(crate) fn daemon_args<'a>(sub: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![sub, "--sync-via-git", "--poll-interval", "0.2s"];
    args.extend_from_slice(extra);
    args
}

fn clone(seed: &TestEnv, remote: &Path, name: &str) -> TestEnv {
    let env = seed.sibling(name);
    let out = seed
        .command("git")
        .args(["clone", "-q"])
        .arg(remote)
        .arg(&env.root)
        .output()
        .expect("run git clone");
    assert!(
        out.status.success(),
        "git clone: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    env
}
