//! Where `baton serve` listens and who may talk to it: the address, the token, and the rule
//! that a server reachable from other machines is never open to them without a token.

use std::net::SocketAddr;

/// The default address: loopback only, port 7878.
pub(crate) const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// The environment variable that gives the token when `--token` does not.
pub(crate) const TOKEN_ENV: &str = "BATON_SERVE_TOKEN";

/// Why the options were refused (exit 2, nothing started).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum OptionsError {
    /// A non-loopback address without a token would let anyone on the network steer the run.
    #[error(
        "baton serve --addr {addr}: a non-loopback address needs a token (--token or {TOKEN_ENV})"
    )]
    OpenWithoutToken {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// An empty token would match an empty `Authorization` header.
    #[error("baton serve: the token is empty (--token or {TOKEN_ENV})")]
    EmptyToken,
}

/// The validated options of one server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Options {
    /// The address to bind (port 0: any free port, printed at start).
    pub(crate) addr: SocketAddr,
    /// The shared secret every request must carry; `None` on loopback without one.
    pub(crate) token: Option<String>,
}

impl Options {
    /// Validates `addr` and the token (`--token`, else `env_token` from [`TOKEN_ENV`]).
    ///
    /// # Errors
    /// [`OptionsError::OpenWithoutToken`] for a non-loopback address without a token;
    /// [`OptionsError::EmptyToken`] for an empty one.
    pub(crate) fn new(
        addr: SocketAddr,
        flag_token: Option<String>,
        env_token: Option<String>,
    ) -> Result<Options, OptionsError> {
        let token = flag_token.or(env_token);
        if token.as_deref().is_some_and(str::is_empty) {
            return Err(OptionsError::EmptyToken);
        }
        if token.is_none() && !addr.ip().is_loopback() {
            return Err(OptionsError::OpenWithoutToken { addr });
        }
        Ok(Options { addr, token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn loopback_needs_no_token_anything_else_does() {
        let open = Options::new(addr("127.0.0.1:7878"), None, None).expect("loopback");
        assert_eq!(open.token, None);
        assert!(Options::new(addr("[::1]:0"), None, None).is_ok());
        assert_eq!(
            Options::new(addr("0.0.0.0:7878"), None, None),
            Err(OptionsError::OpenWithoutToken {
                addr: addr("0.0.0.0:7878")
            })
        );
        let env = Options::new(addr("0.0.0.0:7878"), None, Some("s3cret".into())).expect("env");
        assert_eq!(env.token.as_deref(), Some("s3cret"));
        let flag = Options::new(addr("0.0.0.0:1"), Some("a".into()), Some("b".into()));
        assert_eq!(
            flag.expect("flag").token.as_deref(),
            Some("a"),
            "the flag wins"
        );
        assert_eq!(
            Options::new(addr("127.0.0.1:1"), Some(String::new()), None),
            Err(OptionsError::EmptyToken)
        );
    }
}
