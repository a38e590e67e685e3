//! The host-side rules of the plugin contract (`wit/brand.wit`, `liaison:brand@0.1.0`), in one
//! place:
//!
//! - [`manifest`]: what `plugin.toml` may say, checked as install checks it, and how a
//!   station's settings resolve against it;
//! - [`capability`]: what a plugin may ask of the host, and which capability each host import
//!   needs;
//! - [`form`]: how a submitted form is checked against the action's declared fields before the
//!   plugin sees it;
//! - [`calls`]: what the host's imports accept (storage keys, values and quota, texts, tags,
//!   case descriptions and titles, list sizes, roster spans);
//! - [`hygiene`]: what text from outside may hold (no control characters, no bidi overrides)
//!   and when it counts as empty;
//! - [`link`]: the strict grammar of in-site paths a view's links may point to.
//!
//! The host (the `liaison` crate) applies these rules; the SDK's native test harness applies
//! the same ones, so a plugin's unit tests get the answers the host would give.

pub mod calls;
pub mod capability;
pub mod field;
pub mod form;
pub mod hygiene;
pub mod link;
pub mod manifest;

pub use capability::Capability;
pub use field::{FieldKind, FormatKind, PhotoKind, Thing};
pub use manifest::{Manifest, ManifestError};

/// A complaint about one field of what was passed: the field's name and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {kind}")]
pub struct FieldError {
    /// The field at fault.
    pub field: String,
    /// What is wrong with it.
    pub kind: FieldKind,
}

impl FieldError {
    /// `field` is wrong in the way `kind` says.
    pub fn new(field: impl Into<String>, kind: FieldKind) -> Self {
        FieldError {
            field: field.into(),
            kind,
        }
    }
}
