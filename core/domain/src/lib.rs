#![warn(missing_docs)]
//! Liaison's domain: every rule and every query of the platform behind people's-congress deputy
//! liaison stations. Modules are named by domain word; each owns its tables, its rules and its
//! commands. Nothing here speaks HTTP: the JSON API (`liaison-api`) and the pages
//! (`liaison-web`) translate requests into calls of this crate and its answers back.

pub mod auth;
pub mod calendar;
pub mod cases;
pub mod categories;
pub mod clock;
pub mod configuration;
pub mod dashboard;
pub mod day;
pub mod db;
pub mod deputies;
pub mod duty;
#[cfg(test)]
mod entities_private;
pub mod error;
pub mod jobs;
pub mod json;
pub mod legislation;
pub mod notifications;
pub mod operations;
pub mod orgs;
pub mod oversight;
pub mod paging;
pub mod plugins;
pub mod policy;
pub mod reference;
pub mod stations;
pub mod suggestions;
#[cfg(test)]
pub(crate) mod testing;
pub mod users;

pub use clock::Clock;
pub use error::Error;
/// The database handle the faces pass back into the domain; they cannot query through it.
pub use sea_orm::DatabaseConnection;

/// Trimmed, non-empty, at most `max` characters: the rule for names people type.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, Error> {
    cases::intake::text(field, value, 1, max)
}
