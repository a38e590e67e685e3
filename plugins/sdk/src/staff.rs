//! Telling the station's staff something (`liaison:brand@0.2.0`). Capability "staff.notify";
//! a plugin using it says `wit = "0.2.0"` in its manifest.

use crate::{Error, imp};

/// Notifies every staff member of the calling station: `subject` one line of at most 100
/// characters, `body` plain text of at most 1000. Rate-limited per plugin and station (10 an
/// hour as shipped): past it, [`Error::Limit`] and nothing is sent. Never put a resident's name
/// or phone in either.
pub fn notify(subject: &str, body: &str) -> Result<(), Error> {
    imp::notify_staff(subject, body)
}
