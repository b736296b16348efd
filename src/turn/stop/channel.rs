//! The channel between a steering command and the run that holds its workspace: an abstract
//! Unix socket (Linux) named after the run directory, one JSON line each way.
//!
//! Why a socket rather than files in the run directory: an agent runs as the same user and can
//! delete or write any file of the clone, `.git` included, so a request left in a file can be
//! deleted (a person's `baton stop` cancelled) or forged (a note or an approval "from a
//! person"). A request sent here reaches the run's memory at once, and the kernel says which
//! process sent it (`SO_PEERCRED`): the run refuses what only a person may ask from a process
//! of its own agent runs ([`crate::process::in_agent_run`]), and anything from another user. An
//! abstract name is no file an agent could remove or replace; while the run listens, nobody
//! else can take the name. The command checks that the listener is the process holding the
//! runner lock.

use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
use std::os::fd::AsRawFd as _;
use std::os::linux::net::SocketAddrExt as _;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The longest request line read (bytes): a note is at most 16 KiB, JSON-escaped.
const MAX_LINE: u64 = 256 * 1024;

/// How long a command waits for the run's answer.
const LINE_WAIT: Duration = Duration::from_secs(10);

/// How long the run waits for a request line once connected: a command writes it at once, and
/// a connection that sends nothing must not hold one of the [`MAX_SERVING`] places for long.
const REQUEST_WAIT: Duration = Duration::from_secs(2);

/// How long a command retries while nothing listens yet (a run that took the lock a moment
/// ago binds the socket right after).
const CONNECT_WAIT: Duration = Duration::from_secs(5);

/// The most connections served at once (an agent opening many cannot exhaust the run).
const MAX_SERVING: usize = 16;

/// The run's answer to one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Reply {
    /// Whether the request was taken.
    pub(super) ok: bool,
    /// Why not, when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) error: Option<String>,
}

/// Who sent a request, as the kernel says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Peer {
    /// Its process id (0 when it is in a pid namespace this process cannot see).
    pub(super) pid: i32,
    /// Its user id.
    pub(super) uid: u32,
}

/// The socket address of the run whose run directory is `run_dir`: the abstract name
/// `baton-inbox-<FNV-1a of the directory's canonical path>`.
pub(super) fn address(run_dir: &Path) -> io::Result<SocketAddr> {
    let path = canonical(run_dir);
    let name = format!("baton-inbox-{:016x}", fnv1a(path.as_os_str().as_bytes()));
    SocketAddr::from_abstract_name(name.as_bytes())
}

/// `path` with its longest existing ancestor resolved (the run directory may not exist yet
/// when a command asks).
fn canonical(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut base = path;
    loop {
        if let Ok(real) = base.canonicalize() {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                base = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// 64-bit FNV-1a: a stable name from a path, the same in every Baton build.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The peer of `stream` (`SO_PEERCRED`).
fn peer_of(stream: &UnixStream) -> io::Result<Peer> {
    let mut cred = nix::libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = nix::libc::socklen_t::try_from(std::mem::size_of::<nix::libc::ucred>())
        .expect("invariant: a ucred's size fits a socklen_t");
    // SAFETY: `cred` and `len` are valid for writes and `len` is `cred`'s size, as
    // getsockopt(SO_PEERCRED) requires; the descriptor is a live socket owned by `stream`.
    let rc = unsafe {
        nix::libc::getsockopt(
            stream.as_raw_fd(),
            nix::libc::SOL_SOCKET,
            nix::libc::SO_PEERCRED,
            std::ptr::from_mut(&mut cred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Peer {
        pid: cred.pid,
        uid: cred.uid,
    })
}

/// A listening channel; dropping it stops the listener and frees the name.
#[derive(Debug)]
pub(super) struct Listener {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which sees the flag and closes the socket.
        let _ = UnixStream::connect_addr(&self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Listens on the channel of `run_dir`; `handle` answers each request (a JSON value of the
/// caller's type) from its peer, on a thread of its own.
///
/// # Errors
/// The bind's error (`AddrInUse`: another process holds the name).
pub(super) fn listen<T, F>(run_dir: &Path, handle: F) -> io::Result<Listener>
where
    T: serde::de::DeserializeOwned,
    F: Fn(T, Peer) -> Reply + Send + Sync + 'static,
{
    let address = address(run_dir)?;
    let listener = UnixListener::bind_addr(&address)?;
    let stop = Arc::new(AtomicBool::new(false));
    let handle = Arc::new(handle);
    let serving = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("baton-inbox".into())
        .spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                if serving.fetch_add(1, Ordering::SeqCst) >= MAX_SERVING {
                    serving.fetch_sub(1, Ordering::SeqCst);
                    continue; // dropped: that client sees its request unanswered
                }
                let (handle, serving) = (Arc::clone(&handle), Arc::clone(&serving));
                std::thread::spawn(move || {
                    serve(stream, &*handle);
                    serving.fetch_sub(1, Ordering::SeqCst);
                });
            }
        })?;
    Ok(Listener {
        address,
        stop,
        thread: Some(thread),
    })
}

/// Reads one request from `stream`, answers it with `handle`'s reply.
fn serve<T: serde::de::DeserializeOwned>(stream: UnixStream, handle: &dyn Fn(T, Peer) -> Reply) {
    let _ = stream.set_read_timeout(Some(REQUEST_WAIT));
    let _ = stream.set_write_timeout(Some(REQUEST_WAIT));
    let reply = match (peer_of(&stream), read_line(&stream)) {
        (Ok(peer), Ok(line)) => match serde_json::from_slice(&line) {
            Ok(request) => handle(request, peer),
            Err(e) => refusal(format!("not a request Baton understands: {e}")),
        },
        (Err(e), _) | (_, Err(e)) => refusal(format!("unreadable request: {e}")),
    };
    let _ = write_line(&stream, &reply);
}

/// A refusal saying `why`.
pub(super) fn refusal(why: String) -> Reply {
    Reply {
        ok: false,
        error: Some(why),
    }
}

/// Sends `request` to the run of `run_dir`, whose runner lock `holder` holds (its pid, when the
/// lock file names it), and returns its reply. Retries for a few seconds while nothing listens.
///
/// # Errors
/// `ConnectionRefused` when nothing listens; `PermissionDenied` when the listener is not the
/// lock's holder; io errors and timeouts.
pub(super) fn send<T: Serialize>(
    run_dir: &Path,
    request: &T,
    holder: Option<i32>,
) -> io::Result<Reply> {
    let address = address(run_dir)?;
    let until = Instant::now() + CONNECT_WAIT;
    let stream = loop {
        match UnixStream::connect_addr(&address) {
            Ok(stream) => break stream,
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused && Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(e),
        }
    };
    let listener = peer_of(&stream)?;
    if let Some(holder) = holder.filter(|&h| h != listener.pid) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "the request channel is held by pid {}, not by the Baton holding the workspace \
                 (pid {holder})",
                listener.pid
            ),
        ));
    }
    stream.set_read_timeout(Some(LINE_WAIT))?;
    stream.set_write_timeout(Some(LINE_WAIT))?;
    write_line(&stream, request)?;
    let line = read_line(&stream)?;
    serde_json::from_slice(&line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn write_line<T: Serialize>(mut stream: &UnixStream, value: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    stream.flush()
}

fn read_line(stream: &UnixStream) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    BufReader::new(stream.take(MAX_LINE)).read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no whole line (too long, or cut short)",
        ));
    }
    Ok(line)
}

#[cfg(test)]
mod tests;
