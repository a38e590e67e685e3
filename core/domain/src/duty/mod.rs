//! Duty shifts (值班): which deputy sits at which station on which day and half-day; and the
//! receptions (接待) recorded at the duty desk, any of which can become a case.

pub mod roster;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cases::Urgency;

use crate::auth::Actor;
use crate::cases::intake::{self, Created, NewCase, text};
use crate::cases::{Channel, contact};
use crate::categories;
use crate::deputies;
use crate::error::{Error, FormatKind, Thing};
use crate::policy::{self, Permission};

/// One walk-in at a station's duty desk, as stored.
pub use receptions::Model as Reception;
/// One half-day of duty by one deputy at one station, as stored.
pub use shifts::Model as Shift;

/// The `duty_shifts` table: the roster of duty deputies (值班代表), one row per station, deputy,
/// day and half-day on duty (坐班).
pub(crate) mod shifts {
    use sea_orm::entity::prelude::*;

    /// One half-day of duty by one deputy at one station.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_shifts")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The station whose desk the deputy sits at.
        pub station_id: i64,
        /// The deputy on duty.
        pub deputy_id: i64,
        /// The day of the shift, a calendar date in Asia/Shanghai.
        pub day: Date,
        /// "am" or "pm".
        pub half: String,
        /// A note for the desk, if any.
        pub note: Option<String>,
        /// When the shift was put on the roster (UTC).
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: queries join by id by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `receptions` table: walk-ins (接待) recorded at a station's duty desk, each of which may
/// later become one case.
pub(crate) mod receptions {
    use sea_orm::entity::prelude::*;

    /// One walk-in at a station's duty desk.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "receptions")]
    pub struct Model {
        /// Row id: the `id` that [`super::reception_to_case`] takes.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The station whose desk received the visitor.
        pub station_id: i64,
        /// The deputy who received the visitor (and earns duty points for it); absent when
        /// station staff or ops recorded it for the station.
        pub deputy_id: Option<i64>,
        /// The user who recorded it.
        pub recorded_by: i64,
        /// The visitor's name, if they gave it.
        pub visitor_name: Option<String>,
        /// The visitor's phone, if they gave one; carried as the case's contact if it becomes
        /// one.
        pub visitor_phone: Option<String>,
        /// What the visitor raised, 2 to 2000 characters.
        pub summary: String,
        /// The case category, if already clear at the desk.
        pub category_id: Option<i64>,
        /// When the visitor came (UTC); the time of recording unless the desk gave another.
        pub received_at: DateTimeUtc,
        /// The case this reception became; absent until it is turned into one, and set at most
        /// once.
        pub case_id: Option<i64>,
    }

    /// No relations declared: queries join by id by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The half-day of a duty shift, stored as `am` or `pm` in `duty_shifts.half`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Half {
    /// Morning (上午).
    Am,
    /// Afternoon (下午).
    Pm,
}

impl Half {
    /// The name stored in `duty_shifts.half` and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Half::Am => "am",
            Half::Pm => "pm",
        }
    }
}

/// Deputies serving at the station, its staff, and ops may record and read receptions.
pub fn require_desk(actor: &Actor, station_id: i64) -> Result<(), Error> {
    if policy::may(actor, Permission::WorkAtStation(station_id)) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only this station's deputies and staff, or ops, keep its reception log",
        ))
    }
}

