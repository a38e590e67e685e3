//! The tables of cases: the cases, their handling organisations and their history.

/// Maps the `cases` table: one row per resident's opinion (民情民意), from intake to close.
pub mod cases {
    use sea_orm::entity::prelude::*;

    /// A case as stored; [`crate::cases::lifecycle`] says how its status may move, and [`crate::cases::queries`] shapes it for callers.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "cases")]
    pub struct Model {
        /// Row id, assigned by the database; what staff and the API call the case by.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The receipt code the resident follows the case with (eight symbols as `XXXX-XXXX`, see [`crate::cases::receipt`]); unique.
        pub receipt_code: String,
        /// The station the case was raised at (`stations.id`); the station's staff register and triage it.
        pub station_id: i64,
        /// The deputy whose QR code was scanned (`deputies.id`), for a `deputy_qr` case; the deputy is the first to know.
        pub deputy_id: Option<i64>,
        /// The case's category (`categories.id`), chosen at intake and changed at triage (研判分类).
        pub category_id: i64,
        /// How the case came in; stored as its snake_case name (`station_qr`, `deputy_qr`, `reception`, `web`, `plugin`, `open311`).
        pub channel: crate::cases::Channel,
        /// Short title, as the resident (or the staff recording a reception) wrote it.
        pub title: String,
        /// The opinion itself.
        pub description: String,
        /// Stored as "normal" or "urgent"; urgent cases get the short reply limit.
        pub urgency: crate::cases::Urgency,
        /// Set at triage for a complex case, which gets the longer reply limit (in working days).
        pub complex: bool,
        /// Latitude (WGS-84) of where the matter is, if the resident gave a location.
        pub lat: Option<f64>,
        /// Longitude (WGS-84) of where the matter is, if given.
        pub lng: Option<f64>,
        /// The address of the matter, as written.
        pub address: Option<String>,
        /// Whether the resident sent the opinion anonymously: then no contact is kept at all.
        pub anonymous: bool,
        /// Where the case stands, stored as its snake_case name; changed only by a transition, which writes a `case_events` row with it.
        pub status: crate::cases::lifecycle::Status,
        /// The escalation reached: 0 none, 1 催办 remind, 2 督办 supervise, 3 通报 public notice; never goes down.
        pub supervision_level: i32,
        /// The lead handling organisation (主办, `organisations.id`) once assigned (交办); co-handlers are in `case_handlers`.
        pub lead_org_id: Option<i64>,
        /// The last day (Asia/Shanghai) for the lead organisation to acknowledge (签收), in working days from assignment.
        pub sign_deadline: Option<Date>,
        /// The last day (Asia/Shanghai) to reply (答复); moved by a granted extension (延期).
        pub reply_deadline: Option<Date>,
        /// The last day (Asia/Shanghai) for the deputy or station to relay the reply to the resident (代表反馈).
        pub feedback_deadline: Option<Date>,
        /// The last day (Asia/Shanghai) for the resident to rate; after it the sweeper closes the case unrated.
        pub rating_deadline: Option<Date>,
        /// The deadline of the step the case is at now; what "overdue" is measured against.
        pub due_on: Option<Date>,
        /// Extensions (延期) granted so far; at most `max_extensions` of the deadline rules.
        pub extension_count: i32,
        /// Working days asked for in an extension request awaiting a decision; none when no request is pending.
        pub pending_extension_days: Option<i32>,
        /// How many times the case was reopened for rework (重办) after an unsatisfied rating.
        pub rework_count: i32,
        /// The resident's rating (回访评价), stored as "satisfied", "basically_satisfied" or "unsatisfied"; none until rated.
        pub rating: Option<crate::cases::lifecycle::Rating>,
        /// Set when the case closed because the rating window passed without a rating (counted apart from rated cases).
        pub unrated: bool,
        /// The earlier case this one repeats (`cases.id`), marked at triage.
        pub duplicate_of: Option<i64>,
        /// The submitting client's idempotency key (16–64 printable ASCII characters): a resubmission with the same key and the same content returns the first case instead of a new one.
        pub intake_key: Option<String>,
        /// The digest of what the case said when it was filed with `intake_key` (`NewCase::digest`): a replay saying something else is refused.
        pub intake_digest: Option<String>,
        /// When the case was submitted (the start of its clock).
        pub created_at: DateTimeUtc,
        /// When the row last changed.
        pub updated_at: DateTimeUtc,
        /// When the case was closed (办结) or rejected; none while open.
        pub closed_at: Option<DateTimeUtc>,
    }

