//! Oversight tables as downloads (CSV, Excel), for the API and the pages.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use liaison_domain::oversight::exports::{self, Format, Table};

use crate::ApiError;

/// The table as a download named `file` (ASCII, without extension).
pub fn download(format: Format, file: &str, t: &Table) -> Result<Response, ApiError> {
    let d = exports::file(format, file, t)?;
    let disposition = format!("attachment; filename=\"{}\"", d.file_name);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(d.content_type),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.into()))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        d.bytes,
    )
        .into_response())
}
