//! The headers every answer carries, pages and API alike, set once on the way out so that no
//! route can forget them: `nosniff`, no framing by another site, and on HTML (the pages, the
//! API's `?format=html` plugin views, error pages) the content security policy.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Pages may load only what this site serves and run no inline script or style (every script
/// and stylesheet is an asset); a brand view can carry no script, and no page can be framed by
/// another site.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
                       script-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                       base-uri 'none'; object-src 'none'";

/// Adds the headers to `res`, keeping any a route chose itself.
pub async fn headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    let kind = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // An SVG opened on its own is a document too, and can hold script.
    if kind.starts_with("text/html") || kind.starts_with("image/svg+xml") {
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(CSP));
    }
    res
}
