//! The tables of suggestions and motions; private to the domain, read through its services.

/// Maps `congress_sessions`: one session (届次, 会次) of a people's congress.
pub mod sessions {
    use sea_orm::entity::prelude::*;

    /// A congress session, as ops entered it.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "congress_sessions")]
    pub struct Model {
        /// Row id; suggestions refer to it.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Whose congress: `district` or `township`.
        pub level: String,
        /// The term (届), e.g. 18 for 第十八届.
        pub term: i32,
        /// The meeting of the term (次), e.g. 3 for 第三次会议.
        pub meeting: i32,
        /// The session's full name, as people read it.
        pub name: String,
        /// The day the session opens; items filed before the next one are filed "between
        /// sessions" (闭会期间) of this one.
        pub opens_on: Date,
        /// When ops entered it.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: suggestions join by id.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `suggestions`: one suggestion (建议) or motion (议案).
pub mod suggestions {
    use sea_orm::entity::prelude::*;

    use crate::suggestions::{Evaluation, Kind, ReplyClass, Status};

    /// A suggestion or motion as stored; its status moves only through
    /// [`crate::suggestions::lifecycle`], each move with an event.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "suggestions")]
    pub struct Model {
        /// Row id; what the API and pages call the item by.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The congress session it belongs to (`congress_sessions.id`).
        pub session_id: i64,
        /// Suggestion or motion.
        pub kind: Kind,
        /// Its number within the session and kind (建议第 N 号), from 1.
        pub serial: i32,
        /// Filed during the session (大会期间) rather than between sessions (闭会期间).
        pub during_session: bool,
        /// Title, 1–100 characters.
        pub title: String,
        /// The text, 10–5000 characters.
        pub body: String,
        /// The deputy who filed it (领衔代表, `deputies.id`).
        pub deputy_id: i64,
        /// The filer's home station when filed (`stations.id`); the station's people see it.
        pub station_id: i64,
        /// The delegation (代表团) filing a motion, when it is a delegation's.
        pub delegation: Option<String>,
        /// Where it stands.
        pub status: Status,
        /// The lead organisation (主办, `organisations.id`) once assigned.
        pub lead_org_id: Option<i64>,
        /// Marked for key supervision (重点督办).
        pub key_supervision: bool,
        /// The leader who supervises it, when key-supervised.
        pub supervising_leader: Option<String>,
        /// The day it was assigned (交办), from which the limits run.
        pub assigned_on: Option<Date>,
        /// The last day to reply, the reply limit after assignment (moved to a working day).
        pub reply_deadline: Option<Date>,
        /// The last day for co-organisations' opinions to the lead.
        pub co_opinion_deadline: Option<Date>,
        /// The last day to reply again after an unsatisfied evaluation.
        pub rehandle_deadline: Option<Date>,
        /// The deadline of the step it is at now (reply, reply again, or a B item's planned
        /// date); what due-soon and overdue are measured against.
        pub due_on: Option<Date>,
        /// The class of the latest reply.
        pub reply_class: Option<ReplyClass>,
        /// The latest reply's public text.
        pub reply_text: Option<String>,
        /// Why it cannot be solved now (C), or other explanation kept with the reply.
        pub reply_reason: Option<String>,
        /// When a B item is planned to be solved.
        pub planned_on: Option<Date>,
        /// The day of the first reply.
        pub first_replied_on: Option<Date>,
        /// Whether the first reply came by its deadline.
        pub replied_on_time: Option<bool>,
        /// The deputy's latest evaluation.
        pub evaluation: Option<Evaluation>,
        /// Already sent back once after an unsatisfied evaluation (it goes back only once).
        pub rehandled: bool,
        /// For a followed-up B item: confirmed solved (true) or not (false).
        pub solved: Option<bool>,
        /// Why the office returned it for revision, while it is returned.
        pub return_reason: Option<String>,
        /// When it was filed.
        pub created_at: DateTimeUtc,
        /// When the row last changed.
        pub updated_at: DateTimeUtc,
        /// When it closed (办结) or became a letter.
        pub closed_at: Option<DateTimeUtc>,
    }

