//! One browser's server-sent event stream (`GET /api/events`, `docs/serve.md`): at connection
//! the snapshot and the transcript's kept tail, then whatever changed — a new snapshot, the
//! transcript's new text. Each stream remembers what it sent, so a browser never misses text
//! nor gets it twice, however the follower's updates are coalesced; one that fell behind the
//! kept tail gets the tail again (`reset`). The stream ends when the follower stops.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::Event;
use futures_util::Stream;
use serde_json::json;
use tokio::sync::watch;

use super::follow::Live;

/// What one browser was sent so far.
#[derive(Debug, Default)]
struct Sent {
    /// The snapshot version.
    version: u64,
    /// The transcript file.
    log: Option<String>,
    /// The transcript position up to which text was sent.
    end: u64,
}

impl Sent {
    /// The events (name, data) that bring this browser up to `live`: the snapshot when it
    /// changed, then the transcript's new text.
    fn catch_up(&mut self, live: &Live) -> Vec<(&'static str, String)> {
        let mut events = Vec::new();
        if live.version != self.version {
            self.version = live.version;
            events.push(("snapshot", live.snapshot.to_string()));
        }
        let t = &live.transcript;
        let delta = if t.log == self.log {
            t.since(self.end)
        } else {
            None
        };
        let (reset, text) = match delta {
            Some("") => return events,
            Some(text) => (false, text),
            None => (true, t.text.as_str()),
        };
        self.log.clone_from(&t.log);
        self.end = t.end();
        let data = json!({ "log": t.log, "reset": reset, "text": text });
        events.push(("transcript", data.to_string()));
        events
    }
}

/// The event stream over the follower's `live` picture.
pub(crate) fn events(
    live: watch::Receiver<Arc<Live>>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let start = (live, Sent::default(), VecDeque::new(), false);
    futures_util::stream::unfold(
        start,
        |(mut live, mut sent, mut queue, mut started)| async move {
            loop {
                if let Some((name, data)) = queue.pop_front() {
                    let event = Event::default().event(name).data(data);
                    return Some((Ok(event), (live, sent, queue, started)));
                }
                // The follower dropped its sender: the server is stopping.
                if started && live.changed().await.is_err() {
                    return None;
                }
                started = true;
                let now = Arc::clone(&live.borrow_and_update());
                queue.extend(sent.catch_up(&now));
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::transcript::Transcript;

    fn live(version: u64, log: &str, base: u64, text: &str) -> Live {
        Live {
            version,
            snapshot: Arc::from(format!("{{\"v\":{version}}}")),
            transcript: Arc::new(Transcript {
                log: Some(log.to_owned()),
                base,
                text: text.to_owned(),
            }),
            index: Arc::default(),
            workers: Arc::default(),
        }
    }

    #[test]
    fn a_browser_gets_everything_once_then_only_what_is_new() {
        let mut sent = Sent::default();
        let first = sent.catch_up(&live(1, "a.log", 0, "hello"));
        assert_eq!(first[0], ("snapshot", "{\"v\":1}".to_owned()));
        assert_eq!(
            first[1],
            (
                "transcript",
                r#"{"log":"a.log","reset":true,"text":"hello"}"#.to_owned()
            )
        );
        assert!(sent.catch_up(&live(1, "a.log", 0, "hello")).is_empty());
        let more = sent.catch_up(&live(1, "a.log", 0, "hello world"));
        assert_eq!(
            more,
            [(
                "transcript",
                r#"{"log":"a.log","reset":false,"text":" world"}"#.to_owned()
            )]
        );
        let next_turn = sent.catch_up(&live(2, "b.log", 0, "b"));
        assert_eq!(next_turn.len(), 2);
        assert!(next_turn[1].1.contains(r#""reset":true"#));
        let behind = sent.catch_up(&live(2, "b.log", 10, "kept tail"));
        assert_eq!(
            behind,
            [(
                "transcript",
                r#"{"log":"b.log","reset":true,"text":"kept tail"}"#.to_owned()
            )],
            "fell behind the kept tail: the tail again"
        );
    }
}
