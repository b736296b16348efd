//! Who may ask a running Baton what: any process of the user may stop it; a note or an
//! approval answer is a person's, refused from the processes of the run's own agents; nothing
//! is taken from another user (see the parent module).

use super::channel::{Peer, Reply, refusal};
use super::{Request, Shared};
use crate::state::NOTE_MAX_BYTES;

impl Shared {
    /// The run's answer to `request` from `peer` (see the module docs).
    pub(super) fn accept(&self, request: Request, peer: Peer) -> Reply {
        let uid = nix::unistd::geteuid().as_raw();
        if peer.uid != uid {
            return refusal(format!("it comes from another user (uid {})", peer.uid));
        }
        if let Err(why) = check(&request, peer) {
            return refusal(why);
        }
        let taken = self.change(|pending| match request {
            Request::Stop { reason } => pending.stop = Some(reason),
            Request::Note { note } => pending.notes.push(note),
            Request::Decision { decision } => pending.decision = Some(decision),
        });
        match taken {
            Ok(()) => Reply {
                ok: true,
                error: None,
            },
            Err(e) => refusal(format!("it cannot be kept: {:#}", anyhow::Error::new(e))),
        }
    }
}

/// Why `request` from `peer` is refused, if it is: a person's request from a process of an
/// agent run, or a text out of bounds.
fn check(request: &Request, peer: Peer) -> std::result::Result<(), String> {
    let text = match request {
        Request::Stop { reason } => reason,
        Request::Note { note } => &note.text,
        Request::Decision { decision } => decision.note.as_deref().unwrap_or_default(),
    };
    if text.len() > NOTE_MAX_BYTES {
        return Err(format!("its text is over {NOTE_MAX_BYTES} bytes"));
    }
    if matches!(request, Request::Stop { .. }) {
        return Ok(());
    }
    match crate::process::in_agent_run(peer.pid) {
        Some(false) => Ok(()),
        Some(true) => Err(format!(
            "it comes from a process of the running turn (pid {}): notes and approval answers \
             are a person's, and an agent cannot make them",
            peer.pid
        )),
        None => Err(format!(
            "its sender (pid {}) was gone before it could be checked",
            peer.pid
        )),
    }
}
