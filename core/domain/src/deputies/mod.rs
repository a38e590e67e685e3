//! Deputies (代表): their level, the stations they serve, and the public code of their own QR.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Thing};
use crate::stations::PublicCode;

/// A deputy as stored.
pub use entity::Model as Deputy;
/// That a deputy serves at a station, as stored (home station and further ones).
pub use stations_entity::Model as StationLink;

/// The `deputies` table: one row per deputy, retired ones kept (old shifts, receptions and
/// cases still name them).
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// A deputy.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "deputies")]
    pub struct Model {
        /// Row id; internal. Pages, the API and the QR use `code`.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Public code printed under the deputy QR (代表码); unique, and never changed once
        /// printed.
        pub code: String,
        /// Name shown to residents, 1 to 50 characters.
        pub name: String,
        /// The congress the deputy sits in, as [`super::Level::as_str`] stores it.
        pub level: String,
        /// The home station; `deputy_stations` lists every station served.
        pub station_id: i64,
        /// Short introduction shown on the deputy's page (at most 500 characters), if any.
        pub profile: Option<String>,
        /// False once retired: listed nowhere and given no new cases; old records keep naming
        /// them.
        pub active: bool,
        /// When ops added the deputy (UTC).
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: queries join by id by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `deputy_stations` table: every station a deputy serves, the home station included;
/// rewritten whole when ops change the deputy.
pub(crate) mod stations_entity {
    use sea_orm::entity::prelude::*;

    /// One station a deputy serves.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "deputy_stations")]
    pub struct Model {
        /// The deputy.
        #[sea_orm(primary_key, auto_increment = false)]
        pub deputy_id: i64,
        /// A station they serve (home or further).
        #[sea_orm(primary_key, auto_increment = false)]
        pub station_id: i64,
    }

    /// No relations declared: queries join by id by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The congress a deputy was elected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A township or street congress (乡镇人大).
    Township,
    /// The district congress (区人大).
    District,
    /// The city congress (市人大).
    City,
    /// The provincial congress (省人大).
    Province,
    /// The National People's Congress (全国人大).
    National,
}

impl Level {
    /// The name stored in `deputies.level` and used in JSON.
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

/// The deputy with public code `code`, active or retired; not found if there is none.
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<entity::Model, Error> {
    entity::Entity::find()
        .filter(entity::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no deputy with code {code}")))
}

/// A deputy with the codes of the stations they serve.
#[derive(Debug, Clone)]
pub struct Serving {
    /// The deputy.
    pub deputy: entity::Model,
    /// Their home station's code.
    pub home: String,
    /// Every station served, home first.
    pub stations: Vec<String>,
}

/// The stations a deputy serves, home first, from every station link.
fn serving(
    deputy: entity::Model,
    links: &[stations_entity::Model],
    codes: &std::collections::HashMap<i64, String>,
) -> (Serving, Vec<i64>) {
    let mut ids = vec![deputy.station_id];
    ids.extend(
        links
            .iter()
            .filter(|l| l.deputy_id == deputy.id && l.station_id != deputy.station_id)
            .map(|l| l.station_id),
    );
    let home = codes.get(&deputy.station_id).cloned().unwrap_or_default();
    let stations = ids.iter().filter_map(|i| codes.get(i).cloned()).collect();
    (
        Serving {
            deputy,
            home,
            stations,
        },
        ids,
    )
}

/// The active deputies in order of creation with the stations they serve; only those serving
/// at station `only` (home or further) when given.
pub async fn active_serving(
    db: &impl ConnectionTrait,
    only: Option<i64>,
) -> Result<Vec<Serving>, Error> {
    use sea_orm::QueryOrder;
    let codes = crate::stations::codes_by_id(db).await?;
    let links = stations_entity::Entity::find().all(db).await?;
    let deputies = entity::Entity::find()
        .filter(entity::Column::Active.eq(true))
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?;
    Ok(deputies
        .into_iter()
        .map(|d| serving(d, &links, &codes))
        .filter(|(_, ids)| only.is_none_or(|s| ids.contains(&s)))
        .map(|(s, _)| s)
        .collect())
}

/// Deputy `code` with the stations they serve; not found if there is none.
pub async fn serving_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Serving, Error> {
    let d = by_code(db, code).await?;
    let codes = crate::stations::codes_by_id(db).await?;
    let links = stations_entity::Entity::find()
        .filter(stations_entity::Column::DeputyId.eq(d.id))
        .all(db)
        .await?;
    Ok(serving(d, &links, &codes).0)
}

/// Every deputy (retired ones too: old shifts and receptions name them) by id.
pub async fn all_by_id(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<i64, entity::Model>, Error> {
    Ok(entity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect())
}

/// Deputy `id`'s code, if there is such a deputy.
pub async fn code_of(db: &impl ConnectionTrait, id: i64) -> Result<Option<String>, Error> {
    Ok(entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|d| d.code))
}

/// Whether the deputy serves at the station (home or additional).
pub async fn serves_at(
    db: &impl ConnectionTrait,
    deputy: &entity::Model,
    station_id: i64,
) -> Result<bool, Error> {
    if deputy.station_id == station_id {
        return Ok(true);
    }
    Ok(stations_entity::Entity::find_by_id((deputy.id, station_id))
        .one(db)
        .await?
        .is_some())
}

/// The deputy with this id, if there is one.
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<entity::Model>, Error> {
    Ok(entity::Entity::find_by_id(id).one(db).await?)
}

/// The active deputies serving at the station (home or additional), by code: whom its page
/// lists. The links hold the home station too, so one query over them answers.
pub async fn serving_at(
    db: &impl ConnectionTrait,
    station_id: i64,
) -> Result<Vec<entity::Model>, Error> {
    use sea_orm::QueryOrder;
    let ids: Vec<i64> = stations_entity::Entity::find()
        .filter(stations_entity::Column::StationId.eq(station_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.deputy_id)
        .collect();
    Ok(entity::Entity::find()
        .filter(entity::Column::Id.is_in(ids))
        .filter(entity::Column::Active.eq(true))
        .order_by_asc(entity::Column::Code)
        .all(db)
        .await?)
}

/// The deputies with these ids (active or not), in no particular order.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<entity::Model>, Error> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// Every deputy (active or not), in the order they were added.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, Error> {
    use sea_orm::QueryOrder;
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?)
}

/// Every deputy by code, or only those whose home is `home_station`.
pub async fn by_code_order(
    db: &impl ConnectionTrait,
    home_station: Option<i64>,
) -> Result<Vec<entity::Model>, Error> {
    use sea_orm::QueryOrder;
    let mut q = entity::Entity::find().order_by_asc(entity::Column::Code);
    if let Some(s) = home_station {
        q = q.filter(entity::Column::StationId.eq(s));
    }
    Ok(q.all(db).await?)
}

/// Every deputy-station link (home and additional).
pub async fn links(db: &impl ConnectionTrait) -> Result<Vec<stations_entity::Model>, Error> {
    Ok(stations_entity::Entity::find().all(db).await?)
}

/// The ids of the stations the deputy serves besides their home station.
pub async fn further_stations(
    db: &impl ConnectionTrait,
    deputy: &entity::Model,
) -> Result<Vec<i64>, Error> {
    Ok(stations_entity::Entity::find()
        .filter(stations_entity::Column::DeputyId.eq(deputy.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.station_id)
        .filter(|s| *s != deputy.station_id)
        .collect())
}

/// How many deputies are active.
pub async fn count_active(db: &impl ConnectionTrait) -> Result<u64, Error> {
    use sea_orm::PaginatorTrait;
    Ok(entity::Entity::find()
        .filter(entity::Column::Active.eq(true))
        .count(db)
        .await?)
}

/// The home station and the further ones, by code; each named in the field it came from.
async fn resolve_stations(
    db: &impl ConnectionTrait,
    home: &str,
    also_serves: &[String],
) -> Result<
    (
        crate::stations::entity::Model,
        Vec<crate::stations::entity::Model>,
    ),
    Error,
> {
    use crate::stations;
    let home = stations::by_code(db, home)
        .await
        .map_err(|_| Error::unknown_code("station", Thing::Station, home))?;
    let mut extra: Vec<stations::entity::Model> = Vec::new();
    for code in also_serves {
        let s = stations::by_code(db, code)
            .await
            .map_err(|_| Error::unknown_code("also_serves", Thing::Station, code))?;
        if s.id != home.id && !extra.iter().any(|e| e.id == s.id) {
            extra.push(s);
        }
    }
    Ok((home, extra))
}

/// Writes the deputy's station links: home first, then the others.
async fn link_stations(
    txn: &impl ConnectionTrait,
    deputy_id: i64,
    ids: impl Iterator<Item = i64>,
) -> Result<(), Error> {
    use sea_orm::{ActiveModelTrait, Set};
    for station_id in ids {
        stations_entity::ActiveModel {
            deputy_id: Set(deputy_id),
            station_id: Set(station_id),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Adds a deputy with the stations they serve (ops): the API and the console both come here.
/// Answers the deputy, the home station and the further stations.
async fn insert_row(
    db: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    new: &NewDeputy,
) -> Result<
    (
        entity::Model,
        crate::stations::entity::Model,
        Vec<crate::stations::entity::Model>,
    ),
    Error,
> {
    use sea_orm::{ActiveModelTrait, Set, TransactionSession};
    let name = crate::required_text("name", &new.name, 50)?;
    let profile = crate::stations::optional_text("profile", new.profile.as_deref(), 500)?;
    let (home, extra) = resolve_stations(db, &new.station, &new.also_serves).await?;
    if entity::Entity::find()
        .filter(entity::Column::Code.eq(new.code.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "a deputy with code {} exists",
            new.code.as_str()
        )));
    }
    let txn = db.begin().await?;
    let d = entity::ActiveModel {
        code: Set(new.code.as_str().to_owned()),
        name: Set(name),
        level: Set(new.level.as_str().to_owned()),
        station_id: Set(home.id),
        profile: Set(profile),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    link_stations(
        &txn,
        d.id,
        [home.id].into_iter().chain(extra.iter().map(|s| s.id)),
    )
    .await?;
    txn.commit().await?;
    Ok((d, home, extra))
}

/// What ops may change of a deputy; the code, printed on their QR poster, stays.
#[derive(Debug, Clone)]
pub struct DeputyPatch {
    /// Name shown to residents, 1 to 50 characters.
    pub name: String,
    /// The congress the deputy sits in.
    pub level: Level,
    /// Home station code.
    pub station: String,
    /// Further station codes.
    pub also_serves: Vec<String>,
    /// Short introduction (at most 500 characters); empty or absent clears it.
    pub profile: Option<String>,
    /// An inactive deputy is listed nowhere and gets no new cases.
    pub active: bool,
}

/// Changes a deputy and the stations they serve in one transaction.
async fn update_row(
    db: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    code: &str,
    patch: &DeputyPatch,
) -> Result<entity::Model, Error> {
    use sea_orm::{ActiveModelTrait, Set, TransactionSession};
    let name = crate::required_text("name", &patch.name, 50)?;
    let profile = crate::stations::optional_text("profile", patch.profile.as_deref(), 500)?;
    let (home, extra) = resolve_stations(db, &patch.station, &patch.also_serves).await?;
    let d = by_code(db, code).await?;
    let txn = db.begin().await?;
    let mut m: entity::ActiveModel = d.clone().into();
    m.name = Set(name);
    m.level = Set(patch.level.as_str().to_owned());
    m.station_id = Set(home.id);
    m.profile = Set(profile);
    m.active = Set(patch.active);
    let d = m.update(&txn).await?;
    stations_entity::Entity::delete_many()
        .filter(stations_entity::Column::DeputyId.eq(d.id))
        .exec(&txn)
        .await?;
    link_stations(
        &txn,
        d.id,
        [home.id].into_iter().chain(extra.iter().map(|s| s.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(d)
}

impl Level {
    /// Every level, lowest congress first.
    pub const ALL: [Level; 5] = [
        Level::Township,
        Level::District,
        Level::City,
        Level::Province,
        Level::National,
    ];

    /// The level stored as `s` (the inverse of [`Level::as_str`]); `None` for anything else.
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A deputy to add (ops), as the API and the console send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeputy {
    /// Public code for the deputy QR; must be unused, and cannot change later.
    pub code: PublicCode,
    /// Name shown to residents, 1 to 50 characters.
    pub name: String,
    /// The congress the deputy sits in.
    pub level: Level,
    /// Home station code.
    pub station: String,
    /// Further stations served.
    #[serde(default)]
    pub also_serves: Vec<String>,
    /// Short introduction shown on their page (at most 500 characters), if any.
    pub profile: Option<String>,
}

/// Adds the deputy (see `insert_row`), then makes the reference data forget its snapshot so the
/// change shows on the next request.
pub async fn create(
    db: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    reference: &crate::reference::Reference,
    new: &NewDeputy,
) -> Result<
    (
        entity::Model,
        crate::stations::entity::Model,
        Vec<crate::stations::entity::Model>,
    ),
    Error,
> {
    reference.edited(insert_row(db, new)).await
}

/// Changes the deputy (see `update_row`), then makes the reference data forget its snapshot so the
/// change shows on the next request.
pub async fn update(
    db: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    reference: &crate::reference::Reference,
    code: &str,
    patch: &DeputyPatch,
) -> Result<entity::Model, Error> {
    reference.edited(update_row(db, code, patch)).await
}
