//! The page and its assets, embedded in the binary (`page/`), and the policy it is served
//! with.

/// The page and its assets, embedded in the binary: (path, content type, text).
pub(crate) const ASSETS: [(&str, &str, &str); 8] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("page/index.html"),
    ),
    (
        "/app.css",
        "text/css; charset=utf-8",
        include_str!("page/app.css"),
    ),
    (
        "/util.js",
        "text/javascript; charset=utf-8",
        include_str!("page/util.js"),
    ),
    (
        "/chart.js",
        "text/javascript; charset=utf-8",
        include_str!("page/chart.js"),
    ),
    (
        "/turns.js",
        "text/javascript; charset=utf-8",
        include_str!("page/turns.js"),
    ),
    (
        "/workers.js",
        "text/javascript; charset=utf-8",
        include_str!("page/workers.js"),
    ),
    (
        "/pool.js",
        "text/javascript; charset=utf-8",
        include_str!("page/pool.js"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("page/app.js"),
    ),
];

/// The page's policy: scripts, styles and connections only from this server, no inline code
/// (every value is inserted as text; this is the second fence), no framing by other sites (a
/// framed Approve button could be clicked by a trick).
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
