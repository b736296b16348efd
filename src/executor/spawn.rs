//! Starting the agent: no shell, its own process group, pipes on all three streams, the
//! inherited environment plus the turn's variables and the run's marker, its run's cgroup where
//! one exists (joined before exec, so nothing it forks escapes), and (Linux) SIGTERM when baton
//! dies.

use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};

use std::os::fd::AsRawFd as _;

use super::run::{ExecError, RunSpec};
use crate::process::RunCgroup;

/// Spawns `spec.argv` in `spec.cwd`, leader of a new process group, with `marker`
/// (`NAME=value`) in its environment and, when given, as a member of `cgroup`.
pub(super) fn spawn(
    spec: &RunSpec,
    marker: &str,
    cgroup: Option<&RunCgroup>,
) -> Result<Child, ExecError> {
    let Some((program, args)) = spec.argv.split_first() else {
        return Err(ExecError::Spawn {
            program: String::new(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "empty argv"),
        });
    };
    let mut cmd = Command::new(program);
    let (marker_name, marker_value) = marker.split_once('=').unwrap_or((marker, ""));
    cmd.args(args)
        .current_dir(&spec.cwd)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .env(marker_name, marker_value)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    #[cfg(target_os = "linux")]
    die_with_parent(&mut cmd);
    // Opened here, written in the child: the child moves itself before it can fork.
    let procs = cgroup.and_then(|c| {
        std::fs::OpenOptions::new()
            .write(true)
            .open(c.procs_file())
            .ok()
    });
    if let Some(file) = &procs {
        join_cgroup(&mut cmd, file.as_raw_fd());
    }
    let child = cmd.spawn().map_err(|source| ExecError::Spawn {
        program: program.clone(),
        source,
    });
    drop(procs);
    #[cfg(target_os = "linux")]
    if let Ok(Some(out)) = child.as_ref().map(|c| c.stdout.as_ref()) {
        // Refused (an unprivileged user above `/proc/sys/fs/pipe-max-size`), the pipe keeps the
        // kernel's 64 KiB.
        let _ = nix::fcntl::fcntl(out, nix::fcntl::FcntlArg::F_SETPIPE_SZ(STDOUT_PIPE_BYTES));
    }
    child
}

/// The capacity asked for the agent's stdout pipe (bytes, the default `pipe-max-size`): an
/// agent that prints fast fills it before Baton is woken, so that both switch a sixteenth as
/// often as with the kernel's 64 KiB.
#[cfg(target_os = "linux")]
const STDOUT_PIPE_BYTES: i32 = 1 << 20;

/// Makes the child write `0` (itself) into the cgroup's `cgroup.procs` (`fd`, open in the
/// parent until the spawn returns) before exec. A refused write is ignored: the run then has
/// no cgroup, and the subreaper sweep still finds its processes.
fn join_cgroup(cmd: &mut Command, fd: std::os::fd::RawFd) {
    let hook = move || -> io::Result<()> {
        // SAFETY: `fd` stays open in the parent until `spawn` returns, so it is valid in the
        // forked child; borrowing it allocates nothing.
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
        let _ = nix::unistd::write(fd, b"0");
        Ok(())
    };
    // SAFETY: the hook runs in the forked child before exec and only calls write(2), which is
    // async-signal-safe; it does not allocate.
    unsafe {
        cmd.pre_exec(hook);
    }
}

/// Asks the kernel to send SIGTERM to the agent when the thread that spawned it dies (which
/// is the thread blocked in `run` for the agent's whole life), so a baton killed by SIGKILL
/// leaves no agent behind. Grandchildren are not covered; the group kill handles them.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    use nix::errno::Errno;
    use nix::sys::signal::Signal;
    use nix::unistd::{getpid, getppid};

    let parent = getpid();
    let hook = move || -> io::Result<()> {
        nix::sys::prctl::set_pdeathsig(Signal::SIGTERM)?;
        // Baton died between fork and prctl: the signal will never come, so do not start.
        if getppid() != parent {
            return Err(io::Error::from(Errno::ESRCH));
        }
        Ok(())
    };
    // SAFETY: the hook runs in the forked child before exec. It only calls prctl(2) and
    // getppid(2), both async-signal-safe, and builds its error without allocating.
    unsafe {
        cmd.pre_exec(hook);
    }
}

/// Writes `bytes` to the agent's stdin on its own thread, then closes it. An agent that exits
/// without reading (EPIPE) is not an error.
pub(super) fn feed_stdin(mut stdin: ChildStdin, bytes: Vec<u8>) {
    std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
}
