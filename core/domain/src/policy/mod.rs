//! Who may do what and see what. Every role and scope check of the platform is a function here,
//! so that the API and the pages ask the same question and get the same answer.

use liaison_contract::manifest::Audience;

use crate::auth::{Actor, Role, Scope};

/// Whether `actor` may see station `station_id`'s cockpit: its staff and deputies, and the
/// district's ops and viewers. Handlers see their own organisation's cases, not a station's.
pub fn may_see_station(actor: &Actor, station_id: i64) -> bool {
    match actor.scope() {
        Scope::All => true,
        Scope::Station(s) => s == station_id,
        Scope::Organisation(_) | Scope::Nothing => false,
    }
}

/// The big screen shows every station: ops and the read-only viewers (leaders, the screen).
pub fn may_see_district(actor: &Actor) -> bool {
    matches!(actor.role, Role::Ops | Role::Viewer)
}

/// The audiences a caller belongs to at a station, most trusted first.
pub fn audiences(actor: Option<&Actor>, station_id: i64) -> Vec<Audience> {
    let Some(a) = actor else {
        return vec![Audience::Resident];
    };
    let here = a.station_id == Some(station_id);
    match a.role {
        Role::Ops => vec![
            Audience::Staff,
            Audience::Dashboard,
            Audience::Deputy,
            Audience::Resident,
        ],
        Role::StationStaff if here => {
            vec![Audience::Staff, Audience::Dashboard, Audience::Resident]
        }
        Role::Deputy if here => vec![Audience::Deputy, Audience::Resident],
        Role::Viewer => vec![Audience::Dashboard, Audience::Resident],
        _ => vec![Audience::Resident],
    }
}
