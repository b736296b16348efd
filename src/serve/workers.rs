//! One worker's transcript on request (`GET /api/worker/<worker>/<task>/transcript`): the kept
//! tail of the `transcript` events its own turn wrote to the event log, for the workers the
//! snapshot lists (running, or among the newest ended). The page asks again whenever the
//! snapshot says the transcript grew (its `transcript_bytes`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::events::Workers;

/// The answer for `worker`'s run of `task` in `workers`: `{"worker", "task", "actor",
/// "iteration", "log", "running", "landing", "bytes", "from", "truncated", "text"}` (`from`:
/// the position in its transcript where `text` starts; `bytes`: where it ends), or 404.
pub(crate) fn transcript(workers: &Workers, worker: &str, task: &str) -> Response {
    let Some(run) = workers.find(worker, task) else {
        let error = format!("no worker {worker} on task {task} in the event log");
        return (StatusCode::NOT_FOUND, Json(json!({ "error": error }))).into_response();
    };
    let running = workers.running.iter().any(|w| w.n == run.n);
    Json(json!({
        "worker": run.worker,
        "task": run.task,
        "actor": run.actor,
        "iteration": run.iteration,
        "log": run.log,
        "running": running,
        "landing": run.landing,
        "bytes": run.transcript_bytes,
        "from": run.transcript_bytes - run.transcript.len() as u64,
        "truncated": run.truncated,
        "text": run.transcript,
    }))
    .into_response()
}
