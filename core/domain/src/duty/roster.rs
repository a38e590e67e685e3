//! The duty roster: putting deputies on duty at a station and taking them off, and reading who
//! sits there when. Each shift gives duty points, written with it in one transaction.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Half, shifts};
use crate::auth::Actor;
use crate::cases::intake::text;
use crate::cases::queries::Named;
use crate::deputies;
use crate::error::{Error, FieldKind, Thing};
use crate::oversight::points;
use crate::policy::{self, Permission};

/// The longest span of days the roster is read over at once.
pub const MAX_RANGE_DAYS: i64 = 92;

/// A shift as the roster shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Shift {
    /// The shift's id.
    pub id: i64,
    /// The day.
    pub day: NaiveDate,
    /// Morning or afternoon.
    pub half: Half,
    /// The deputy on duty.
    pub deputy: Named,
    /// A note for the desk.
    pub note: Option<String>,
}

fn half_of(stored: &str) -> Half {
    if stored == "pm" { Half::Pm } else { Half::Am }
}

/// A deputy put on duty.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShift {
    /// Deputy code; the deputy must serve at this station.
    pub deputy: String,
    /// The day (in the years 2000 to 2100).
    #[serde(deserialize_with = "crate::day::deserialize")]
    pub day: NaiveDate,
    /// Morning or afternoon.
    pub half: Half,
    /// A note for the desk.
    pub note: Option<String>,
}

/// Who sits at station `station_id` from `from` to `to` (inclusive), in order of day and
/// half-day; the span may not run backwards nor exceed [`MAX_RANGE_DAYS`].
pub async fn between(
    db: &DatabaseConnection,
    station_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Shift>, Error> {
    if to < from {
        return Err(Error::invalid(
            "to",
            FieldKind::DateSpan {
                max_days: MAX_RANGE_DAYS as u32,
            },
        ));
    }
    if (to - from).num_days() > MAX_RANGE_DAYS {
        return Err(Error::invalid(
            "to",
            FieldKind::DateSpan {
                max_days: MAX_RANGE_DAYS as u32,
            },
        ));
    }
    let rows = super::shifts_of_station(db, station_id, from, to).await?;
    let deps = deputies::all_by_id(db).await?;
    Ok(rows
        .into_iter()
        .map(|s| Shift {
            id: s.id,
            day: s.day,
            half: half_of(&s.half),
            deputy: deps
                .get(&s.deputy_id)
                .map(|d| Named {
                    code: d.code.clone(),
                    name: d.name.clone(),
                })
                .unwrap_or(Named {
                    code: String::new(),
                    name: String::new(),
                }),
            note: s.note,
        })
        .collect())
}

/// The default span of the roster: two weeks from `from`.
pub fn default_to(from: NaiveDate) -> NaiveDate {
    from + Duration::days(13)
}

/// Puts a deputy on duty at station `station_id` (ops, or the station's staff): the deputy
/// must serve there and not be on duty then already.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    station_id: i64,
    body: &NewShift,
    today: NaiveDate,
) -> Result<Shift, Error> {
    policy::require(actor, Permission::AdministerStation(station_id))?;
    let code = body.deputy.trim();
    let deputy = deputies::by_code(db, code)
        .await
        .map_err(|_| Error::unknown_code("deputy", Thing::Deputy, code))?;
    policy::require_serving(db, &deputy, station_id, "deputy").await?;
    let note = match body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => Some(text("note", n, 1, 200)?),
        None => None,
    };
    let exists = shifts::Entity::find()
        .filter(shifts::Column::StationId.eq(station_id))
        .filter(shifts::Column::DeputyId.eq(deputy.id))
        .filter(shifts::Column::Day.eq(body.day))
        .filter(shifts::Column::Half.eq(body.half.as_str()))
        .one(db)
        .await?;
    if exists.is_some() {
        return Err(Error::Conflict(format!(
            "{} is already on duty then",
            deputy.name
        )));
    }
    // The shift and the duty points it gives are written together.
    let txn = db.begin().await?;
    let s = shifts::ActiveModel {
        station_id: Set(station_id),
        deputy_id: Set(deputy.id),
        day: Set(body.day),
        half: Set(body.half.as_str().to_owned()),
        note: Set(note),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    points::derive_shift(&txn, &s, today).await?;
    txn.commit().await?;
    Ok(Shift {
        id: s.id,
        day: s.day,
        half: body.half,
        deputy: Named {
            code: deputy.code,
            name: deputy.name,
        },
        note: s.note,
    })
}

/// Takes shift `id` off station `station_id`'s roster (ops, or the station's staff), with the
/// duty points it gave.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &Actor,
    station_id: i64,
    id: i64,
) -> Result<(), Error> {
    policy::require(actor, Permission::AdministerStation(station_id))?;
    let txn = db.begin().await?;
    let res = shifts::Entity::delete_many()
        .filter(shifts::Column::Id.eq(id))
        .filter(shifts::Column::StationId.eq(station_id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::not_found(format!("no shift {id} at this station")));
    }
    points::forget(&txn, points::source::SHIFT, id).await?;
    txn.commit().await?;
    Ok(())
}
