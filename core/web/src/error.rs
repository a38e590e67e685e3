//! The error type of the page boundary. A handler returns it; the page middleware (which knows
//! the visitor's language and sign-in) turns it into a whole page in the site's layout, or into
//! a redirect to the sign-in page. Internal causes are logged and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use liaison_api::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Not signed in: the visitor is sent to the sign-in page and brought back after.
    #[error("sign-in required")]
    SignIn,
    /// Too much running to start this now: 503 with Retry-After.
    #[error("busy")]
    Busy,
    /// Any other refusal, shown by its status.
    #[error("refused with {0}")]
    Status(StatusCode),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type PageResult<T> = Result<T, PageError>;

/// What the middleware renders: put on an otherwise empty response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    Status(StatusCode),
    /// A form whose CSRF token did not match, where the handler could not show the form again.
    Csrf,
    SignIn,
}

pub fn error_response(status: StatusCode, page: ErrorPage) -> Response {
    let mut res = status.into_response();
    res.extensions_mut().insert(page);
    res
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::NotFound => error_response(
                StatusCode::NOT_FOUND,
                ErrorPage::Status(StatusCode::NOT_FOUND),
            ),
            PageError::Forbidden => error_response(
                StatusCode::FORBIDDEN,
                ErrorPage::Status(StatusCode::FORBIDDEN),
            ),
            PageError::SignIn => error_response(StatusCode::SEE_OTHER, ErrorPage::SignIn),
            PageError::Status(s) => error_response(s, ErrorPage::Status(s)),
            PageError::Busy => {
                let s = StatusCode::SERVICE_UNAVAILABLE;
                let mut res = error_response(s, ErrorPage::Status(s));
                res.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(liaison_host::BUSY_RETRY_SECS),
                );
                res
            }
            PageError::Internal(e) => {
                tracing::error!(error = ?e, "page failed");
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorPage::Status(StatusCode::INTERNAL_SERVER_ERROR),
                )
            }
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound(_) => PageError::NotFound,
            ApiError::Forbidden(_) => PageError::Forbidden,
            ApiError::Unauthorized => PageError::SignIn,
            ApiError::BadRequest { .. } => PageError::Status(StatusCode::BAD_REQUEST),
            ApiError::Invalid { .. } => PageError::Status(StatusCode::UNPROCESSABLE_ENTITY),
            ApiError::Conflict(_) => PageError::Status(StatusCode::CONFLICT),
            ApiError::Unavailable(_) => PageError::Status(StatusCode::SERVICE_UNAVAILABLE),
            ApiError::Busy(_) => PageError::Busy,
            ApiError::TooLarge { .. } => PageError::Status(StatusCode::PAYLOAD_TOO_LARGE),
            ApiError::Db(e) => PageError::Internal(anyhow::anyhow!(e)),
            ApiError::Internal(e) => PageError::Internal(e),
        }
    }
}

impl From<liaison_domain::Error> for PageError {
    fn from(e: liaison_domain::Error) -> Self {
        use liaison_domain::Error;
        match e {
            Error::NotFound(_) => PageError::NotFound,
            Error::Forbidden(_) => PageError::Forbidden,
            Error::Unauthorized => PageError::SignIn,
            Error::BadRequest { .. } => PageError::Status(StatusCode::BAD_REQUEST),
            Error::Invalid { .. } => PageError::Status(StatusCode::UNPROCESSABLE_ENTITY),
            Error::Conflict(_) => PageError::Status(StatusCode::CONFLICT),
            Error::Unavailable(_) => PageError::Status(StatusCode::SERVICE_UNAVAILABLE),
            Error::Busy(_) => PageError::Busy,
            Error::TooLarge { .. } => PageError::Status(StatusCode::PAYLOAD_TOO_LARGE),
            Error::Db(e) => PageError::Internal(e.into()),
            Error::Internal(e) => PageError::Internal(e),
        }
    }
}

impl From<liaison_host::PluginError> for PageError {
    fn from(e: liaison_host::PluginError) -> Self {
        liaison_domain::Error::from(e).into()
    }
}
