//! Leftovers of a crash never block a restart. A git lock or temp file that no live
//! process holds open is removed at start (with a line saying so); one a live process holds
//! stops the run with exit 1, naming the process and the command that fixes it.

use std::process::Child;

use crate::common::{TestEnv, alive, wait_for};
use crate::role_env::RoleEnv;

/// A process (`sleep`) holding `path` open for writing, as a person's `git commit` holds
/// `.git/index.lock` while its editor is open. Killed and reaped on drop.
struct Holder(Child);

impl Holder {
    fn hold(env: &TestEnv, path: &std::path::Path) -> Holder {
        let child = env
            .command("sh")
            .args(["-c", "exec 9>>\"$1\"; exec sleep 300", "sh"])
            .arg(path)
            .spawn()
            .expect("spawn holder");
        let holder = Holder(child);
        let fd = format!("/proc/{}/fd/9", holder.pid());
        wait_for(30, "the holder to open the file", || {
            std::fs::read_link(&fd)
                .is_ok_and(|target| target.ends_with(path.file_name().expect("name")))
        });
        holder
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.0.id()).expect("pid")
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn stale_git_locks_of_a_crash_are_removed_and_the_restart_runs() {
    let env = TestEnv::new();
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    let locks = [
        ".git/index.lock",
        ".git/HEAD.lock",
        ".git/refs/heads/main.lock",
    ];
    for lock in locks {
        env.write(lock, "");
    }
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(0);
    for lock in locks {
        assert!(!env.path(lock).exists(), "{lock} removed");
        assert!(
            run.stderr
                .contains(&format!("removed git lock `{}`", env.path(lock).display())),
            "{}",
            run.stderr
        );
    }
    assert!(
        env.path(".git/baton.lock").exists(),
        "the runner lock stays"
    );
    let stamps = env
        .subjects()
        .iter()
        .filter(|s| s.starts_with("[SYNC"))
        .count();
    assert_eq!(
        stamps,
        4,
        "both runs stamped their turns: {:?}",
        env.subjects()
    );
}

#[test]
fn a_git_lock_held_by_a_live_process_stops_the_run_and_is_left_alone() {
    let env = TestEnv::new();
    let lock = env.path(".git/index.lock");
    let holder = Holder::hold(&env, &lock);
    let run = env.baton(&["run", "--iterations", "1"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains(&format!("is held open by pid {}", holder.pid())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("sleep 300"),
        "names the command: {}",
        run.stderr
    );
    let fix = format!("rm -f '{}'", lock.display());
    assert!(run.stderr.contains(&fix), "{}", run.stderr);
    assert!(lock.exists(), "a held lock is never removed");
    assert!(alive(holder.pid()));
    assert!(env.calls().is_empty(), "nothing ran");
    assert!(!env.path("sync/state.json").exists(), "nothing written");
    drop(holder);
    env.baton(&["run", "--iterations", "1"]).expect_code(0);
    assert!(!lock.exists());
}

/// The reproduction: a leftover `sync/.tmpXXXXXX` of an interrupted state write made galph's
/// role-mode turn fail on its dirty-tree guard at every restart.
#[test]
fn temp_files_of_interrupted_writes_are_removed_and_galphs_turn_passes() {
    let env = RoleEnv::new();
    let legacy = "sync/.tmpAbC123";
    let ours = "sync/.baton-tmp-4242-a1B2c3";
    for temp in [legacy, ours] {
        env.galph.write(temp, "{\n  \"iteration\": 1,\n  \"exp");
    }
    let run = env.run_galph(&["--iterations", "1"]);
    run.expect_code(0);
    for temp in [legacy, ours] {
        assert!(!env.galph.path(temp).exists(), "{temp} removed");
        let line = format!("removed temp file `{}`", env.galph.path(temp).display());
        assert!(run.stderr.contains(&line), "{}", run.stderr);
    }
    assert_eq!(env.remote_state()["status"], "waiting-ralph");
    assert_eq!(env.prompts_called(), ["galph supervisor.md"]);
}
