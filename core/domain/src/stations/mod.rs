//! Stations: the district head station (联络总站) and the township and street stations, each with
//! a public code that its QR poster carries.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, FieldKind, FormatKind};

pub mod photo;

/// A station as stored: the head station or a township or street station.
pub use entity::Model as Station;

/// The `stations` table: the head station and the township and street stations.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// A station.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "stations")]
    pub struct Model {
        /// Row id; cases, deputies and users refer to it.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Public code printed under the station QR (联络站码); unique, never changed once
        /// printed.
        pub code: String,
        /// Chinese name shown to residents, 1 to 100 characters.
        pub name: String,
        /// English name, 1 to 100 characters.
        pub name_en: String,
        /// "head" or "township".
        pub kind: String,
        /// Street address shown on the station's page (at most 200 characters), if known.
        pub address: Option<String>,
        /// When ops added the station (UTC).
        pub created_at: DateTimeUtc,
        /// Latitude (WGS 84, degrees), where the big screen's map places the station; none
        /// until set.
        pub lat: Option<f64>,
        /// Longitude (WGS 84, degrees).
        pub lng: Option<f64>,
    }

    /// No relations declared: queries join by id by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A public code as printed under a QR or named in the API: lowercase letters, digits, dashes
/// and underscores (the categories the district has always used, such as `urban_construction`,
/// carry one), 2 to 32 long. Used for stations, deputies, organisations and categories alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct PublicCode(String);

impl PublicCode {
    /// The code, trimmed, or what is wrong with its shape.
    pub fn parse(s: &str) -> Result<Self, FieldKind> {
        let s = s.trim();
        if !(2..=32).contains(&s.len()) {
            return Err(FieldKind::Format(FormatKind::CodeLength {
                min: 2,
                max: 32,
            }));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(FieldKind::Format(FormatKind::CodeChars));
        }
        Ok(Self(s.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PublicCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        // JSON that does not parse says why in words (a bad request, not a field's kind).
        Self::parse(&s).map_err(|k| k.to_string())
    }
}

impl From<PublicCode> for String {
    fn from(c: PublicCode) -> String {
        c.0
    }
}

/// Whether a station is the district head station or a township or street one; stored as
/// `head` or `township` in `stations.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StationKind {
    /// 联络总站
    Head,
    /// 镇/街道联络站
    Township,
}

impl StationKind {
    /// The name stored in `stations.kind` and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StationKind::Head => "head",
            StationKind::Township => "township",
        }
    }
}

/// Every station, the head station first (its kind sorts first), then in order of creation.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, Error> {
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::Kind)
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?)
}

/// Every station's public code by id.
pub async fn codes_by_id(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<i64, String>, Error> {
    Ok(entity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect())
}

/// The station with public code `code`; not found if there is none.
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<entity::Model, Error> {
    entity::Entity::find()
        .filter(entity::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no station with code {code}")))
}

/// The station with this id, if there is one.
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<entity::Model>, Error> {
    Ok(entity::Entity::find_by_id(id).one(db).await?)
}

/// Every station, in the order they were added.
pub async fn all_by_id(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, Error> {
    use sea_orm::QueryOrder;
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?)
}

/// How many stations there are.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, Error> {
    use sea_orm::PaginatorTrait;
    Ok(entity::Entity::find().count(db).await?)
}

/// Optional free text: trimmed, empty as none, at most `max` characters.
pub fn optional_text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>, Error> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(crate::cases::intake::text(field, s, 1, max)?)),
        None => Ok(None),
    }
}

