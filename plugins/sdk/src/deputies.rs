//! The deputies serving at the station and their duty roster. Capability `deputies.read`.

use crate::Error;
use crate::imp;
pub use crate::types::{Deputy, Shift};

/// The deputies serving at the station.
pub fn list() -> Result<Vec<Deputy>, Error> {
    imp::list_deputies()
}

/// Half-day duty shifts between the days `from` and `to` (`YYYY-MM-DD`, at most 92 days).
pub fn roster(from: &str, to: &str) -> Result<Vec<Shift>, Error> {
    imp::duty_roster(from, to)
}