    /// What a case refers to, and what hangs off it.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The station it was raised at.
        #[sea_orm(
            belongs_to = "crate::stations::entity::Entity",
            from = "Column::StationId",
            to = "crate::stations::entity::Column::Id"
        )]
        Station,
        /// Its category.
        #[sea_orm(
            belongs_to = "crate::categories::entity::Entity",
            from = "Column::CategoryId",
            to = "crate::categories::entity::Column::Id"
        )]
        Category,
        /// The lead handling organisation, once assigned.
        #[sea_orm(
            belongs_to = "crate::orgs::entity::Entity",
            from = "Column::LeadOrgId",
            to = "crate::orgs::entity::Column::Id"
        )]
        LeadOrganisation,
        /// The deputy whose code was scanned.
        #[sea_orm(
            belongs_to = "crate::deputies::entity::Entity",
            from = "Column::DeputyId",
            to = "crate::deputies::entity::Column::Id"
        )]
        Deputy,
        /// Its history.
        #[sea_orm(has_many = "super::events::Entity")]
        Events,
        /// Its handling organisations (lead and co-handlers).
        #[sea_orm(has_many = "super::handlers::Entity")]
        Handlers,
    }

    impl Related<crate::stations::entity::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Station.def()
        }
    }

    impl Related<crate::categories::entity::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Category.def()
        }
    }

    impl Related<super::events::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Events.def()
        }
    }

    impl Related<super::handlers::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Handlers.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `case_handlers` table: the organisations a case is assigned to (lead and co-handlers).
pub mod handlers {
    use sea_orm::entity::prelude::*;

    /// One handling organisation (承办单位) of one case.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_handlers")]
    pub struct Model {
        /// The case (`cases.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
        /// The handling organisation (`organisations.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: i64,
        /// "lead" (主办) or "co" (协办).
        pub role: String,
    }

    /// The case and the organisation a handler row joins.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The case handled.
        #[sea_orm(
            belongs_to = "super::cases::Entity",
            from = "Column::CaseId",
            to = "super::cases::Column::Id"
        )]
        Case,
        /// The handling organisation.
        #[sea_orm(
            belongs_to = "crate::orgs::entity::Entity",
            from = "Column::OrganisationId",
            to = "crate::orgs::entity::Column::Id"
        )]
        Organisation,
    }

    impl Related<super::cases::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Case.def()
        }
    }

    impl Related<crate::orgs::entity::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Organisation.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `case_events` table: the case's history, one row per transition, written in the transition's transaction.
pub mod events {
    use sea_orm::entity::prelude::*;

    /// One step in a case's history.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_events")]
    pub struct Model {
        /// Row id, assigned by the database; the order of the history.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The case (`cases.id`).
        pub case_id: i64,
        /// The action taken, in snake_case: a [`crate::cases::lifecycle::Action`], `submit` for
        /// intake, or a plugin's own note; a string because the history is wider than the
        /// state machine.
        pub action: String,
        /// The status before the action.
        pub from_status: String,
        /// The status after the action.
        pub to_status: String,
        /// The role the actor acted in (`Role::as_str`), kept as it was at the time.
        pub actor_role: String,
        /// The acting user (`users.id`); none for residents and for the system (the sweeper).
        pub actor_user_id: Option<i64>,
        /// The actor's display name at the time, so the history reads the same after renames.
        pub actor_name: String,
        /// The note the actor wrote (a reason, a reply text).
        pub note: Option<String>,
        /// The note's audience: shown on the tracking page only when true (and the event is
        /// public); otherwise it is for the station, the handlers and ops.
        pub note_public: bool,
        /// Shown on the resident's tracking page when true.
        pub public: bool,
        /// JSON with the action's particulars (organisations, deadlines, rating).
        pub data: Option<String>,
        /// When the action was taken.
        pub created_at: DateTimeUtc,
    }

    /// The case an event belongs to.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The case whose history this is.
        #[sea_orm(
            belongs_to = "super::cases::Entity",
            from = "Column::CaseId",
            to = "super::cases::Column::Id"
        )]
        Case,
    }

    impl Related<super::cases::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Case.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}
