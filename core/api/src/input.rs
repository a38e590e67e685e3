//! Input that arrives outside a body — the path and the query string — checked once, for every
//! route of the API and of the pages, by the one rule of what text may hold
//! (`liaison_contract::hygiene`): a NUL, another control character or a bidi override, also
//! percent-encoded, is refused with 422 naming `path` or the query parameter, before any
//! extractor, rule or database sees it. (PostgreSQL refuses NUL in text with an error, which
//! used to answer 500; SQLite cut strings at it.) JSON bodies get the same check in
//! `liaison_domain::json::parse`, form fields in the pages' form extractor.

use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use liaison_contract::hygiene::forbidden;
use liaison_domain::error::FieldKind;

use crate::error::ApiError;

/// Refuses a request whose path or query holds a character text may not hold.
pub async fn refuse_controls(req: Request, next: Next) -> Response {
    match forbidden_in(req.uri()) {
        Some(field) => ApiError::invalid(field, FieldKind::ControlCharacters).into_response(),
        None => next.run(req).await,
    }
}

/// `path`, or the name of the query parameter, holding a forbidden character once decoded.
fn forbidden_in(uri: &Uri) -> Option<String> {
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    if path.chars().any(forbidden) {
        return Some("path".to_owned());
    }
    let query = uri.query()?;
    form_urlencoded::parse(query.as_bytes()).find_map(|(k, v)| {
        (k.chars().any(forbidden) || v.chars().any(forbidden)).then(|| {
            let name: String = k.chars().filter(|c| !forbidden(*c)).collect();
            if name.is_empty() {
                "query".to_owned()
            } else {
                name
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_controls_in_paths_and_queries_are_found() {
        let at = |u: &str| forbidden_in(&u.parse::<Uri>().expect("a URI"));
        assert_eq!(at("/api/v1/stations/lu%00nan"), Some("path".into()));
        assert_eq!(at("/t/AB%1bCD"), Some("path".into()));
        assert_eq!(at("/api/v1/cases?text=a%00b"), Some("text".into()));
        assert_eq!(
            at("/api/v1/cases?page=1&text=%E2%80%AE"),
            Some("text".into())
        );
        assert_eq!(at("/api/v1/cases?x%00=1"), Some("x".into()));
        assert_eq!(at("/api/v1/cases?text=%E8%B7%AF%E7%81%AF&page=2"), None);
        assert_eq!(at("/s/lunan"), None);
    }
}
