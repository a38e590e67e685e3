//! The one error type of the HTTP boundary. Clients get a status and a JSON body naming what
//! was wrong; internal failures are logged with their cause and shown only as "internal error".

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use liaison_domain::Error;
use liaison_domain::error::{FieldKind, FormatKind};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request: unreadable JSON, wrong types.
    #[error("{message}")]
    BadRequest {
        field: Option<String>,
        message: String,
    },
    /// Well-formed but not acceptable: a missing description, an unknown station.
    #[error("{field}: {kind}")]
    Invalid { field: String, kind: FieldKind },
    #[error("sign-in required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The case is not in a state that allows the action, or someone acted first.
    #[error("{0}")]
    Conflict(String),
    /// A plugin is suspended, disabled or failing; core work goes on.
    #[error("{0}")]
    Unavailable(String),
    /// The host had no slot for a plugin call in time: 503 with Retry-After; nothing was done.
    #[error("{0}")]
    Busy(String),
    #[error("request body larger than {limit} bytes")]
    TooLarge {
        limit: usize,
        /// The part at fault (`photo`), when the limit is one part's.
        field: Option<String>,
    },
    /// The database failed inside the domain; logged, never shown.
    #[error("database: {0}")]
    Db(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What every error answer looks like.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable kind: bad_request, invalid, unauthorized, forbidden, not_found,
    /// method_not_allowed, conflict, too_large, too_many_requests, unavailable, busy (503 with
    /// Retry-After: try again then), internal.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `invalid`: what is wrong with the field, a stable snake_case code: required, blank,
    /// too_short, too_long, out_of_range, too_small, too_many, count, sum, not_one_of,
    /// unknown_code, unknown_field, format, conflict, deputy_not_serving, anonymous_contact,
    /// lead_as_co_handler, not_applicable, date_span, photo_type, photo_count, photo_size,
    /// photo_dimensions, control_characters, key_reused, larger_than, package (the plugin package check's words), plugin (a plugin's words).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// With `format`: the shape expected (phone, date, number, boolean, username, client_key,
    /// tag, storage_key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// The smallest value or length allowed, when the kind has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// The largest value, length or count allowed, when the kind has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

impl ErrorDetail {
    /// An answer naming only its code, message and field.
    pub fn plain(code: &'static str, message: String, field: Option<String>) -> Self {
        ErrorDetail {
            code,
            message,
            field: field.map(|f| echoed(&f)),
            kind: None,
            format: None,
            min: None,
            max: None,
        }
    }
}

/// The longest field name an answer repeats.
const MAX_ECHOED_FIELD: usize = 100;

/// A field name as an answer may repeat it. Names usually come from the API's own forms, but an
/// unknown field's name is the client's: its forbidden characters (controls, bidi overrides)
/// become U+FFFD and it is cut at [`MAX_ECHOED_FIELD`] characters, so the answer stays within
/// the text rule the document gives `field` whatever was sent.
fn echoed(field: &str) -> String {
    field
        .chars()
        .take(MAX_ECHOED_FIELD)
        .map(|c| {
            if liaison_contract::hygiene::forbidden(c) {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

impl From<liaison_contract::FieldError> for ApiError {
    fn from(e: liaison_contract::FieldError) -> Self {
        ApiError::Invalid {
            field: e.field,
            kind: e.kind,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::BadRequest { field, message } => ApiError::BadRequest { field, message },
            Error::Invalid { field, kind } => ApiError::Invalid { field, kind },
            Error::Unauthorized => ApiError::Unauthorized,
            Error::Forbidden(m) => ApiError::Forbidden(m),
            Error::NotFound(m) => ApiError::NotFound(m),
            Error::Conflict(m) => ApiError::Conflict(m),
            Error::Unavailable(m) => ApiError::Unavailable(m),
            Error::Busy(m) => ApiError::Busy(m),
            Error::TooLarge { limit, field } => ApiError::TooLarge { limit, field },
            Error::Db(e) => ApiError::Db(e.to_string()),
            Error::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<liaison_host::PluginError> for ApiError {
    fn from(e: liaison_host::PluginError) -> Self {
        Error::from(e).into()
    }
}

impl ApiError {
    /// A field that is not acceptable, in the way `kind` says.
    pub fn invalid(field: impl Into<String>, kind: FieldKind) -> Self {
        ApiError::Invalid {
            field: field.into(),
            kind,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden(message.into())
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::NotFound(what.into())
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<String>) {
        match self {
            ApiError::BadRequest { field, .. } => {
                (StatusCode::BAD_REQUEST, "bad_request", field.clone())
            }
            ApiError::Invalid { field, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some(field.clone()),
            ),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", None),
            ApiError::TooLarge { field, .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "too_large", field.clone())
            }
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None),
            ApiError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", None),
            ApiError::Db(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.parts();
        let message = match &self {
            ApiError::Db(e) => {
                tracing::error!(error = %e, "database error");
                "internal error".to_owned()
            }
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "internal error".to_owned()
            }
            ApiError::Invalid { kind, .. } => kind.to_string(),
            other => other.to_string(),
        };
        let mut detail = ErrorDetail::plain(code, message, field);
        if let ApiError::Invalid { kind, .. } = &self {
            let (min, max) = kind.bounds();
            detail.kind = Some(kind.code());
            detail.format = match kind {
                FieldKind::Format(f) => Some(FormatKind::code(*f)),
                _ => None,
            };
            detail.min = min;
            detail.max = max;
        }
        let mut res = (status, Json(ErrorBody { error: detail })).into_response();
        if matches!(self, ApiError::Busy(_)) {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(liaison_host::BUSY_RETRY_SECS),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Axum answers some requests itself before any handler runs: a query string or a path segment
/// that does not parse, a body past the limit read as raw bytes, a method the route lacks. Those
/// answers are plain text or empty; this rewrites such error answers into [`ErrorBody`], keeping
/// their status and headers (Allow, Retry-After), so clients read one shape. Answers that already
/// chose a type (JSON, a page) are left alone.
pub async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let plain = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !plain || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let code = match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let (mut parts, body) = res.into_parts();
    let message = if status.is_server_error() {
        "internal error".to_owned()
    } else {
        let text = axum::body::to_bytes(body, 4096)
            .await
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .unwrap_or_default();
        if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("refused")
                .to_lowercase()
        } else {
            text
        }
    };
    let (json, body) = Json(ErrorBody {
        error: ErrorDetail::plain(code, message, None),
    })
    .into_response()
    .into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.extend(json.headers);
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_name_is_repeated_within_the_text_rule() {
        let d = ErrorDetail::plain("invalid", "x".into(), Some("H\u{93}\u{202E}a\u{0}<".into()));
        assert_eq!(d.field.as_deref(), Some("H\u{FFFD}\u{FFFD}a\u{FFFD}<"));
        let long = ErrorDetail::plain("invalid", "x".into(), Some("名".repeat(500)));
        assert_eq!(long.field.unwrap().chars().count(), MAX_ECHOED_FIELD);
    }
}
