//! What can be wrong with one field, as data. The core's rules, the host's checks of what a
//! plugin passes and the checks of a plugin's form all say it with a [`FieldKind`]; the JSON API
//! shows its English sentence ([`Display`](std::fmt::Display)) and a stable code
//! ([`FieldKind::code`]), pages look the kind up in their message catalogue. Nobody parses the
//! sentence back.

use std::fmt;

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// Missing: nothing was given where something must be.
    Required,
    /// Given, but only blanks.
    Blank,
    /// Fewer characters than `min`.
    TooShort {
        /// The fewest characters allowed.
        min: u32,
    },
    /// More characters than `max`.
    TooLong {
        /// The most characters allowed.
        max: u32,
    },
    /// A number (or a year) outside `min..=max`.
    OutOfRange {
        /// The smallest value allowed.
        min: i64,
        /// The largest value allowed.
        max: i64,
    },
    /// A number below `min`, with no upper bound.
    TooSmall {
        /// The smallest value allowed.
        min: i64,
    },
    /// A list with more entries than `max`.
    TooMany {
        /// The most entries allowed.
        max: u32,
    },
    /// A choice of `min` to `max` entries, and a different number was chosen.
    Count {
        /// The fewest entries to choose.
        min: u32,
        /// The most entries to choose.
        max: u32,
    },
    /// Numbers that must add up to `total` add up to `got`.
    Sum {
        /// What they must add up to.
        total: i64,
        /// What they add up to.
        got: i64,
    },
    /// Not one of the choices; `choices` lists them when the rule knows them.
    NotOneOf {
        /// The accepted values, when fixed; empty when the form offered them.
        choices: Vec<String>,
    },
    /// No record of that kind with that code (a station, a category, an organisation …).
    UnknownCode {
        /// What kind of record was looked for.
        thing: Thing,
        /// The code that was given.
        code: String,
    },
    /// A field the form does not have.
    UnknownField,
    /// Text that does not have the expected shape.
    Format(FormatKind),
    /// Given twice, or clashing with another entry.
    Conflict,
    /// The deputy does not serve at the station (named, or the one at hand).
    DeputyNotServing {
        /// The deputy's code.
        deputy: String,
        /// The station's code, when the sentence should name it.
        station: Option<String>,
    },
    /// An anonymous opinion came with a contact.
    AnonymousContact,
    /// The lead organisation was named as a co-handler too.
    LeadAsCoHandler,
    /// The value may not be given in this case (a contact on a proposal that is not a
    /// resident's, an item appraisers do not score, a candidate not in this round).
    NotApplicable,
    /// An end date before its start, or too far after it.
    DateSpan {
        /// The most days the span may cover.
        max_days: u32,
    },
    /// Something wrong with a photo.
    Photo(PhotoKind),
    /// An upload larger than its limit.
    LargerThan {
        /// The limit, in MiB.
        mib: u32,
    },
    /// What the plugin package check says about a manifest or a component, in its words.
    Package {
        /// The checker's sentence.
        message: String,
    },
    /// A key against resending that was already used for a submission saying something else.
    KeyReused,
    /// Control characters (NUL, ESC, BEL …) or characters that reverse or hide text (bidi
    /// overrides) in text.
    ControlCharacters,
    /// A plugin's own words about one of its fields, written for the page's locale.
    Plugin {
        /// The plugin's sentence.
        message: String,
    },
}

/// Which kind of record an unknown code was meant to name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    /// A liaison station.
    Station,
    /// A case category.
    Category,
    /// A handling organisation.
    Organisation,
    /// A deputy.
    Deputy,
    /// A case (by its number).
    Case,
    /// A case status.
    Status,
}

impl Thing {
    /// The English word, as the sentences use it.
    pub fn as_str(self) -> &'static str {
        match self {
            Thing::Station => "station",
            Thing::Category => "category",
            Thing::Organisation => "organisation",
            Thing::Deputy => "deputy",
            Thing::Case => "case",
            Thing::Status => "status",
        }
    }
}

/// The shape a text was expected to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatKind {
    /// A phone number of 7 to 15 digits.
    Phone,
    /// A `YYYY-MM-DD` date.
    Date,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A user name: letters, digits, `_`, `-` and `.`.
    Username,
    /// A form's key against resending: 16 to 64 printable ASCII characters.
    ClientKey,
    /// A tag: 1 to `max` printable characters.
    Tag {
        /// The longest tag.
        max: u32,
    },
    /// A storage key: 1 to `max` bytes of printable text.
    StorageKey {
        /// The longest key, in bytes.
        max: u32,
    },
    /// A public code (a station's, a deputy's) of the wrong length.
    CodeLength {
        /// The shortest code.
        min: u32,
        /// The longest code.
        max: u32,
    },
    /// A public code with characters other than lowercase letters, digits, dashes and
    /// underscores.
    CodeChars,
    /// An e-mail address (`name@host.domain`).
    Email,
    /// A time of day, `HH:MM`.
    Time,
}

