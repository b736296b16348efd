//! The HTTP surface (`docs/serve.md`, "Endpoints"): the page, the snapshot, the event stream,
//! past turns (their diff and transcript, see [`past`]), a worker's transcript (see
//! [`workers`]), and the steering endpoints, which run the Baton binary's own `note`, `approve`
//! and `reject` commands and return their exit code and output. Every request passes
//! [`auth::check`] first.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use serde_json::json;
use tokio::sync::watch;

use super::assets::{ASSETS, CSP};
use super::body::{ApproveBody, BODY_MAX_BYTES, Body, NoteBody, RejectBody, too_long};
use super::follow::Live;
use super::options::Options;
use super::past::{self, Ask, Past};
use super::{auth, stream, workers};

/// How the steering endpoints run Baton: this binary, the workspace's configuration file, in
/// the workspace root.
#[derive(Clone, Debug)]
pub(crate) struct Steer {
    /// The Baton binary (`std::env::current_exe`).
    pub(crate) exe: PathBuf,
    /// The configuration file the server loaded (`--config` for the command).
    pub(crate) config_file: Option<PathBuf>,
    /// The workspace root (the command's working directory).
    pub(crate) root: PathBuf,
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct App {
    live: watch::Receiver<Arc<Live>>,
    token: Option<Arc<str>>,
    steer: Arc<Steer>,
    past: Arc<Past>,
}

impl App {
    /// The application over the follower's `live` picture; past turns are read from `past`.
    pub(crate) fn new(
        live: watch::Receiver<Arc<Live>>,
        options: &Options,
        steer: Steer,
        past: Past,
    ) -> App {
        App {
            live,
            token: options.token.as_deref().map(Arc::from),
            steer: Arc::new(steer),
            past: Arc::new(past),
        }
    }

    /// The routes, behind the access check.
    pub(crate) fn router(self) -> Router {
        let mut router = Router::new();
        for (path, content_type, text) in ASSETS {
            let headers = [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-store"),
                (header::CONTENT_SECURITY_POLICY, CSP),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ];
            router = router.route(path, get(move || async move { (headers, text) }));
        }
        router
            .route("/api/snapshot", get(snapshot))
            .route("/api/transcript", get(transcript))
            .route("/api/events", get(events))
            .route("/api/turn/{n}/diff", get(turn_diff))
            .route("/api/turn/{n}/transcript", get(turn_transcript))
            .route(
                "/api/worker/{worker}/{task}/transcript",
                get(worker_transcript),
            )
            .route("/api/note", post(note))
            .route("/api/approve", post(approve))
            .route("/api/reject", post(reject))
            .layer(DefaultBodyLimit::max(BODY_MAX_BYTES))
            .layer(middleware::from_fn_with_state(self.clone(), guard))
            .with_state(self)
    }
}

/// Runs [`auth::check`] before every handler. The page's style and scripts are the same for
/// everyone and hold no data, so they are served without the token (a page opened with
/// `?token=` loads them by plain URL).
async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let read = request.method() == Method::GET || request.method() == Method::HEAD;
    if read && path != "/" && ASSETS.iter().any(|(asset, ..)| *asset == path) {
        return next.run(request).await;
    }
    let checked = auth::check(
        request.method(),
        request.headers(),
        request.uri().query(),
        app.token.as_deref(),
    );
    match checked {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            let body = Json(json!({ "error": refusal.to_string() }));
            let mut response = (refusal.status(), body).into_response();
            if refusal == auth::Refusal::Unauthorized {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            response
        }
    }
}

