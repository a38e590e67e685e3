//! Who may do what and see what. Every role and scope check of the platform is answered here,
//! so that the API, the pages, the plugin host and the domain's own services ask the same
//! question and get the same answer. A test (`no_role_checks_outside_policy`) reads the
//! sources and fails if a role or scope is compared anywhere else.
//!
//! Two kinds of answer:
//! - [`may`] / [`require`]: may `actor` do this [`Permission`]? (`require` refuses with a
//!   sentence naming who may.)
//! - [`scope`]: what part of the district `actor` sees, which every query narrows by.
//!
//! The transitions of a case are the state machine's (`cases::lifecycle`): which role may take
//! which action from which state is its table, checked there exhaustively.

use liaison_contract::manifest::Audience;

use crate::auth::{Actor, Role, Scope};
use crate::error::Error;

/// Something an actor may be allowed to do or see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Run the district: stations, deputies, organisations, accounts, categories, the
    /// working-day calendar, plugins, appraisal settings, points rules, vote rounds,
    /// project milestones (ops).
    AdministerDistrict,
    /// Read the whole district: the big screen, plugin health, the residents' opinions on
    /// organisations, every station's figures (ops and viewers).
    ReadDistrict,
    /// Keep a station's records: its duty roster and its visits (its staff, ops).
    AdministerStation(i64),
    /// Work at a station's desk: its inbox, its reception log, its brand's staff and deputy
    /// services (its staff and deputies, ops).
    WorkAtStation(i64),
    /// See a station's cockpit (its staff and deputies, ops, viewers).
    SeeStation(i64),
    /// Reveal a reporter's contact, with a reason that is recorded (station staff, deputies,
    /// ops).
    RevealContact,
    /// Use the handling organisation's desk (handlers).
    HandleForOrganisation,
    /// Use the deputy's desk: their cases, shifts and receptions (deputies).
    ActAsDeputy,
    /// Score organisations and vote in the appraisal poll (deputies with a deputy record).
    Appraise,
    /// See the appraisal ranking before it is published (ops, viewers, deputies).
    PreviewRanking,
    /// Cast a ballot in a livelihood-project vote (deputies with a deputy record).
    Vote,
    /// Propose a livelihood project as an insider and read the candidates (ops, viewers,
    /// station staff, deputies).
    ReadProjects,
    /// Read duty points (deputies their own, staff their station's, ops and viewers all).
    ReadPoints,
    /// Record visits at all: ops for any station, station staff for their own (the station of
    /// each visit is then checked with [`Permission::AdministerStation`]).
    KeepVisits,
    /// File a suggestion or motion (deputies with a deputy record).
    FileSuggestion,
    /// Run the congress office's register of suggestions and motions: enter sessions,
    /// register, return, assign, supervise (ops).
    ManageSuggestions,
    /// Read suggestions and motions at all (anyone signed in whose reach is not empty); each
    /// list is then narrowed by [`suggestion_reach`].
    ReadSuggestions,
}

impl Permission {
    /// Who holds this permission, in words for the refusal.
    fn holders(self) -> &'static str {
        match self {
            Permission::AdministerDistrict => "only ops may do this",
            Permission::ReadDistrict => "only ops and viewers may see this",
            Permission::AdministerStation(_) => "only ops or this station's staff may do this",
            Permission::WorkAtStation(_) => {
                "only this station's deputies and staff, or ops, work at its desk"
            }
            Permission::SeeStation(_) => {
                "only this station's staff and deputies, ops and viewers see its cockpit"
            }
            Permission::RevealContact => "only station staff, deputies and ops see contacts",
            Permission::HandleForOrganisation => "only a handling organisation's people use it",
            Permission::ActAsDeputy => "only deputies use the deputy's desk",
            Permission::Appraise => "only appraisers (deputies) score and vote",
            Permission::PreviewRanking => "the ranking is not published yet",
            Permission::Vote => "only deputies vote on livelihood projects",
            Permission::ReadProjects => "only ops, viewers, station staff and deputies see this",
            Permission::ReadPoints => "only deputies, station staff, ops and viewers see points",
            Permission::KeepVisits => "only ops and station staff record visits",
            Permission::FileSuggestion => "only deputies file suggestions and motions",
            Permission::ManageSuggestions => "only the congress office (ops) does this",
            Permission::ReadSuggestions => {
                "only deputies, station staff, handling organisations, ops and viewers see suggestions"
            }
        }
    }
}