    /// Its history.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The steps taken on it.
        #[sea_orm(has_many = "super::events::Entity")]
        Events,
    }

    impl Related<super::events::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Events.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `suggestion_cosigners`: deputies who co-signed (联名) beside the filer.
pub mod cosigners {
    use sea_orm::entity::prelude::*;

    /// One co-signer of one suggestion.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "suggestion_cosigners")]
    pub struct Model {
        /// The suggestion.
        #[sea_orm(primary_key, auto_increment = false)]
        pub suggestion_id: i64,
        /// The co-signing deputy.
        #[sea_orm(primary_key, auto_increment = false)]
        pub deputy_id: i64,
    }

    /// No relations declared.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `suggestion_cases`: the residents' cases a suggestion was raised from.
pub mod linked_cases {
    use sea_orm::entity::prelude::*;

    /// One case behind one suggestion.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "suggestion_cases")]
    pub struct Model {
        /// The suggestion.
        #[sea_orm(primary_key, auto_increment = false)]
        pub suggestion_id: i64,
        /// The case (`cases.id`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
    }

    /// No relations declared.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `suggestion_orgs`: the lead (主办) and co-organisations (协办) of a suggestion.
pub mod orgs {
    use sea_orm::entity::prelude::*;

    /// One handling organisation of one suggestion.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "suggestion_orgs")]
    pub struct Model {
        /// The suggestion.
        #[sea_orm(primary_key, auto_increment = false)]
        pub suggestion_id: i64,
        /// The organisation.
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: i64,
        /// Its part: `lead` (主办) or `co` (协办).
        pub part: String,
        /// A co-organisation's opinion to the lead.
        pub opinion: Option<String>,
        /// When it sent that opinion.
        pub opinion_at: Option<DateTimeUtc>,
    }

    /// No relations declared.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `suggestion_consultations`: the lead's consultations with the deputy (面商).
pub mod consultations {
    use sea_orm::entity::prelude::*;

    use crate::suggestions::ConsultWay;

    /// One consultation.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "suggestion_consultations")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The suggestion.
        pub suggestion_id: i64,
        /// The day it was held.
        pub day: Date,
        /// In person, by phone or in writing.
        pub way: ConsultWay,
        /// Who took part, as written (1–200 characters).
        pub people: String,
        /// What was said, if noted.
        pub note: Option<String>,
        /// The user who recorded it.
        pub recorded_by: i64,
        /// When it was recorded.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps `suggestion_events`: the history, one row per step.
pub mod events {
    use sea_orm::entity::prelude::*;

    /// One step in a suggestion's history.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "suggestion_events")]
    pub struct Model {
        /// Row id; the order of the history.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The suggestion.
        pub suggestion_id: i64,
        /// The step, `file` or an [`crate::suggestions::Action`]'s name.
        pub action: String,
        /// The status before.
        pub from_status: String,
        /// The status after.
        pub to_status: String,
        /// The role of who acted, as it was then.
        pub actor_role: String,
        /// The acting user.
        pub actor_user_id: Option<i64>,
        /// Their display name then.
        pub actor_name: String,
        /// A reason, reply or remark given with the step.
        pub note: Option<String>,
        /// Whether the public list shows this step.
        pub public: bool,
        /// JSON with the step's particulars.
        pub data: Option<String>,
        /// When it happened.
        pub created_at: DateTimeUtc,
    }

    /// The suggestion an event belongs to.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// The suggestion whose history this is.
        #[sea_orm(
            belongs_to = "super::suggestions::Entity",
            from = "Column::SuggestionId",
            to = "super::suggestions::Column::Id"
        )]
        Suggestion,
    }

    impl Related<super::suggestions::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Suggestion.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}
