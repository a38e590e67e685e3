//! Duty shifts (值班): which deputy sits at which station on which day and half-day; and the
//! receptions (接待) recorded at the duty desk, any of which can become a case.

pub mod routes;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub mod shifts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_shifts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub station_id: i64,
        pub deputy_id: i64,
        pub day: Date,
        /// "am" or "pm".
        pub half: String,
        pub note: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod receptions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "receptions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub station_id: i64,
        pub deputy_id: Option<i64>,
        pub recorded_by: i64,
        pub visitor_name: Option<String>,
        pub visitor_phone: Option<String>,
        pub summary: String,
        pub category_id: Option<i64>,
        pub received_at: DateTimeUtc,
        pub case_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Half {
    /// Morning (上午).
    Am,
    /// Afternoon (下午).
    Pm,
}

impl Half {
    pub fn as_str(self) -> &'static str {
        match self {
            Half::Am => "am",
            Half::Pm => "pm",
        }
    }
}
