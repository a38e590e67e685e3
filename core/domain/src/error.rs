//! The domain's one error type. It says what went wrong in terms of the domain — a field that
//! is not acceptable, a thing that does not exist, a state that does not allow the action — and
//! never in terms of HTTP: each face (the JSON API, the pages) renders it in its own way.

use sea_orm::DbErr;

/// Why a command or a query was refused, or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Unreadable input: JSON that does not parse, wrong types.
    #[error("{message}")]
    BadRequest {
        /// The path of the field at fault, when known.
        field: Option<String>,
        /// What was wrong.
        message: String,
    },
    /// Well-formed but not acceptable: a missing description, an unknown station.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The caller must sign in first.
    #[error("sign-in required")]
    Unauthorized,
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing of that name within the caller's scope.
    #[error("{0}")]
    NotFound(String),
    /// The thing is not in a state that allows the action, or someone acted first.
    #[error("{0}")]
    Conflict(String),
    /// A plugin is suspended, disabled or failing; core work goes on.
    #[error("{0}")]
    Unavailable(String),
    /// Input larger than its limit.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
        /// The part at fault (`photo`), when the limit is one part's.
        field: Option<String>,
    },
    /// The database failed; logged, never shown.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Anything else that failed inside; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<liaison_contract::FieldError> for Error {
    fn from(e: liaison_contract::FieldError) -> Self {
        Error::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

impl Error {
    /// A field that is not acceptable.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The caller may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }

    /// Nothing of that name within the caller's scope.
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(what.into())
    }
}
