pub mod cases {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "cases")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub receipt_code: String,
        pub station_id: i64,
        pub deputy_id: Option<i64>,
        pub category_id: i64,
        pub channel: String,
        pub title: String,
        pub description: String,
        pub urgency: String,
        pub complex: bool,
        pub lat: Option<f64>,
        pub lng: Option<f64>,
        pub address: Option<String>,
        pub anonymous: bool,
        pub status: String,
        pub supervision_level: i32,
        pub lead_org_id: Option<i64>,
        pub sign_deadline: Option<Date>,
        pub reply_deadline: Option<Date>,
        pub feedback_deadline: Option<Date>,
        pub rating_deadline: Option<Date>,
        /// The deadline of the step the case is at now; what "overdue" is measured against.
        pub due_on: Option<Date>,
        pub extension_count: i32,
        pub pending_extension_days: Option<i32>,
        pub rework_count: i32,
        pub rating: Option<String>,
        pub unrated: bool,
        pub duplicate_of: Option<i64>,
        pub intake_key: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod handlers {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_handlers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: i64,
        /// "lead" (主办) or "co" (协办).
        pub role: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod events {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub action: String,
        pub from_status: String,
        pub to_status: String,
        pub actor_role: String,
        pub actor_user_id: Option<i64>,
        pub actor_name: String,
        pub note: Option<String>,
        /// Shown on the resident's tracking page when true.
        pub public: bool,
        /// JSON with the action's particulars (organisations, deadlines, rating).
        pub data: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
