//! Who holds a claim, as the `Baton-Holder` trailer writes it: `<host>:<pid>:<start token>`.

use std::fmt;

use super::{ClaimError, invalid};

/// Who holds a claim: one Baton process on one machine, told apart from any later process that
/// reuses its pid by its start token. Written `<host>:<pid>:<start token>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Holder {
    host: String,
    pid: u32,
    start: String,
}

impl Holder {
    /// A holder: `host` the machine's name (1–255 bytes, no whitespace or control character;
    /// it may hold `:`), `pid` the process id, `start` its start token (as
    /// `crate::process::Identity::start_token` makes it: 1–128 bytes, no whitespace, no `:`).
    ///
    /// # Errors
    /// [`ClaimError::Invalid`] naming the field that breaks its rule.
    pub(crate) fn new(host: &str, pid: u32, start: &str) -> Result<Holder, ClaimError> {
        if host.is_empty() || host.len() > 255 {
            return Err(invalid("host", host, "1 to 255 bytes"));
        }
        if !host.chars().all(is_visible) {
            return Err(invalid("host", host, "no whitespace or control characters"));
        }
        if start.is_empty() || start.len() > 128 {
            return Err(invalid("start token", start, "1 to 128 bytes"));
        }
        if !start.chars().all(|c| is_visible(c) && c != ':') {
            return Err(invalid(
                "start token",
                start,
                "no whitespace, control or `:`",
            ));
        }
        Ok(Holder {
            host: host.to_owned(),
            pid,
            start: start.to_owned(),
        })
    }

    /// Reads `<host>:<pid>:<start token>` (the host may hold `:`; pid and token may not).
    pub(super) fn parse(text: &str) -> Result<Holder, ClaimError> {
        let mut parts = text.rsplitn(3, ':');
        let (Some(start), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("holder", text, "`<host>:<pid>:<start token>`"));
        };
        let pid_value: u32 = pid
            .parse()
            .map_err(|_| invalid("pid", pid, "a decimal process id"))?;
        if pid_value.to_string() != pid {
            return Err(invalid("pid", pid, "a decimal process id"));
        }
        Holder::new(host, pid_value, start)
    }

    /// The machine's name.
    #[must_use]
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// The process id.
    #[must_use]
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// The process's start token.
    #[must_use]
    pub(crate) fn start(&self) -> &str {
        &self.start
    }

    /// Whether this holder is a process of this machine's boot and pid namespace that has
    /// ended, judged from `here` ([`crate::process::Here::has_ended`]): `false` whenever that
    /// cannot be told.
    #[must_use]
    pub(crate) fn has_ended(&self, here: &crate::process::Here) -> bool {
        here.has_ended(self.pid, &self.start)
    }
}

impl fmt::Display for Holder {
    /// `<host>:<pid>:<start token>`, as the `Baton-Holder` trailer writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.host, self.pid, self.start)
    }
}

/// Printable and not whitespace: what may stand in a trailer value or a subject word.
fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control()
}
