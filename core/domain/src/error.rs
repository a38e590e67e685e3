//! The domain's one error type. It says what went wrong in terms of the domain — a field that
//! is not acceptable, a thing that does not exist, a state that does not allow the action — and
//! never in terms of HTTP: each face (the JSON API, the pages) renders it in its own way.

use sea_orm::DbErr;

pub use liaison_contract::{FieldKind, FormatKind, PhotoKind, Thing};

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
    /// Well-formed but not acceptable: a missing description, an unknown station. What is wrong
    /// is data ([`FieldKind`]): the API shows its sentence and code, pages their own words.
    #[error("{field}: {kind}")]
    Invalid {
        /// The field at fault.
        field: String,
        /// What is wrong with it.
        kind: FieldKind,
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
    /// Too much is running to start this now (a plugin call that got no slot in time); nothing
    /// was done, and the same request may be sent again shortly.
    #[error("{0}")]
    Busy(String),
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
            kind: e.kind,
        }
    }
}

impl Error {
    /// A field that is not acceptable, in the way `kind` says.
    pub fn invalid(field: impl Into<String>, kind: FieldKind) -> Self {
        Error::Invalid {
            field: field.into(),
            kind,
        }
    }

    /// A field that must be given and was not.
    pub fn required(field: impl Into<String>) -> Self {
        Self::invalid(field, FieldKind::Required)
    }

    /// A text longer than `max` characters.
    pub fn too_long(field: impl Into<String>, max: u32) -> Self {
        Self::invalid(field, FieldKind::TooLong { max })
    }

    /// A text shorter than `min` characters.
    pub fn too_short(field: impl Into<String>, min: u32) -> Self {
        Self::invalid(field, FieldKind::TooShort { min })
    }

    /// A number outside `min..=max`.
    pub fn out_of_range(field: impl Into<String>, min: i64, max: i64) -> Self {
        Self::invalid(field, FieldKind::OutOfRange { min, max })
    }

    /// A value that does not have the shape `format` describes.
    pub fn format(field: impl Into<String>, format: FormatKind) -> Self {
        Self::invalid(field, FieldKind::Format(format))
    }

    /// No `thing` with the given code.
    pub fn unknown_code(field: impl Into<String>, thing: Thing, code: impl Into<String>) -> Self {
        Self::invalid(
            field,
            FieldKind::UnknownCode {
                thing,
                code: code.into(),
            },
        )
    }

    /// A value not among the `choices`.
    pub fn not_one_of(field: impl Into<String>, choices: &[&str]) -> Self {
        Self::invalid(
            field,
            FieldKind::NotOneOf {
                choices: choices.iter().map(|c| (*c).to_owned()).collect(),
            },
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_data_with_todays_sentences() {
        let e = Error::too_long("title", 100);
        assert!(matches!(
            &e,
            Error::Invalid { field, kind: FieldKind::TooLong { max: 100 } } if field == "title"
        ));
        assert_eq!(e.to_string(), "title: must be at most 100 characters");
        assert_eq!(Error::required("case").to_string(), "case: is required");
        assert_eq!(
            Error::unknown_code("station", Thing::Station, "nowhere").to_string(),
            "station: no station with code nowhere"
        );
        assert_eq!(
            Error::out_of_range("score", 0, 100).to_string(),
            "score: must be between 0 and 100"
        );
        assert_eq!(
            Error::format("phone", FormatKind::Phone).to_string(),
            "phone: must be a phone number of 7 to 15 digits"
        );
        assert_eq!(
            Error::not_one_of("format", &["csv", "xlsx"]).to_string(),
            "format: must be csv or xlsx"
        );
    }

    #[test]
    fn a_contract_complaint_keeps_its_kind() {
        let e: Error = liaison_contract::calls::text("note", "  ", 1, 10)
            .expect_err("blank")
            .into();
        assert!(matches!(
            e,
            Error::Invalid {
                kind: FieldKind::Blank,
                ..
            }
        ));
    }
}