async fn snapshot(State(app): State<App>) -> impl IntoResponse {
    let json = Arc::clone(&app.live.borrow().snapshot);
    (
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
}

async fn transcript(State(app): State<App>) -> impl IntoResponse {
    let t = Arc::clone(&app.live.borrow().transcript);
    Json(json!({ "log": t.log, "base": t.base, "text": t.text }))
}

async fn turn_diff(State(app): State<App>, Path(n): Path<String>) -> Response {
    past::answer(&app.past, &app.live, &n, Ask::Diff).await
}

async fn turn_transcript(State(app): State<App>, Path(n): Path<String>) -> Response {
    past::answer(&app.past, &app.live, &n, Ask::Transcript).await
}

async fn worker_transcript(
    State(app): State<App>,
    Path((worker, task)): Path<(String, String)>,
) -> Response {
    let live = Arc::clone(&app.live.borrow());
    workers::transcript(&live.workers, &worker, &task)
}

async fn events(State(app): State<App>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    Sse::new(stream::events(app.live.clone())).keep_alive(KeepAlive::default())
}

async fn note(State(app): State<App>, Body(body): Body<NoteBody>) -> Response {
    if body.text.trim().is_empty() {
        return bad_request("a note needs text");
    }
    if let Some(refused) = too_long(&body.text) {
        return refused;
    }
    let mut args = vec!["note".to_owned()];
    if let Some(to) = body.to.filter(|t| !t.is_empty()) {
        args.push(format!("--to={to}"));
    }
    args.extend(["--".to_owned(), body.text]);
    run(&app, args).await
}

async fn approve(State(app): State<App>, Body(body): Body<ApproveBody>) -> Response {
    if let Some(refused) = body.note.as_deref().and_then(too_long) {
        return refused;
    }
    let mut args = vec!["approve".to_owned()];
    if let Some(note) = body.note.filter(|n| !n.trim().is_empty()) {
        args.push(format!("--note={note}"));
    }
    run(&app, args).await
}

async fn reject(State(app): State<App>, Body(body): Body<RejectBody>) -> Response {
    if body.note.trim().is_empty() {
        return bad_request("a rejection needs a note (what galph should do instead)");
    }
    if let Some(refused) = too_long(&body.note) {
        return refused;
    }
    run(
        &app,
        vec!["reject".to_owned(), format!("--note={}", body.note)],
    )
    .await
}

/// A 400 answer saying `message`.
fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

/// How long a steering command may run: its wait for the command lock (two minutes) and a
/// push.
const STEER_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// The most of a steering command's stdout and stderr kept for the answer (bytes each).
const STEER_OUTPUT: usize = 64 * 1024;

/// Runs `baton <args>` for the workspace and answers with its exit code and output: 200 when it
/// exited 0, 409 otherwise (the command refused: nothing to approve, a bad actor name, …, or
/// it ran past [`STEER_DEADLINE`] and was ended with its process group).
async fn run(app: &App, args: Vec<String>) -> Response {
    let steer = Arc::clone(&app.steer);
    let shown = format!("baton {}", args.join(" "));
    let output = tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(&steer.exe);
        command.arg("--color=never");
        if let Some(file) = &steer.config_file {
            command.arg("--config").arg(file);
        }
        command
            .args(&args)
            .current_dir(&steer.root)
            .stdin(std::process::Stdio::null());
        // Its own process group (Bounds' default): a Ctrl-C meant for the server does not cut
        // the command short (the server waits for it before exiting).
        let bounds = crate::process::Bounds {
            deadline: Some(STEER_DEADLINE),
            capture: Some(STEER_OUTPUT),
            ..crate::process::Bounds::default()
        };
        crate::process::run_bounded(&mut command, &bounds)
    })
    .await;
    match output {
        Ok(Ok(out)) => {
            let code = out.code();
            let status = if code == Some(0) {
                StatusCode::OK
            } else {
                StatusCode::CONFLICT
            };
            let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            if out.ending == crate::process::Ending::TimedOut {
                stderr.push_str(&format!(
                    "\n{shown} did not finish within {}s: ended",
                    STEER_DEADLINE.as_secs()
                ));
            }
            let body = json!({
                "command": shown,
                "code": code,
                "stdout": String::from_utf8_lossy(&out.stdout),
                "stderr": stderr,
            });
            (status, Json(body)).into_response()
        }
        Ok(Err(e)) => {
            let body = json!({ "command": shown, "error": format!("cannot run baton: {e}") });
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }
        Err(e) => {
            let body = json!({ "command": shown, "error": format!("{e}") });
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }
    }
}
