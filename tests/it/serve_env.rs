//! The harness of the `baton serve` tests: a server started on a free loopback port, and a
//! minimal HTTP/1.1 client (one request per connection), so the tests need no HTTP crate.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::common::TestEnv;

/// A running `baton serve` and the address it printed.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
}

impl Server {
    /// Starts `baton serve --addr 127.0.0.1:0 <args>` and reads the address it listens on.
    pub(crate) fn start(env: &TestEnv, args: &[&str]) -> Server {
        let mut argv = vec!["serve", "--addr", "127.0.0.1:0"];
        argv.extend_from_slice(args);
        Server::spawn(env, env.baton_cmd(&argv))
    }

    /// Starts `command` (a `baton serve` on `127.0.0.1:0`, possibly wrapped), its stderr to
    /// `serve.err` in the control directory, and reads the address it listens on.
    pub(crate) fn spawn(env: &TestEnv, mut command: std::process::Command) -> Server {
        let err_path = Server::stderr_path(env);
        let err = std::fs::File::create(&err_path).expect("serve's stderr file");
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("spawn baton serve");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read serve's first line");
        let Some(addr) = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
        else {
            let _ = child.wait();
            let err = std::fs::read_to_string(&err_path).unwrap_or_default();
            panic!("no address in {line:?}; stderr: {err}");
        };
        let addr = addr.to_owned();
        Server { child, addr }
    }

    /// Where [`Server::spawn`] sends the server's stderr.
    pub(crate) fn stderr_path(env: &TestEnv) -> std::path::PathBuf {
        env.ctl.join("serve.err")
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid")
    }

    /// Sends `signal` and returns the exit code once the server is gone.
    pub(crate) fn stop(&mut self, signal: Signal) -> Option<i32> {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        kill(pid, signal).expect("signal baton serve");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait serve") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "baton serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 exchange with `Connection: close`: the status and the body. `headers` may
/// override `Host`.
pub(crate) fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to baton serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    (status, body)
}

pub(crate) const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A child process (a `baton run` beside the server) that is stopped if the test ends before it
/// did — SIGTERM first, so Baton ends its agent too, then SIGKILL — so a failing test leaves no
/// run behind.
pub(crate) struct Running(pub(crate) Child);

impl Running {
    /// Waits for the exit code.
    pub(crate) fn wait(&mut self) -> Option<i32> {
        self.0.wait().expect("wait for the child").code()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !matches!(self.0.try_wait(), Ok(None)) {
            return;
        }
        if let Ok(pid) = i32::try_from(self.0.id()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