/// Whether `actor` holds `permission`.
pub fn may(actor: &Actor, permission: Permission) -> bool {
    let here = |station: i64| actor.station_id == Some(station);
    match permission {
        Permission::AdministerDistrict => actor.role == Role::Ops,
        Permission::ReadDistrict => matches!(actor.role, Role::Ops | Role::Viewer),
        Permission::AdministerStation(s) => match actor.role {
            Role::Ops => true,
            Role::StationStaff => here(s),
            _ => false,
        },
        Permission::WorkAtStation(s) => match actor.role {
            Role::Ops => true,
            Role::StationStaff | Role::Deputy => here(s),
            _ => false,
        },
        Permission::SeeStation(s) => match scope(actor) {
            Scope::All => true,
            Scope::Station(mine) => mine == s,
            Scope::Organisation(_) | Scope::Nothing => false,
        },
        Permission::RevealContact => {
            matches!(actor.role, Role::StationStaff | Role::Deputy | Role::Ops)
        }
        Permission::HandleForOrganisation => actor.role == Role::Handler,
        Permission::ActAsDeputy => actor.role == Role::Deputy,
        Permission::Appraise | Permission::Vote => {
            actor.role == Role::Deputy && actor.deputy_id.is_some()
        }
        Permission::PreviewRanking => {
            matches!(actor.role, Role::Ops | Role::Viewer | Role::Deputy)
        }
        Permission::ReadProjects => matches!(
            actor.role,
            Role::Ops | Role::Viewer | Role::StationStaff | Role::Deputy
        ),
        Permission::ReadPoints => matches!(
            actor.role,
            Role::Deputy | Role::StationStaff | Role::Ops | Role::Viewer
        ),
        Permission::KeepVisits => match actor.role {
            Role::Ops => true,
            Role::StationStaff => actor.station_id.is_some(),
            _ => false,
        },
        Permission::FileSuggestion => actor.role == Role::Deputy && actor.deputy_id.is_some(),
        Permission::ManageSuggestions => actor.role == Role::Ops,
        Permission::ReadSuggestions => suggestion_reach(actor) != SuggestionReach::Nothing,
    }
}

/// In what capacity a signed-in `actor` comments on a draft law (立法联系点): deputies as
/// deputies, station staff and ops as staff; others do not comment signed in.
pub fn draft_commenter(actor: &Actor) -> Option<crate::legislation::Commenter> {
    use crate::legislation::Commenter;
    match actor.role {
        Role::Deputy => Some(Commenter::Deputy),
        Role::StationStaff | Role::Ops => Some(Commenter::Staff),
        _ => None,
    }
}

/// Which suggestions and motions an actor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionReach {
    /// All of them (ops, viewers).
    All,
    /// A deputy's: those they filed or co-signed, and those filed at their home station.
    Deputy {
        /// Their deputy record.
        deputy: i64,
        /// Their home station, when attached.
        station: Option<i64>,
    },
    /// Those filed at this station (its staff).
    Station(i64),
    /// Those this organisation leads or co-handles (its handlers).
    Organisation(i64),
    /// None.
    Nothing,
}

/// Which suggestions and motions `actor` sees; every list and every step narrows by it.
pub fn suggestion_reach(actor: &Actor) -> SuggestionReach {
    match actor.role {
        Role::Ops | Role::Viewer | Role::System => SuggestionReach::All,
        Role::Deputy => {
            actor
                .deputy_id
                .map_or(SuggestionReach::Nothing, |deputy| SuggestionReach::Deputy {
                    deputy,
                    station: actor.station_id,
                })
        }
        Role::StationStaff => actor
            .station_id
            .map_or(SuggestionReach::Nothing, SuggestionReach::Station),
        Role::Handler => actor
            .organisation_id
            .map_or(SuggestionReach::Nothing, SuggestionReach::Organisation),
        Role::Resident => SuggestionReach::Nothing,
    }
}

/// Who `actor` is to one suggestion filed by deputy `filer`, led by `lead` and co-handled by
/// `co`: the part the lifecycle's table reads. A deputy who co-signed is an onlooker: only the
/// filer (领衔代表) revises and evaluates.
pub fn suggestion_part(
    actor: &Actor,
    filer: i64,
    lead: Option<i64>,
    co: &[i64],
) -> crate::suggestions::lifecycle::Part {
    use crate::suggestions::lifecycle::Part;
    match actor.role {
        Role::Ops => Part::Office,
        Role::Deputy if actor.deputy_id == Some(filer) => Part::Filer,
        Role::Handler => match actor.organisation_id {
            Some(o) if lead == Some(o) => Part::Lead,
            Some(o) if co.contains(&o) => Part::CoOrganisation,
            _ => Part::Onlooker,
        },
        _ => Part::Onlooker,
    }
}