/// Adds a station (ops): the API and the console both come here.
async fn insert_row(db: &impl ConnectionTrait, new: &NewStation) -> Result<entity::Model, Error> {
    use sea_orm::{ActiveModelTrait, Set};
    let name = crate::required_text("name", &new.name, 100)?;
    let name_en = crate::required_text("name_en", &new.name_en, 100)?;
    let address = optional_text("address", new.address.as_deref(), 200)?;
    let (lat, lng) = coordinates(new.lat, new.lng)?;
    if entity::Entity::find()
        .filter(entity::Column::Code.eq(new.code.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "a station with code {} exists",
            new.code.as_str()
        )));
    }
    Ok(entity::ActiveModel {
        code: Set(new.code.as_str().to_owned()),
        name: Set(name),
        name_en: Set(name_en),
        kind: Set(new.kind.as_str().to_owned()),
        address: Set(address),
        created_at: Set(chrono::Utc::now()),
        lat: Set(lat),
        lng: Set(lng),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Changes a station's names and address (ops); its code, printed on posters, stays.
async fn update_row(
    db: &impl ConnectionTrait,
    code: &str,
    patch: &StationPatch,
) -> Result<entity::Model, Error> {
    use sea_orm::{ActiveModelTrait, Set};
    let mut m: entity::ActiveModel = by_code(db, code).await?.into();
    if let Some(n) = &patch.name {
        m.name = Set(crate::required_text("name", n, 100)?);
    }
    if let Some(n) = &patch.name_en {
        m.name_en = Set(crate::required_text("name_en", n, 100)?);
    }
    if patch.address.is_some() {
        m.address = Set(optional_text("address", patch.address.as_deref(), 200)?);
    }
    if patch.lat.is_some() || patch.lng.is_some() {
        let (lat, lng) = coordinates(patch.lat.flatten(), patch.lng.flatten())?;
        m.lat = Set(lat);
        m.lng = Set(lng);
    }
    Ok(m.update(db).await?)
}

/// A station to add (ops), as the API and the console send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStation {
    /// Public code for the station QR; must be unused, and cannot change later.
    pub code: PublicCode,
    /// Chinese name, 1 to 100 characters.
    pub name: String,
    /// English name, 1 to 100 characters.
    pub name_en: String,
    /// Head station or township/street station.
    pub kind: StationKind,
    /// Street address (at most 200 characters), if known.
    pub address: Option<String>,
    /// Latitude (WGS 84, -90 to 90 degrees), where the big screen's map places the station;
    /// given together with `lng` or not at all.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude (WGS 84, -180 to 180 degrees).
    #[serde(default)]
    pub lng: Option<f64>,
}

/// A field that was sent, even as `null` (which clears), told apart from one left out (which
/// keeps what is stored).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A place on the map, both halves or neither: a latitude without its longitude would put the
/// station on a line, not a point.
fn coordinates(lat: Option<f64>, lng: Option<f64>) -> Result<(Option<f64>, Option<f64>), Error> {
    let within = |field: &str, v: f64, bound: i64| {
        if v.is_finite() && v.abs() <= bound as f64 {
            Ok(v)
        } else {
            Err(Error::out_of_range(field, -bound, bound))
        }
    };
    match (lat, lng) {
        (None, None) => Ok((None, None)),
        (Some(a), Some(o)) => Ok((Some(within("lat", a, 90)?), Some(within("lng", o, 180)?))),
        (Some(_), None) => Err(Error::required("lng")),
        (None, Some(_)) => Err(Error::required("lat")),
    }
}

/// Changes to a station (ops); an absent field stays as it is. The code and kind cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StationPatch {
    /// New Chinese name, 1 to 100 characters.
    pub name: Option<String>,
    /// New English name, 1 to 100 characters.
    pub name_en: Option<String>,
    /// New address (at most 200 characters); an empty one clears it.
    pub address: Option<String>,
    /// New latitude (WGS 84 degrees), given together with `lng`; both `null` take the station
    /// off the map.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub lat: Option<Option<f64>>,
    /// New longitude (WGS 84 degrees), given together with `lat`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub lng: Option<Option<f64>>,
}

/// Adds the station (see `insert_row`), then makes the reference data forget its snapshot so the
/// change shows on the next request.
pub async fn create(
    db: &impl ConnectionTrait,
    reference: &crate::reference::Reference,
    new: &NewStation,
) -> Result<entity::Model, Error> {
    reference.edited(insert_row(db, new)).await
}

/// Changes the station (see `update_row`), then makes the reference data forget its snapshot so the
/// change shows on the next request.
pub async fn update(
    db: &impl ConnectionTrait,
    reference: &crate::reference::Reference,
    code: &str,
    patch: &StationPatch,
) -> Result<entity::Model, Error> {
    reference.edited(update_row(db, code, patch)).await
}

#[cfg(test)]
mod code_tests {
    use super::*;

    #[test]
    fn a_public_code_takes_what_the_district_uses_and_nothing_else() {
        for ok in ["lunan", "lunan-d01", "urban_construction", "ab"] {
            assert_eq!(PublicCode::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(PublicCode::parse(" lunan ").unwrap().as_str(), "lunan");
        for (bad, kind) in [
            ("Lunan", FormatKind::CodeChars),
            ("lu nan", FormatKind::CodeChars),
            ("路南", FormatKind::CodeChars),
            ("a", FormatKind::CodeLength { min: 2, max: 32 }),
            (&"a".repeat(33), FormatKind::CodeLength { min: 2, max: 32 }),
        ] {
            assert_eq!(
                PublicCode::parse(bad),
                Err(FieldKind::Format(kind)),
                "{bad}"
            );
        }
    }
}
