//! Who may read and who may steer (`docs/serve.md`, "Security model"). Every request passes
//! [`check`] before a handler runs:
//!
//! - With a token, every request carries it: `Authorization: Bearer <token>`, or — for the
//!   page and its event stream, which a browser opens by URL — `?token=<token>` on a `GET`.
//!   A write (`POST`) must use the header, which a plain HTML form cannot set.
//! - Without a token (loopback only), the `Host` header must be a loopback name, so a page of
//!   another site cannot reach the server by pointing its own name at 127.0.0.1 (DNS
//!   rebinding).
//! - Every write must come from the dashboard itself: a `Sec-Fetch-Site` other than
//!   `same-origin`/`none`, or an `Origin` other than the server's own, is refused, and the body
//!   must be `application/json` (a cross-site form cannot send that without a CORS preflight,
//!   which the server never grants).

use axum::http::{HeaderMap, Method, StatusCode, header};

/// Why a request was refused; each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    /// No token or a wrong one: 401.
    #[error("a token is required: send `Authorization: Bearer <token>` (or `?token=` on a GET)")]
    Unauthorized,
    /// No token is configured and `Host` is not a loopback name: 403.
    #[error("the Host header is not a loopback name; start the server with a token to serve it")]
    ForeignHost,
    /// A write from another site: 403.
    #[error("cross-site write refused")]
    CrossSite,
    /// A write whose body is not JSON: 415.
    #[error("a write needs a JSON body (Content-Type: application/json)")]
    NotJson,
}

impl Refusal {
    /// The HTTP status of this refusal.
    #[must_use]
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
            Refusal::ForeignHost | Refusal::CrossSite => StatusCode::FORBIDDEN,
            Refusal::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }
}

/// Checks one request (its method, headers and raw query string) against `token`.
///
/// # Errors
/// The first rule the request breaks, in the order of the module docs.
pub(crate) fn check(
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    token: Option<&str>,
) -> Result<(), Refusal> {
    let read_only = method == Method::GET || method == Method::HEAD;
    let host = header_str(headers, header::HOST);
    match token {
        Some(token) => {
            let bearer = header_str(headers, header::AUTHORIZATION)
                .and_then(bearer_credentials)
                .is_some_and(|given| same(given, token));
            let in_query = read_only
                && query
                    .and_then(|q| query_param(q, "token"))
                    .is_some_and(|given| same(&given, token));
            if !bearer && !in_query {
                return Err(Refusal::Unauthorized);
            }
        }
        None => {
            if !host.is_some_and(is_loopback_host) {
                return Err(Refusal::ForeignHost);
            }
        }
    }
    if read_only {
        return Ok(());
    }
    if let Some(site) = header_str(headers, "sec-fetch-site")
        && site != "same-origin"
        && site != "none"
    {
        return Err(Refusal::CrossSite);
    }
    if let Some(origin) = header_str(headers, header::ORIGIN) {
        let own = host.is_some_and(|h| {
            origin.strip_prefix("http://") == Some(h) || origin.strip_prefix("https://") == Some(h)
        });
        if !own {
            return Err(Refusal::CrossSite);
        }
    }
    let json = header_str(headers, header::CONTENT_TYPE).is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if json { Ok(()) } else { Err(Refusal::NotJson) }
}

