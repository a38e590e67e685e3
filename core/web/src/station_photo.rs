//! A station's banner photo on the public pages: served at `/s/{code}/photo.jpg?v=<version>`
//! and cached for good by browsers and proxies, since a new photo has a new version (and so a
//! new URL); a request without the current version is cached briefly and revalidated by ETag.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::error::PageResult;
use liaison_api::AppState;
use liaison_domain::stations::{Station, photo};

/// The banner photo's URL for the station, when it has one.
pub(crate) async fn url_of(state: &AppState, s: &Station) -> PageResult<Option<String>> {
    Ok(photo::version(&state.db, s.id)
        .await?
        .map(|v| format!("/s/{}/photo.jpg?v={v}", s.code)))
}

#[derive(Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `GET /s/{code}/photo.jpg`
pub async fn serve(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Version>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let p = photo::read(&state.db, &code).await?;
    let etag = format!("\"{}\"", p.version);
    let cache = if q.v.as_deref() == Some(p.version.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let mut out = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, p.bytes).into_response()
    };
    let h = out.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&p.content_type).unwrap_or(HeaderValue::from_static("image/jpeg")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(out)
}
