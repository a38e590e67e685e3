//! Cases (民情民意): intake, the lifecycle, deadlines, scope, and their routes.
//!
//! - `lifecycle`: the state machine, pure.
//! - `intake`: a resident's opinion becomes a case, with its contact kept apart.
//! - `actions`: every transition, validated and written with its event in one transaction.
//! - `commands`: what someone asks of a case, one typed `Command` per action with its body.
//! - `transitions`: what each action does to the case row, one function per action.
//! - `queries`: lists, details and the public tracking view, always through `scope`.

pub mod actions;
pub mod commands;
pub mod contact;
pub mod deadlines;
pub(crate) mod entity;
pub mod intake;
pub mod lifecycle;
pub mod photos;
pub mod queries;
pub mod receipt;
pub mod scope;
pub mod sweeper;
mod transitions;

use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A case as stored (its contact lives apart, see [`contact`]).
pub use entity::cases::Model as Case;
/// One step of a case's history as stored.
pub use entity::events::Model as Event;
/// An organisation's part in a case as stored (lead or co-handler).
pub use entity::handlers::Model as Handler;
pub use lifecycle::{Action, Rating, Status};

/// How a case reached Liaison.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Scanned the station's printed QR code (联络站码), leaving no particular deputy.
    #[sea_orm(string_value = "station_qr")]
    StationQr,
    /// Scanned a deputy's own QR code (代表码); the case reaches that deputy.
    #[sea_orm(string_value = "deputy_qr")]
    DeputyQr,
    /// Recorded by staff at the duty desk from a walk-in (接待).
    #[sea_orm(string_value = "reception")]
    Reception,
    /// Submitted on the public web page without a code.
    #[sea_orm(string_value = "web")]
    Web,
    /// Raised through a station-brand plugin (一站一品) form.
    #[sea_orm(string_value = "plugin")]
    Plugin,
    /// Received through the Open311 GeoReport API.
    #[sea_orm(string_value = "open311")]
    Open311,
}

impl Channel {
    /// The value stored in `cases.channel` and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::StationQr => "station_qr",
            Channel::DeputyQr => "deputy_qr",
            Channel::Reception => "reception",
            Channel::Web => "web",
            Channel::Plugin => "plugin",
            Channel::Open311 => "open311",
        }
    }
}

/// How fast a case must move: decided at registration or triage (研判分类), and used to pick
/// shorter time limits and to order work lists.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    #[default]
    /// The usual time limits apply.
    #[sea_orm(string_value = "normal")]
    Normal,
    /// Safety or livelihood matters that cannot wait; handled first with shorter limits.
    #[sea_orm(string_value = "urgent")]
    Urgent,
}

impl Urgency {
    /// The value stored in `cases.urgency` and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
        }
    }
}

/// How many cases are stored, in every state (the demo and the benchmarks check their loads by
/// it).
pub async fn count(db: &impl sea_orm::ConnectionTrait) -> Result<u64, crate::Error> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    Ok(entity::cases::Entity::find().count(db).await?)
}

/// One step of a case's history by its id, if it is there (the outbox delivers events by id).
pub async fn event(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
) -> Result<Option<Event>, crate::Error> {
    use sea_orm::EntityTrait;
    Ok(entity::events::Entity::find_by_id(id).one(db).await?)
}

/// Case `id` as stored, whatever its station: for the core's own jobs and for tests that look
/// at what was written. Handlers and pages read through [`queries::visible_case`], which
/// applies the caller's scope.
pub async fn stored(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
) -> Result<Option<Case>, crate::Error> {
    use sea_orm::EntityTrait;
    Ok(entity::cases::Entity::find_by_id(id).one(db).await?)
}

/// The case's history as stored, oldest first, public or not (see [`stored`] on scope).
pub async fn stored_history(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
) -> Result<Vec<Event>, crate::Error> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    Ok(entity::events::Entity::find()
        .filter(entity::events::Column::CaseId.eq(id))
        .order_by_asc(entity::events::Column::Id)
        .all(db)
        .await?)
}

/// The ids of the first `n` cases `actor` may see, oldest first (the demo raises a deputy's
/// suggestions from them).
pub async fn first_visible(
    db: &impl sea_orm::ConnectionTrait,
    actor: &crate::auth::Actor,
    n: u64,
) -> Result<Vec<i64>, crate::Error> {
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(scope::visible(actor)
        .select_only()
        .column(entity::cases::Column::Id)
        .order_by_asc(entity::cases::Column::Id)
        .limit(n)
        .into_tuple()
        .all(db)
        .await?)
}