/// The credentials of an `Authorization: Bearer <token>` value. The scheme is
/// case-insensitive and followed by one or more spaces (RFC 9110 §11.1, §11.4).
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim_start_matches(' '))
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether `host` (a `Host` header: name and optional port) names this machine's loopback.
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Compares in time independent of where the strings differ (the token is a secret).
fn same(given: &str, token: &str) -> bool {
    let (a, b) = (given.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The percent-decoded value of `name` in a query string (`a=1&token=x%2By`).
fn query_param(query: &str, name: &str) -> Option<String> {
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).expect("test header"));
        }
        map
    }

    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn a_token_is_needed_in_the_header_or_on_a_get_in_the_query() {
        let t = Some("s3cr+t");
        let host = ("host", "example.org:7878");
        let get = |h: &[(&'static str, &str)], q| check(&Method::GET, &headers(h), q, t);
        assert_eq!(get(&[host], None), Err(Refusal::Unauthorized));
        assert_eq!(
            get(&[host, ("authorization", "Bearer wrong!")], None),
            Err(Refusal::Unauthorized)
        );
        assert_eq!(
            get(&[host, ("authorization", "Bearer s3cr+t")], None),
            Ok(())
        );
        assert_eq!(get(&[host], Some("x=1&token=s3cr%2Bt")), Ok(()));
        for scheme in ["bearer s3cr+t", "BEARER s3cr+t", "Bearer   s3cr+t"] {
            assert_eq!(
                get(&[host, ("authorization", scheme)], None),
                Ok(()),
                "{scheme}: the scheme is case-insensitive"
            );
        }
        for wrong in ["Basic s3cr+t", "Bearers3cr+t", "Bearer", "s3cr+t"] {
            assert_eq!(
                get(&[host, ("authorization", wrong)], None),
                Err(Refusal::Unauthorized),
                "{wrong}"
            );
        }
        assert_eq!(get(&[host], Some("token=s3cr")), Err(Refusal::Unauthorized));
        let post = |h: &[(&'static str, &str)], q| check(&Method::POST, &headers(h), q, t);
        assert_eq!(
            post(&[host, JSON], Some("token=s3cr%2Bt")),
            Err(Refusal::Unauthorized),
            "a write carries the token in its header"
        );
        assert_eq!(
            post(&[host, JSON, ("authorization", "Bearer s3cr+t")], None),
            Ok(())
        );
    }

    #[test]
    fn without_a_token_only_loopback_host_names_are_served() {
        let get = |host: &str| check(&Method::GET, &headers(&[("host", host)]), None, None);
        for ok in [
            "127.0.0.1:7878",
            "localhost:1",
            "[::1]:7878",
            "LOCALHOST",
            "a.localhost:9",
        ] {
            assert_eq!(get(ok), Ok(()), "{ok}");
        }
        for bad in [
            "evil.example:7878",
            "10.0.0.1:7878",
            "127.0.0.1.evil.example",
        ] {
            assert_eq!(get(bad), Err(Refusal::ForeignHost), "{bad}");
        }
        let none = check(&Method::GET, &HeaderMap::new(), None, None);
        assert_eq!(none, Err(Refusal::ForeignHost));
    }

    #[test]
    fn writes_must_be_same_origin_json() {
        let host = ("host", "127.0.0.1:7878");
        let post = |h: &[(&'static str, &str)]| check(&Method::POST, &headers(h), None, None);
        assert_eq!(
            post(&[host, JSON]),
            Ok(()),
            "curl: no Origin, no Sec-Fetch-Site"
        );
        assert_eq!(
            post(&[
                host,
                JSON,
                ("origin", "http://127.0.0.1:7878"),
                ("sec-fetch-site", "same-origin")
            ]),
            Ok(())
        );
        assert_eq!(
            post(&[host, JSON, ("origin", "http://evil.example")]),
            Err(Refusal::CrossSite)
        );
        assert_eq!(
            post(&[host, JSON, ("origin", "null")]),
            Err(Refusal::CrossSite)
        );
        assert_eq!(
            post(&[host, JSON, ("sec-fetch-site", "cross-site")]),
            Err(Refusal::CrossSite)
        );
        assert_eq!(
            post(&[host, ("content-type", "application/x-www-form-urlencoded")]),
            Err(Refusal::NotJson)
        );
        assert_eq!(
            post(&[host, ("content-type", "text/plain")]),
            Err(Refusal::NotJson)
        );
        assert_eq!(
            post(&[host, ("content-type", "application/json; charset=utf-8")]),
            Ok(())
        );
    }
}
