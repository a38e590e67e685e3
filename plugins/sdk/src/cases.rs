//! The station's cases: reading (capability `cases.read`), filing (`cases.create`), tagging
//! and annotating (`cases.tag`), suggesting who should handle them (`cases.suggest`).
//!
//! Every call is scoped to the calling station: a plugin never sees another station's case,
//! and a case of another station is [`Error::NotFound`]. Without the capability a call
//! returns [`Error::Denied`] with the capability's name. Cases never carry the reporter's
//! name or phone.

use crate::Error;
use crate::imp;
pub use crate::types::{CaseQuery, CaseSummary, NewCase};

/// The station's cases matching `query`, newest first (at most `query.limit`, which the host
/// caps at 200). Capability `cases.read`.
pub fn list(query: &CaseQuery) -> Result<Vec<CaseSummary>, Error> {
    imp::list_cases(query)
}

/// One case of the station. Capability `cases.read`.
pub fn get(id: i64) -> Result<CaseSummary, Error> {
    imp::get_case(id)
}

/// Files a case at the station with channel "plugin"; returns its id.
/// Capability `cases.create`.
pub fn create(case: &NewCase) -> Result<i64, Error> {
    imp::create_case(case)
}

/// Puts a tag on a case of the station. Capability `cases.tag`.
pub fn tag(id: i64, tag: &str) -> Result<(), Error> {
    imp::tag_case(id, tag)
}

/// Adds an internal note to a case's history.
/// Capability `cases.tag`.
pub fn annotate(id: i64, note: &str) -> Result<(), Error> {
    imp::annotate_case(id, note)
}

/// Suggests a handling organisation (by code) to the station's staff, with a reason.
/// Capability `cases.suggest`.
pub fn suggest_organisation(id: i64, organisation: &str, reason: &str) -> Result<(), Error> {
    imp::suggest_organisation(id, organisation, reason)
}

/// Suggests a deputy of the station (by public code) to follow the case, with a reason.
/// Capability `cases.suggest`.
pub fn suggest_deputy(id: i64, deputy: &str, reason: &str) -> Result<(), Error> {
    imp::suggest_deputy(id, deputy, reason)
}