impl FormatKind {
    /// The stable code of the shape, for clients.
    pub fn code(self) -> &'static str {
        match self {
            FormatKind::Phone => "phone",
            FormatKind::Date => "date",
            FormatKind::Number => "number",
            FormatKind::Boolean => "boolean",
            FormatKind::Username => "username",
            FormatKind::ClientKey => "client_key",
            FormatKind::Tag { .. } => "tag",
            FormatKind::StorageKey { .. } => "storage_key",
            FormatKind::CodeLength { .. } => "code_length",
            FormatKind::CodeChars => "code_chars",
            FormatKind::Email => "email",
            FormatKind::Time => "time",
        }
    }
}

/// What is wrong with a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    /// Not a JPEG or PNG image.
    Type,
    /// More photos than `max`.
    TooMany {
        /// The most photos allowed.
        max: u32,
    },
    /// Larger than the limit.
    TooLarge,
    /// More pixels than a photo may have, read from its header before it is decoded (a small
    /// file can claim a huge picture, and decoding it would cost the server its memory).
    Dimensions {
        /// The longest side allowed, in pixels.
        max_side: u32,
        /// The most pixels allowed, in millions.
        max_megapixels: u32,
    },
}

impl FieldKind {
    /// The stable snake_case code of the kind, for clients (`too_long`, `unknown_code` …).
    pub fn code(&self) -> &'static str {
        match self {
            FieldKind::Required => "required",
            FieldKind::Blank => "blank",
            FieldKind::TooShort { .. } => "too_short",
            FieldKind::TooLong { .. } => "too_long",
            FieldKind::OutOfRange { .. } => "out_of_range",
            FieldKind::TooSmall { .. } => "too_small",
            FieldKind::TooMany { .. } => "too_many",
            FieldKind::Count { .. } => "count",
            FieldKind::Sum { .. } => "sum",
            FieldKind::NotOneOf { .. } => "not_one_of",
            FieldKind::UnknownCode { .. } => "unknown_code",
            FieldKind::UnknownField => "unknown_field",
            FieldKind::Format(_) => "format",
            FieldKind::Conflict => "conflict",
            FieldKind::DeputyNotServing { .. } => "deputy_not_serving",
            FieldKind::AnonymousContact => "anonymous_contact",
            FieldKind::LeadAsCoHandler => "lead_as_co_handler",
            FieldKind::NotApplicable => "not_applicable",
            FieldKind::DateSpan { .. } => "date_span",
            FieldKind::Photo(PhotoKind::Type) => "photo_type",
            FieldKind::Photo(PhotoKind::TooMany { .. }) => "photo_count",
            FieldKind::Photo(PhotoKind::TooLarge) => "photo_size",
            FieldKind::Photo(PhotoKind::Dimensions { .. }) => "photo_dimensions",
            FieldKind::LargerThan { .. } => "larger_than",
            FieldKind::Package { .. } => "package",
            FieldKind::KeyReused => "key_reused",
            FieldKind::ControlCharacters => "control_characters",
            FieldKind::Plugin { .. } => "plugin",
        }
    }

    /// The bounds the kind carries, as `(min, max)`, for clients and message arguments.
    pub fn bounds(&self) -> (Option<i64>, Option<i64>) {
        match *self {
            FieldKind::TooShort { min } => (Some(min.into()), None),
            FieldKind::TooLong { max } | FieldKind::TooMany { max } => (None, Some(max.into())),
            FieldKind::OutOfRange { min, max } => (Some(min), Some(max)),
            FieldKind::TooSmall { min } => (Some(min), None),
            FieldKind::Count { min, max } => (Some(min.into()), Some(max.into())),
            FieldKind::DateSpan { max_days } => (None, Some(max_days.into())),
            FieldKind::Photo(PhotoKind::TooMany { max }) => (None, Some(max.into())),
            FieldKind::Photo(PhotoKind::Dimensions { max_side, .. }) => {
                (None, Some(max_side.into()))
            }
            FieldKind::LargerThan { mib } => (None, Some(mib.into())),
            FieldKind::Format(FormatKind::Tag { max } | FormatKind::StorageKey { max }) => {
                (Some(1), Some(max.into()))
            }
            FieldKind::Format(FormatKind::CodeLength { min, max }) => {
                (Some(min.into()), Some(max.into()))
            }
            _ => (None, None),
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldKind::Required => f.write_str("is required"),
            FieldKind::Blank => f.write_str("must not be empty"),
            FieldKind::TooShort { min } => write!(f, "must be at least {min} characters"),
            FieldKind::TooLong { max } => write!(f, "must be at most {max} characters"),
            FieldKind::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            FieldKind::TooSmall { min } => write!(f, "must be at least {min}"),
            FieldKind::TooMany { max } => write!(f, "at most {max} allowed"),
            FieldKind::Count { min, max } => write!(f, "choose {min} to {max}"),
            FieldKind::Sum { total, got } => write!(f, "must sum to {total}, not {got}"),
            FieldKind::NotOneOf { choices } => match choices.split_last() {
                None => f.write_str("is not one of the choices"),
                Some((last, [])) => write!(f, "must be {last}"),
                Some((last, rest)) => write!(f, "must be {} or {last}", rest.join(", ")),
            },
            FieldKind::UnknownCode { thing, code } => {
                write!(f, "no {} with code {code}", thing.as_str())
            }
            FieldKind::UnknownField => f.write_str("not a field of this form"),
            FieldKind::Format(k) => f.write_str(&match k {
                FormatKind::Phone => "must be a phone number of 7 to 15 digits".into(),
                FormatKind::Date => "must be a date like 2026-12-01".into(),
                FormatKind::Number => "must be a number".into(),
                FormatKind::Boolean => "must be true or false".into(),
                FormatKind::Username => "may hold only letters, digits, '_', '-' and '.'".into(),
                FormatKind::ClientKey => "must be 16 to 64 printable ASCII characters".into(),
                FormatKind::Tag { max } => format!("must be 1 to {max} printable characters"),
                FormatKind::StorageKey { max } => {
                    format!("must be 1 to {max} bytes of printable text")
                }
                FormatKind::CodeLength { min, max } => format!("must be {min} to {max} characters"),
                FormatKind::CodeChars => {
                    "may hold only lowercase letters, digits, dashes and underscores".into()
                }
                FormatKind::Email => "must be an e-mail address like name@example.org".into(),
                FormatKind::Time => "must be a time of day like 22:00".into(),
            }),
            FieldKind::Conflict => f.write_str("given twice"),
            FieldKind::DeputyNotServing { deputy, station } => match station {
                Some(s) => write!(f, "deputy {deputy} does not serve at station {s}"),
                None => write!(f, "deputy {deputy} does not serve at this station"),
            },
            FieldKind::AnonymousContact => f.write_str(
                "an anonymous opinion carries no contact; leave it out or untick anonymous",
            ),
            FieldKind::LeadAsCoHandler => {
                f.write_str("the lead organisation cannot also be a co-handler")
            }
            FieldKind::NotApplicable => f.write_str("does not apply here"),
            FieldKind::DateSpan { max_days } => {
                write!(f, "must be on or after from, at most {max_days} days later")
            }
            FieldKind::Photo(PhotoKind::Type) => f.write_str("must be a JPEG or PNG image"),
            FieldKind::Photo(PhotoKind::TooMany { max }) => write!(f, "at most {max} photos"),
            FieldKind::Photo(PhotoKind::TooLarge) => f.write_str("too large"),
            FieldKind::Photo(PhotoKind::Dimensions {
                max_side,
                max_megapixels,
            }) => write!(
                f,
                "at most {max_side} pixels on a side and {max_megapixels} megapixels in all"
            ),
            FieldKind::LargerThan { mib } => write!(f, "larger than {mib} MiB"),
            FieldKind::KeyReused => f.write_str(
                "was already used for a submission saying something else; make a new key for a new submission",
            ),
            FieldKind::ControlCharacters => f.write_str(
                "must not contain control characters or characters that reverse or hide text",
            ),
            FieldKind::Package { message } | FieldKind::Plugin { message } => f.write_str(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_say_their_sentence_and_code() {
        assert_eq!(
            FieldKind::TooLong { max: 200 }.to_string(),
            "must be at most 200 characters"
        );
        assert_eq!(FieldKind::TooLong { max: 200 }.code(), "too_long");
        assert_eq!(
            FieldKind::OutOfRange { min: -90, max: 90 }.to_string(),
            "must be between -90 and 90"
        );
        let choices = ["csv", "xlsx"].map(String::from).to_vec();
        assert_eq!(
            FieldKind::NotOneOf { choices }.to_string(),
            "must be csv or xlsx"
        );
        assert_eq!(
            FieldKind::NotOneOf { choices: vec![] }.to_string(),
            "is not one of the choices"
        );
        let unknown = FieldKind::UnknownCode {
            thing: Thing::Category,
            code: "x".into(),
        };
        assert_eq!(unknown.to_string(), "no category with code x");
        assert_eq!(
            FieldKind::OutOfRange { min: 1, max: 100 }.bounds(),
            (Some(1), Some(100))
        );
    }
}