/// `Ok` if `actor` holds `permission`, else a refusal that says who does.
pub fn require(actor: &Actor, permission: Permission) -> Result<(), Error> {
    if may(actor, permission) {
        Ok(())
    } else {
        Err(Error::forbidden(permission.holders()))
    }
}

/// What part of the district `actor` sees; every query over cases, visits and the like is
/// narrowed by it.
pub fn scope(actor: &Actor) -> Scope {
    match actor.role {
        Role::Ops | Role::Viewer | Role::System => Scope::All,
        Role::StationStaff | Role::Deputy => {
            actor.station_id.map_or(Scope::Nothing, Scope::Station)
        }
        Role::Handler => actor
            .organisation_id
            .map_or(Scope::Nothing, Scope::Organisation),
        Role::Resident => Scope::Nothing,
    }
}

/// Whether `actor` may see station `station_id`'s cockpit.
pub fn may_see_station(actor: &Actor, station_id: i64) -> bool {
    may(actor, Permission::SeeStation(station_id))
}

/// The big screen shows every station: ops and the read-only viewers (leaders, the screen).
pub fn may_see_district(actor: &Actor) -> bool {
    may(actor, Permission::ReadDistrict)
}

/// The audiences a caller belongs to at a station, most trusted first: which of a brand's
/// views and actions they reach.
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

/// What an account of `role` is attached to, which scopes everything it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    /// Station staff: a station.
    Station,
    /// Handlers: an organisation.
    Organisation,
    /// Deputies: their deputy record (and through it, their home station).
    Deputy,
    /// Ops and viewers: the whole district.
    District,
}

/// The attachment an account of `role` needs; `None` for roles no account may have.
pub fn attachment(role: Role) -> Option<Attachment> {
    match role {
        Role::StationStaff => Some(Attachment::Station),
        Role::Handler => Some(Attachment::Organisation),
        Role::Deputy => Some(Attachment::Deputy),
        Role::Ops | Role::Viewer => Some(Attachment::District),
        Role::Resident | Role::System => None,
    }
}

/// Where a person lands after signing in: their own desk, not the account page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    /// Station staff: their station's inbox (`/desk/{station}`).
    StationDesk(i64),
    /// Handlers: their organisation's cases (`/org`).
    OrgDesk,
    /// Deputies: the deputy's desk (`/deputy`).
    DeputyDesk,
    /// Ops: the console.
    Console,
    /// Viewers: the district big screen.
    Screen,
    /// Anyone else (an account missing its attachment): the account page.
    Account,
}

/// The desk `actor` lands on after signing in.
pub fn landing(actor: &Actor) -> Landing {
    match actor.role {
        Role::StationStaff => actor
            .station_id
            .map_or(Landing::Account, Landing::StationDesk),
        Role::Handler if actor.organisation_id.is_some() => Landing::OrgDesk,
        Role::Deputy if actor.deputy_id.is_some() => Landing::DeputyDesk,
        Role::Ops => Landing::Console,
        Role::Viewer => Landing::Screen,
        _ => Landing::Account,
    }
}

/// Whether `actor` may act on a case whose lead organisation is `lead_org_id`: a handler acts
/// only on cases their organisation leads (co-handlers read); everyone else is left to the
/// case state machine's role table.
pub fn may_act_on_case(actor: &Actor, lead_org_id: Option<i64>) -> bool {
    actor.role != Role::Handler
        || (actor.organisation_id.is_some() && actor.organisation_id == lead_org_id)
}

/// In whose name an insider proposes a livelihood project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposer {
    /// A deputy, for their home station unless they name another.
    Deputy,
    /// Station staff, only for their own station.
    Station,
    /// Ops, for any station or none.
    District,
}

/// How `actor` proposes a livelihood project; `None` for those who do not (viewers, handlers).
pub fn proposer(actor: &Actor) -> Option<Proposer> {
    match actor.role {
        Role::Deputy => Some(Proposer::Deputy),
        Role::StationStaff => Some(Proposer::Station),
        Role::Ops => Some(Proposer::District),
        _ => None,
    }
}

/// Whose duty points an actor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsReach {
    /// Every deputy's (ops and viewers).
    District,
    /// Those whose home station is this one (station staff; `None` when none is attached).
    Station(Option<i64>),
    /// Their own (deputies; `None` when no deputy record is attached).
    Deputy(Option<i64>),
}

