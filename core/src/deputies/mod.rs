//! Deputies (代表): their level, the stations they serve, and the public code of their own QR.

pub mod routes;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::ApiError;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "deputies")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name: String,
        pub level: String,
        /// The home station; `deputy_stations` lists every station served.
        pub station_id: i64,
        pub profile: Option<String>,
        pub active: bool,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod stations_entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "deputy_stations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub deputy_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub station_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The congress a deputy was elected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Township,
    District,
    City,
    Province,
    National,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Township => "township",
            Level::District => "district",
            Level::City => "city",
            Level::Province => "province",
            Level::National => "national",
        }
    }
}

pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<entity::Model, ApiError> {
    entity::Entity::find()
        .filter(entity::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no deputy with code {code}")))
}

/// Whether the deputy serves at the station (home or additional).
pub async fn serves_at(
    db: &impl ConnectionTrait,
    deputy: &entity::Model,
    station_id: i64,
) -> Result<bool, ApiError> {
    if deputy.station_id == station_id {
        return Ok(true);
    }
    Ok(stations_entity::Entity::find_by_id((deputy.id, station_id))
        .one(db)
        .await?
        .is_some())
}
