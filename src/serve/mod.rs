//! `baton serve`: a dashboard in the browser (README, `docs/serve.md`). One page embedded in
//! the binary follows the workspace's run live through server-sent events — the timeline of
//! turns, the running turn's transcript, whose turn it is, limits, budgets and totals — and
//! steers it with Approve / Reject / Note.
//!
//! Layout: [`options`] (address and token), [`auth`] (who may read and write), [`snapshot`]
//! (pure: what the run says) and [`graph`] (the workflow and its step), [`files`] (this workspace's files), [`remote`] (the remote's
//! view), [`history`] (the journal in one pass: sums, the newest turns, an index of past
//! turns), [`decisions`] (people's answers at approval checkpoints), [`links`] (where a commit
//! is linked to), [`transcript`] and [`follow`] (the thread that watches the run: here, or on
//! the remote's branch), [`stream`] (one browser's event stream), [`routes`] (HTTP and the
//! steering endpoints), [`past`] (a past turn's diff and transcript, on request),
//! [`workers`] (a worker's transcript, on request) and [`body`]
//! (what requests may carry), [`listen`] (accepting connections: a header timeout, a bound,
//! one request each) and `page/` (the page, its style and scripts, embedded with
//! `include_str!` by [`assets`]).
//!
//! Invariants: the server never writes the state or the journal. Every steering action runs
//! the Baton binary itself (`baton note|approve|reject`, same `--config`), so each action has
//! exactly one owner, the CLI command, with its locks, commits and pushes. SIGINT or SIGTERM
//! ends the server cleanly: the follower stops, open event streams end, and it exits 0.

mod assets;
mod auth;
mod body;
mod decisions;
mod files;
mod follow;
mod graph;
mod history;
mod links;
mod listen;
mod options;
mod past;
mod remote;
mod routes;
mod snapshot;
mod stream;
mod transcript;
mod workers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::config::Config;
use crate::error::{Context as _, Error, Result};

pub(crate) use options::Options;

/// How long open connections get to finish once a signal asked the server to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Flags of `baton serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Where to listen (`host:port`; port 0 picks a free one). Anything but a loopback address
    /// needs a token.
    #[arg(long, default_value = options::DEFAULT_ADDR, value_name = "ADDR")]
    pub addr: SocketAddr,
    /// The token every request must carry (`Authorization: Bearer T`, or `?token=T` in the
    /// page's URL); also read from `BATON_SERVE_TOKEN`.
    #[arg(long, value_name = "T")]
    pub token: Option<String>,
}

impl ServeArgs {
    /// The options these flags and `BATON_SERVE_TOKEN` ask for, checked.
    ///
    /// # Errors
    /// Usage (exit 2): a non-loopback address without a token, or an empty token.
    pub(crate) fn options(&self) -> Result<Options> {
        let env_token = std::env::var(options::TOKEN_ENV).ok();
        Options::new(self.addr, self.token.clone(), env_token)
            .map_err(|e| Error::usage(e).with_hint("bind 127.0.0.1, or set --token"))
    }
}

/// Serves the dashboard of the workspace `config` describes, whose runner lock is `lock`,
/// until SIGINT or SIGTERM.
///
/// # Errors
/// Failed (exit 1): the address cannot be bound.
pub(crate) fn run(options: &Options, config: Config, lock: PathBuf) -> Result<()> {
    let steer = routes::Steer {
        exe: std::env::current_exe().context("find the baton binary")?,
        config_file: config.file.clone(),
        root: config.root.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("start the server's runtime")?;
    let stop = Arc::new(AtomicBool::new(false));
    let past = past::Past::new(config.root.clone(), config.logs_dir.clone());
    let (live, follower) =
        follow::start(config, lock, Arc::clone(&stop)).context("start the file follower")?;
    let served = runtime.block_on(serve(
        options,
        routes::App::new(live, options, steer, past),
        &stop,
    ));
    stop.store(true, Ordering::SeqCst);
    let _ = follower.join();
    // A steering command already started (a `baton approve` committing and pushing) finishes
    // first: dropping the runtime waits for it, so the server leaves no process behind.
    drop(runtime);
    served
}

async fn serve(options: &Options, app: routes::App, stop: &AtomicBool) -> Result<()> {
    // Handlers first: a signal that comes as soon as the address is printed must stop the
    // server cleanly, not kill it.
    let signals = Signals::new().context("install the SIGINT/SIGTERM handlers")?;
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .with_context(|| format!("bind {}", options.addr))?;
    let addr = listener.local_addr()?;
    let query = if options.token.is_some() {
        "?token=…"
    } else {
        ""
    };
    say!("[serve] dashboard on http://{addr}/{query} (Ctrl-C stops)");
    let (shutdown_tx, shutdown) = tokio::sync::watch::channel(false);
    let served = listen::serve(listener, app.router(), shutdown, SHUTDOWN_GRACE);
    tokio::pin!(served);
    tokio::select! {
        _ = &mut served => {}
        () = signals.recv() => {
            // The event streams end when the follower stops; it stops when told.
            stop.store(true, Ordering::SeqCst);
            let _ = shutdown_tx.send(true);
            if !served.await {
                tracing::warn!("connections still open after the grace period; closed");
            }
        }
    }
    say!("[serve] stopped");
    Ok(())
}

/// SIGINT and SIGTERM, caught.
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    /// Resolves at the next SIGINT or SIGTERM.
    async fn recv(mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
    }
}
