use core::fmt;

use crate::bindings::liaison::brand0_1_0::types as wit;

/// Why a call failed: returned by a plugin's exports, and by the host's imports.
///
/// It is the WIT `error` variant, with the field-level complaint spelled out as named fields.
/// Build one with the short constructors ([`Error::invalid`], [`Error::not_found`],
/// [`Error::failed`], …) and return it with `?` or `Err(..)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The capability this call needs was not granted for this station. Carries its name,
    /// e.g. `"cases.read"`.
    Denied(String),
    /// The input is wrong: which field, and what is wrong with it. The host shows `message`
    /// beside the field when the field is on a form.
    Invalid {
        /// The field (or argument) at fault.
        field: String,
        /// What is wrong with it, in words for the person filling the form.
        message: String,
    },
    /// No such thing (case, view, action, key) for this station.
    NotFound(String),
    /// A quota or size limit was reached (storage, result size).
    Limit(String),
    /// Anything else, in words for the log.
    Failed(String),
}

impl Error {
    /// The capability `capability` was not granted.
    pub fn denied(capability: impl Into<String>) -> Self {
        Error::Denied(capability.into())
    }

    /// The field `field` is wrong, for the reason `message`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// There is no such `what` (e.g. `format!("view {id}")`).
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(what.into())
    }

    /// The limit `what` was reached.
    pub fn limit(what: impl Into<String>) -> Self {
        Error::Limit(what.into())
    }

    /// Something else went wrong; `why` goes to the log.
    pub fn failed(why: impl Into<String>) -> Self {
        Error::Failed(why.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Denied(capability) => write!(f, "capability not granted: {capability}"),
            Error::Invalid { field, message } => write!(f, "invalid {field}: {message}"),
            Error::NotFound(what) => write!(f, "not found: {what}"),
            Error::Limit(what) => write!(f, "limit reached: {what}"),
            Error::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<wit::Error> for Error {
    fn from(e: wit::Error) -> Self {
        match e {
            wit::Error::Denied(s) => Error::Denied(s),
            wit::Error::Invalid(wit::FieldError { field, message }) => {
                Error::Invalid { field, message }
            }
            wit::Error::NotFound(s) => Error::NotFound(s),
            wit::Error::Limit(s) => Error::Limit(s),
            wit::Error::Failed(s) => Error::Failed(s),
        }
    }
}

impl From<Error> for wit::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Denied(s) => wit::Error::Denied(s),
            Error::Invalid { field, message } => {
                wit::Error::Invalid(wit::FieldError { field, message })
            }
            Error::NotFound(s) => wit::Error::NotFound(s),
            Error::Limit(s) => wit::Error::Limit(s),
            Error::Failed(s) => wit::Error::Failed(s),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Failed(format!("json: {e}"))
    }
}
