//! Accepting connections so that nobody can lock the real user out: each request's head must
//! arrive within [`HEADER_TIMEOUT`] (a client that sends it byte by byte, or not at all, is cut
//! off), each connection serves one request (no idle keep-alive connection holds a place), and
//! at most [`cap`] connections are open at once. When all places are taken, the oldest
//! connection still waiting for its request head makes room for the new one — a slowloris
//! holds no place longer than it takes the real user's browser to send a request head — and
//! when every place serves a request (open event streams), the next connection waits in the
//! listen queue until one ends.
//!
//! On shutdown the listener stops accepting, asks every connection to finish its request and
//! close, and aborts what is still open after the grace period.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::{AbortHandle, JoinSet};

/// How long a client has to send a request's head (its request line and headers).
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections open at once, at most.
const MAX_CONNECTIONS: usize = 256;

/// The fewest connections allowed, however low the file limit.
const MIN_CONNECTIONS: usize = 8;

/// File descriptors kept for everything but connections (stdio, the runtime, the files the
/// follower reads, git children's pipes).
const RESERVED_FDS: u64 = 64;

/// The connection bound: half of what the open-file limit leaves after [`RESERVED_FDS`],
/// within [`MIN_CONNECTIONS`]..=[`MAX_CONNECTIONS`] (a connection beyond the file limit
/// could not even be accepted, and an `accept` failing for that is a lockout too).
pub(crate) fn cap() -> usize {
    let soft = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map_or(1024, |(soft, _)| soft);
    let room = usize::try_from(soft.saturating_sub(RESERVED_FDS) / 2).unwrap_or(MAX_CONNECTIONS);
    room.clamp(MIN_CONNECTIONS, MAX_CONNECTIONS)
}

/// One open connection.
struct Place {
    /// When it was accepted.
    since: Instant,
    /// Whether its request head arrived (it is being served).
    served: Arc<AtomicBool>,
    /// Ends its task.
    abort: AbortHandle,
}

/// The open connections, by id.
#[derive(Default)]
struct Open {
    places: Mutex<BTreeMap<u64, Place>>,
    /// Signalled when a place is freed.
    freed: Notify,
}

impl Open {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Place>> {
        self.places.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes room for one more connection under `cap`: `true` when there is room (after
    /// aborting the oldest connection still waiting for its request head, if need be).
    fn make_room(&self, cap: usize) -> bool {
        let mut places = self.lock();
        if places.len() < cap {
            return true;
        }
        let oldest = places
            .iter()
            .filter(|(_, p)| !p.served.load(Ordering::SeqCst))
            .min_by_key(|(_, p)| p.since)
            .map(|(id, _)| *id);
        match oldest.and_then(|id| places.remove(&id)) {
            Some(place) => {
                place.abort.abort();
                true
            }
            None => false,
        }
    }
}

/// Removes its connection from [`Open`] when its task ends, however it ends (done, failed,
/// aborted).
struct Leave {
    open: Arc<Open>,
    id: u64,
}

impl Drop for Leave {
    fn drop(&mut self) {
        self.open.lock().remove(&self.id);
        self.open.freed.notify_waiters();
    }
}

/// Serves `router` on `listener` until `shutdown` turns true, then lets open connections finish
/// for at most `grace`. Returns whether every connection had ended by then.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) -> bool {
    let cap = cap();
    let open = Arc::new(Open::default());
    let mut tasks = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        while tasks.try_join_next().is_some() {}
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|s| *s) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, or a connection reset before it was accepted: try
                // again a little later rather than spin.
                tracing::warn!(error = %e, "accept");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        loop {
            let freed = open.freed.notified();
            if open.make_room(cap) {
                break;
            }
            tokio::select! {
                () = freed => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
        }
        if *shutdown.borrow() {
            break;
        }
        next_id += 1;
        let id = next_id;
        let served = Arc::new(AtomicBool::new(false));
        let leave = Leave {
            open: Arc::clone(&open),
            id,
        };
        let connection = connection(
            stream,
            router.clone(),
            Arc::clone(&served),
            shutdown.clone(),
        );
        // Registered before it runs, so that its end always finds its place to remove.
        let mut places = open.lock();
        let abort = tasks.spawn(async move {
            let _leave = leave;
            connection.await;
        });
        places.insert(
            id,
            Place {
                since: Instant::now(),
                served,
                abort,
            },
        );
    }
    drop(listener);
    tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
        .await
        .is_ok()
}

/// Serves one connection: one request (HTTP/1.1, its head within [`HEADER_TIMEOUT`]), marking
/// `served` once its head arrived; on `shutdown`, finishes that request and closes.
async fn connection(
    stream: tokio::net::TcpStream,
    router: Router,
    served: Arc<AtomicBool>,
    mut shutdown: watch::Receiver<bool>,
) {
    let inner = TowerToHyperService::new(router);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        served.store(true, Ordering::SeqCst);
        hyper::service::Service::call(&inner, request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .keep_alive(false);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection");
            }
            return;
        }
        _ = shutdown.wait_for(|s| *s) => {}
    }
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(error = %e, "connection");
    }
}