/// Whose duty points `actor` reads; `None` for those who read none (handlers).
pub fn points_reach(actor: &Actor) -> Option<PointsReach> {
    match actor.role {
        Role::Ops | Role::Viewer => Some(PointsReach::District),
        Role::StationStaff => Some(PointsReach::Station(actor.station_id)),
        Role::Deputy => Some(PointsReach::Deputy(actor.deputy_id)),
        _ => None,
    }
}

/// Whether a deputy may be put on station `station_id`'s records — its duty roster, the
/// attendance of a visit there and so the duty points that visit credits: only a deputy who
/// serves at the station (their home station or one they are linked to). The one rule for the
/// roster and for visits; a refusal names `field` and the deputy.
pub async fn require_serving(
    db: &impl sea_orm::ConnectionTrait,
    deputy: &crate::deputies::entity::Model,
    station_id: i64,
    field: &str,
) -> Result<(), Error> {
    if crate::deputies::serves_at(db, deputy, station_id).await? {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            crate::error::FieldKind::DeputyNotServing {
                deputy: deputy.code.clone(),
                station: None,
            },
        ))
    }
}

#[cfg(test)]
mod sources;

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, station: Option<i64>, org: Option<i64>, deputy: Option<i64>) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            display_name: "u".into(),
            role,
            station_id: station,
            organisation_id: org,
            deputy_id: deputy,
        }
    }

    #[test]
    fn station_permissions_stop_at_the_station() {
        let staff = actor(Role::StationStaff, Some(1), None, None);
        let deputy = actor(Role::Deputy, Some(1), None, Some(7));
        let ops = actor(Role::Ops, None, None, None);
        let viewer = actor(Role::Viewer, None, None, None);
        let handler = actor(Role::Handler, None, Some(3), None);
        assert!(may(&staff, Permission::AdministerStation(1)));
        assert!(!may(&staff, Permission::AdministerStation(2)));
        assert!(!may(&deputy, Permission::AdministerStation(1)));
        assert!(may(&deputy, Permission::WorkAtStation(1)));
        assert!(!may(&deputy, Permission::WorkAtStation(2)));
        assert!(may(&ops, Permission::WorkAtStation(2)));
        assert!(!may(&viewer, Permission::WorkAtStation(2)));
        assert!(may(&viewer, Permission::SeeStation(2)));
        assert!(!may(&handler, Permission::SeeStation(1)));
    }

    #[test]
    fn each_role_lands_on_its_own_desk() {
        let at = |role| landing(&actor(role, Some(4), Some(5), Some(6)));
        assert_eq!(at(Role::StationStaff), Landing::StationDesk(4));
        assert_eq!(at(Role::Handler), Landing::OrgDesk);
        assert_eq!(at(Role::Deputy), Landing::DeputyDesk);
        assert_eq!(at(Role::Ops), Landing::Console);
        assert_eq!(at(Role::Viewer), Landing::Screen);
        assert_eq!(
            landing(&actor(Role::StationStaff, None, None, None)),
            Landing::Account
        );
    }

    #[test]
    fn district_permissions_by_role() {
        for role in Role::USER_ROLES {
            let a = actor(role, Some(1), Some(1), Some(1));
            assert_eq!(may(&a, Permission::AdministerDistrict), role == Role::Ops);
            assert_eq!(
                may(&a, Permission::ReadDistrict),
                matches!(role, Role::Ops | Role::Viewer)
            );
            assert_eq!(may(&a, Permission::Appraise), role == Role::Deputy);
        }
        // A deputy account without a deputy record neither appraises nor votes.
        let bare = actor(Role::Deputy, Some(1), None, None);
        assert!(!may(&bare, Permission::Appraise));
        assert!(!may(&bare, Permission::Vote));
    }

    #[test]
    fn visits_are_kept_by_ops_and_attached_staff() {
        assert!(may(
            &actor(Role::Ops, None, None, None),
            Permission::KeepVisits
        ));
        assert!(may(
            &actor(Role::StationStaff, Some(2), None, None),
            Permission::KeepVisits
        ));
        // Staff without a station have no visits to keep; deputies and viewers none at all.
        assert!(!may(
            &actor(Role::StationStaff, None, None, None),
            Permission::KeepVisits
        ));
        assert!(!may(
            &actor(Role::Deputy, Some(2), None, Some(1)),
            Permission::KeepVisits
        ));
        assert!(!may(
            &actor(Role::Viewer, None, None, None),
            Permission::KeepVisits
        ));
    }

    #[test]
    fn refusals_name_who_may() {
        let staff = actor(Role::StationStaff, Some(1), None, None);
        let e = require(&staff, Permission::AdministerDistrict).unwrap_err();
        assert!(matches!(e, Error::Forbidden(m) if m.contains("ops")));
    }

    #[test]
    fn handlers_act_only_on_cases_they_lead() {
        let handler = actor(Role::Handler, None, Some(3), None);
        let bare = actor(Role::Handler, None, None, None);
        let staff = actor(Role::StationStaff, Some(1), None, None);
        assert!(may_act_on_case(&handler, Some(3)));
        assert!(!may_act_on_case(&handler, Some(4)));
        assert!(!may_act_on_case(&handler, None));
        assert!(!may_act_on_case(&bare, None));
        assert!(may_act_on_case(&staff, None));
    }

    #[test]
    fn proposers_and_points_readers() {
        let viewer = actor(Role::Viewer, None, None, None);
        let handler = actor(Role::Handler, None, Some(3), None);
        assert_eq!(proposer(&viewer), None);
        assert_eq!(proposer(&handler), None);
        assert_eq!(
            proposer(&actor(Role::StationStaff, Some(1), None, None)),
            Some(Proposer::Station)
        );
        assert_eq!(points_reach(&viewer), Some(PointsReach::District));
        assert_eq!(points_reach(&handler), None);
        assert_eq!(
            points_reach(&actor(Role::Deputy, Some(1), None, Some(7))),
            Some(PointsReach::Deputy(Some(7)))
        );
    }

    #[test]
    fn suggestions_reach_and_parts() {
        use crate::suggestions::lifecycle::Part;
        let deputy = actor(Role::Deputy, Some(4), None, Some(7));
        let staff = actor(Role::StationStaff, Some(4), None, None);
        let handler = actor(Role::Handler, None, Some(3), None);
        let viewer = actor(Role::Viewer, None, None, None);
        assert_eq!(
            suggestion_reach(&deputy),
            SuggestionReach::Deputy {
                deputy: 7,
                station: Some(4)
            }
        );
        assert_eq!(suggestion_reach(&staff), SuggestionReach::Station(4));
        assert_eq!(suggestion_reach(&handler), SuggestionReach::Organisation(3));
        assert_eq!(suggestion_reach(&viewer), SuggestionReach::All);
        assert_eq!(
            suggestion_reach(&actor(Role::Deputy, Some(4), None, None)),
            SuggestionReach::Nothing
        );
        // Only a deputy with a record files; only ops run the register.
        assert!(may(&deputy, Permission::FileSuggestion));
        assert!(!may(&staff, Permission::FileSuggestion));
        assert!(!may(&viewer, Permission::ManageSuggestions));
        assert!(may(&viewer, Permission::ReadSuggestions));
        assert!(!may(
            &actor(Role::Handler, None, None, None),
            Permission::ReadSuggestions
        ));
        // Parts: the filer, the office, the lead, a co-organisation; everyone else looks on.
        assert_eq!(suggestion_part(&deputy, 7, Some(3), &[]), Part::Filer);
        assert_eq!(suggestion_part(&deputy, 8, Some(3), &[]), Part::Onlooker);
        assert_eq!(suggestion_part(&handler, 7, Some(3), &[]), Part::Lead);
        assert_eq!(
            suggestion_part(&handler, 7, Some(2), &[3]),
            Part::CoOrganisation
        );
        assert_eq!(suggestion_part(&handler, 7, None, &[]), Part::Onlooker);
        assert_eq!(
            suggestion_part(&actor(Role::Ops, None, None, None), 7, None, &[]),
            Part::Office
        );
        assert_eq!(suggestion_part(&viewer, 7, Some(3), &[3]), Part::Onlooker);
        assert_eq!(suggestion_part(&staff, 7, Some(3), &[]), Part::Onlooker);
    }

    #[test]
    fn scope_follows_the_attachment() {
        assert_eq!(scope(&actor(Role::Ops, None, None, None)), Scope::All);
        assert_eq!(
            scope(&actor(Role::Deputy, Some(4), None, Some(1))),
            Scope::Station(4)
        );
        assert_eq!(
            scope(&actor(Role::Handler, None, Some(9), None)),
            Scope::Organisation(9)
        );
        assert_eq!(
            scope(&actor(Role::Handler, None, None, None)),
            Scope::Nothing
        );
    }
}