/// The station's duty shifts from `from` to `to` (both included), by day and half-day: who
/// sits at its desk when.
pub async fn shifts_of_station(
    db: &impl ConnectionTrait,
    station_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<shifts::Model>, Error> {
    shifts_where(db, station_id, None, from, to).await
}

/// One deputy's duty shifts at the station from `from` to `to` (both included), by day and
/// half-day.
pub async fn shifts_of_deputy_at(
    db: &impl ConnectionTrait,
    station_id: i64,
    deputy_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<shifts::Model>, Error> {
    shifts_where(db, station_id, Some(deputy_id), from, to).await
}

async fn shifts_where(
    db: &impl ConnectionTrait,
    station_id: i64,
    deputy_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<shifts::Model>, Error> {
    let mut q = shifts::Entity::find()
        .filter(shifts::Column::StationId.eq(station_id))
        .filter(shifts::Column::Day.gte(from))
        .filter(shifts::Column::Day.lte(to));
    if let Some(d) = deputy_id {
        q = q.filter(shifts::Column::DeputyId.eq(d));
    }
    Ok(q.order_by_asc(shifts::Column::Day)
        .order_by_asc(shifts::Column::Half)
        .all(db)
        .await?)
}

/// The station's latest `limit` receptions, newest first.
pub async fn recent_receptions(
    db: &impl ConnectionTrait,
    station_id: i64,
    limit: u64,
) -> Result<Vec<receptions::Model>, Error> {
    Ok(receptions::Entity::find()
        .filter(receptions::Column::StationId.eq(station_id))
        .order_by_desc(receptions::Column::ReceivedAt)
        .order_by_desc(receptions::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// A reception as the log shows it, with its deputy's and category's codes.
#[derive(Debug)]
pub struct Logged {
    /// The reception.
    pub reception: receptions::Model,
    /// The code of the deputy who received the visitor.
    pub deputy: Option<String>,
    /// The code of its category.
    pub category: Option<String>,
}

/// Station `station_id`'s reception log, newest first (its desk: see [`require_desk`]).
pub async fn reception_log(
    db: &DatabaseConnection,
    actor: &Actor,
    station_id: i64,
) -> Result<Vec<Logged>, Error> {
    require_desk(actor, station_id)?;
    let rows = receptions::Entity::find()
        .filter(receptions::Column::StationId.eq(station_id))
        .order_by_desc(receptions::Column::ReceivedAt)
        .all(db)
        .await?;
    let deps = deputies::all_by_id(db).await?;
    let cats = categories::codes_by_id(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| Logged {
            deputy: r
                .deputy_id
                .and_then(|id| deps.get(&id).map(|d| d.code.clone())),
            category: r.category_id.and_then(|id| cats.get(&id).cloned()),
            reception: r,
        })
        .collect())
}

/// Records a walk-in at the station's duty desk, for the API and the deputy's page alike: the
/// recording deputy is the reception's deputy; the category, if given, must exist.
pub async fn record_reception(
    db: &DatabaseConnection,
    actor: &Actor,
    station_id: i64,
    body: &NewReception,
    now: DateTime<Utc>,
) -> Result<(receptions::Model, Option<categories::entity::Model>), Error> {
    require_desk(actor, station_id)?;
    let summary = text("summary", &body.summary, 2, 2000)?;
    let visitor_name = match body
        .visitor_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => Some(text("visitor_name", n, 1, 50)?),
        None => None,
    };
    let visitor_phone = match body
        .visitor_phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) if contact::valid_phone(p) => Some(p.to_owned()),
        Some(_) => {
            return Err(Error::format("visitor_phone", FormatKind::Phone));
        }
        None => None,
    };
    let category = match &body.category {
        Some(code) => Some(
            categories::by_code(db, code)
                .await?
                .ok_or_else(|| Error::unknown_code("category", Thing::Category, code))?,
        ),
        None => None,
    };
    // The reception and the duty points it gives are written together.
    let txn = db.begin().await?;
    let r = receptions::ActiveModel {
        station_id: Set(station_id),
        // A deputy receiving a visitor is the reception's deputy; staff record for the station.
        deputy_id: Set(if policy::may(actor, Permission::ActAsDeputy) {
            actor.deputy_id
        } else {
            None
        }),
        recorded_by: Set(actor.user_id),
        visitor_name: Set(visitor_name),
        visitor_phone: Set(visitor_phone),
        summary: Set(summary),
        category_id: Set(category.as_ref().map(|c| c.id)),
        received_at: Set(body.received_at.unwrap_or(now)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::oversight::points::derive_reception(&txn, &r).await?;
    txn.commit().await?;
    Ok((r, category))
}

/// Turns reception `id` of the station into a case (channel `reception`), carrying the visitor's
/// contact apart; a reception that already became a case is a conflict.
pub async fn reception_to_case(
    db: &DatabaseConnection,
    actor: &Actor,
    station_id: i64,
    id: i64,
    body: &ReceptionCase,
    now: DateTime<Utc>,
) -> Result<Created, Error> {
    require_desk(actor, station_id)?;
    let r = receptions::Entity::find_by_id(id)
        .filter(receptions::Column::StationId.eq(station_id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no reception {id} at this station")))?;
    if let Some(case_id) = r.case_id {
        return Err(Error::Conflict(format!(
            "reception {id} is already case {case_id}"
        )));
    }
    let category_id = match &body.category {
        Some(code) => {
            categories::by_code(db, code)
                .await?
                .ok_or_else(|| Error::unknown_code("category", Thing::Category, code))?
                .id
        }
        None => r.category_id.ok_or_else(|| Error::required("category"))?,
    };
    let description = text(
        "description",
        body.description.as_deref().unwrap_or(&r.summary),
        2,
        intake::MAX_DESCRIPTION,
    )?;
    let title = liaison_contract::calls::title(body.title.as_deref(), &description)?;
    let contact =
        (r.visitor_name.is_some() || r.visitor_phone.is_some()).then(|| contact::Contact {
            name: r.visitor_name.clone(),
            phone: r.visitor_phone.clone(),
        });
    let new = NewCase {
        station_id,
        deputy_id: r.deputy_id,
        category_id,
        channel: Channel::Reception,
        title,
        description,
        urgency: body.urgency,
        location: None,
        anonymous: contact.is_none(),
        contact,
        // The reception id makes converting twice (a double click) land on one case. The space
        // keeps it out of residents' reach: their keys are printable ASCII without spaces, so no
        // form can claim this key (and be answered with this case's receipt code).
        intake_key: Some(format!("reception {}", r.id)),
        recorded_by: Some(intake::Recorder {
            user_id: Some(actor.user_id),
            name: actor.display_name.clone(),
            role: actor.role.as_str().to_owned(),
        }),
        photos: Vec::new(),
        notify_consent: false,
    };
    let (created, _) = intake::insert(db, new, now).await?;
    let txn = db.begin().await?;
    let mut am: receptions::ActiveModel = r.into();
    am.case_id = Set(Some(created.id));
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(created)
}

/// A walk-in to record at the duty desk: see [`record_reception`].
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReception {
    /// The visitor's name, if given (at most 50 characters); blank counts as absent.
    pub visitor_name: Option<String>,
    /// The visitor's phone, if given; must be a valid phone number. Blank counts as absent.
    pub visitor_phone: Option<String>,
    /// What the visitor raised.
    pub summary: String,
    /// Category code, if already clear.
    pub category: Option<String>,
    /// When (default now).
    pub received_at: Option<DateTime<Utc>>,
}

/// How to turn a reception into a case: see [`reception_to_case`]. Every field may be left
/// out; the reception supplies what is missing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceptionCase {
    /// Category code; required unless the reception has one.
    pub category: Option<String>,
    /// The case title; made from the description when absent.
    pub title: Option<String>,
    /// Defaults to the reception's summary.
    pub description: Option<String>,
    /// How urgent the case is; normal when absent.
    #[serde(default)]
    pub urgency: Urgency,
}
