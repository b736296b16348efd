//! What a steering request's body may be (`docs/serve.md`, "Endpoints"): the JSON each endpoint
//! takes, at most [`BODY_MAX_BYTES`], and notes of at most [`NOTE_MAX_BYTES`] — the limit of
//! `baton note`. A refusal says what is wrong in a few words and never echoes what was sent.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::state::NOTE_MAX_BYTES;

/// The largest request body: a note of [`NOTE_MAX_BYTES`] as JSON, every byte escaped
/// (`\u00XX`, six bytes) in the worst case, with room for the keys.
pub(crate) const BODY_MAX_BYTES: usize = 6 * NOTE_MAX_BYTES + 1024;

/// `POST /api/note`: `{"text": "…", "to": "ralph"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct NoteBody {
    /// The note.
    pub(crate) text: String,
    /// Only for this actor's next turn.
    #[serde(default)]
    pub(crate) to: Option<String>,
}

/// `POST /api/approve`: `{}` or `{"note": "…"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ApproveBody {
    /// A note for the approved turn.
    #[serde(default)]
    pub(crate) note: Option<String>,
}

/// `POST /api/reject`: `{"note": "…"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct RejectBody {
    /// What galph should do instead.
    pub(crate) note: String,
}

/// A JSON request body; a refusal is 413 past [`BODY_MAX_BYTES`], 400 for JSON this endpoint
/// does not take.
pub(crate) struct Body<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(body)) => Ok(Body(body)),
            Err(rejection) => Err(refuse(&rejection)),
        }
    }
}

/// The answer to a body that could not be taken.
fn refuse(rejection: &JsonRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let message = format!(
            "the request body is larger than {BODY_MAX_BYTES} bytes (a note is at most \
             {NOTE_MAX_BYTES})"
        );
        return error(StatusCode::PAYLOAD_TOO_LARGE, &message);
    }
    error(
        StatusCode::BAD_REQUEST,
        "the request body is not the JSON this endpoint takes (docs/serve.md, Endpoints)",
    )
}

/// Refuses a note longer than [`NOTE_MAX_BYTES`] (413), saying its length, not its text.
pub(crate) fn too_long(text: &str) -> Option<Response> {
    (text.len() > NOTE_MAX_BYTES).then(|| {
        let message = format!(
            "a note is at most {NOTE_MAX_BYTES} bytes; this one has {} (put a long text in a \
             file and note its path)",
            text.len()
        );
        error(StatusCode::PAYLOAD_TOO_LARGE, &message)
    })
}

/// `{"error": message}` with `status`.
fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
