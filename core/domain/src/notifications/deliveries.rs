//! Deliveries: one row per (notification, channel), made after the notification's cause
//! committed, then tried, retried with backoff, and parked after too many failures or a
//! refusal. Rows are the state: a restart or a crash loses nothing, and a claim (a lease on
//! `next_attempt_at`) keeps two nodes from sending the same delivery at once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::entity::{deliveries, notifications};
use crate::auth::Actor;
use crate::error::Error;
use crate::policy::{self, Permission};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for its (next) attempt.
    Pending,
    /// Handed to the channel.
    Sent,
    /// Given up on: too many failures, or the channel refused it; ops may retry.
    Parked,
}

impl State {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Sent => "sent",
            State::Parked => "parked",
        }
    }
}

/// A delivery as ops see it: never the address it went to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryOut {
    /// Its id, for a retry.
    pub id: i64,
    /// The notification it carries.
    pub notification_id: i64,
    /// The notification's kind.
    pub kind: String,
    /// The channel's name.
    pub channel: String,
    /// `user:{id}` or `resident:{case id}`: whom, without their contact data.
    pub recipient: String,
    /// Where it stands.
    pub state: State,
    /// Failed attempts so far.
    pub attempts: i32,
    /// When it is tried next (while pending).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A page of deliveries, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// The deliveries on this page.
    pub items: Vec<DeliveryOut>,
    /// Deliveries in all (with the filter).
    pub total: u64,
    /// Parked deliveries in all.
    pub parked: u64,
}

/// The filter of the ops list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Only deliveries in this state.
    pub state: Option<State>,
    /// Page, from 1.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<u64>,
    /// Deliveries per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

fn recipient_label(r: &str) -> String {
    match r.split_once(':') {
        Some(("u", id)) => format!("user:{id}"),
        Some(("r", id)) => format!("resident:{id}"),
        _ => r.to_owned(),
    }
}

fn state_of(s: &str) -> State {
    match s {
        "sent" => State::Sent,
        "parked" => State::Parked,
        _ => State::Pending,
    }
}

fn out(d: deliveries::Model, kind: String) -> DeliveryOut {
    DeliveryOut {
        id: d.id,
        notification_id: d.notification_id,
        kind,
        channel: d.channel,
        recipient: recipient_label(&d.recipient),
        state: state_of(&d.state),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        last_error: d.last_error,
        created_at: d.created_at,
        sent_at: d.sent_at,
    }
}

async fn kinds_of(
    db: &impl ConnectionTrait,
    ids: Vec<i64>,
) -> Result<std::collections::HashMap<i64, String>, Error> {
    Ok(notifications::Entity::find()
        .select_only()
        .column(notifications::Column::Id)
        .column(notifications::Column::Kind)
        .filter(notifications::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The deliveries ops see (parked ones with their reason), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    f: &DeliveryFilter,
) -> Result<DeliveryPage, Error> {
    policy::require(actor, Permission::AdministerDistrict)?;
    let (page, per_page) = crate::paging::checked(f.page, f.per_page, 50)?;
    let mut q = deliveries::Entity::find();
    if let Some(s) = f.state {
        q = q.filter(deliveries::Column::State.eq(s.as_str()));
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(deliveries::Column::Id)
        .offset(crate::paging::offset(page, per_page))
        .limit(per_page)
        .all(db)
        .await?;
    let kinds = kinds_of(db, rows.iter().map(|d| d.notification_id).collect()).await?;
    let parked = deliveries::Entity::find()
        .filter(deliveries::Column::State.eq("parked"))
        .count(db)
        .await?;
    Ok(DeliveryPage {
        items: rows
            .into_iter()
            .map(|d| {
                let k = kinds.get(&d.notification_id).cloned().unwrap_or_default();
                out(d, k)
            })
            .collect(),
        total,
        parked,
    })
}

/// Ops put a parked delivery back in line, due now, its failures forgotten.
pub async fn retry(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<DeliveryOut, Error> {
    policy::require(actor, Permission::AdministerDistrict)?;
    let d = deliveries::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no delivery {id}")))?;
    if d.state != "parked" {
        return Err(Error::Conflict(format!(
            "delivery {id} is {}, not parked",
            d.state
        )));
    }
    deliveries::Entity::update_many()
        .col_expr(deliveries::Column::State, Expr::val("pending"))
        .col_expr(deliveries::Column::Attempts, Expr::val(0))
        .col_expr(deliveries::Column::NextAttemptAt, Expr::val(now))
        .col_expr(deliveries::Column::UpdatedAt, Expr::val(now))
        .filter(deliveries::Column::Id.eq(id))
        .filter(deliveries::Column::State.eq("parked"))
        .exec(db)
        .await?;
    tracing::info!(
        delivery = id,
        by = actor.user_id,
        "parked delivery put back in line"
    );
    let d = deliveries::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no delivery {id}")))?;
    let kinds = kinds_of(db, vec![d.notification_id]).await?;
    let k = kinds.get(&d.notification_id).cloned().unwrap_or_default();
    Ok(out(d, k))
}

// ---- what the dispatcher uses -------------------------------------------------------------

/// Notifications not fanned out yet, oldest first.
pub(crate) async fn unfanned(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<notifications::Model>, sea_orm::DbErr> {
    notifications::Entity::find()
        .filter(notifications::Column::FannedOut.eq(false))
        .order_by_asc(notifications::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Takes the notification for fan-out: true for the one node whose update finds it not yet
/// taken (run in the fan-out's transaction, so a crash leaves it to fan out again).
pub(crate) async fn take(db: &impl ConnectionTrait, id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(notifications::Entity::update_many()
        .col_expr(notifications::Column::FannedOut, Expr::val(true))
        .filter(notifications::Column::Id.eq(id))
        .filter(notifications::Column::FannedOut.eq(false))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// The delivery key of notification `n` by `channel` (what a receiver de-duplicates by).
pub(crate) fn key_of(n: &notifications::Model, channel: &str) -> String {
    format!("liaison-n{}-{channel}", n.id)
}

/// A delivery fan-out decided on for one notification.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    /// Whom it goes to: `u:{user}`, `r:{case}` (a resident) or `st:{station}` (a group chat).
    pub recipient: String,
    /// The channel's name.
    pub channel: String,
    /// A key shared by several notifications (a station's group chat hears a cause once);
    /// none for [`key_of`].
    pub key: Option<String>,
    /// When it is first due.
    pub due: DateTime<Utc>,
    /// Delivered already, in the same transaction (the bell's message).
    pub sent: bool,
}

/// Makes the delivery `p` of notification `n`; one that exists (the same key) is left alone.
pub(crate) async fn make(
    db: &impl ConnectionTrait,
    n: &notifications::Model,
    p: &Planned,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    deliveries::Entity::insert(deliveries::ActiveModel {
        notification_id: Set(n.id),
        recipient: Set(p.recipient.clone()),
        channel: Set(p.channel.clone()),
        state: Set(if p.sent { "sent" } else { "pending" }.into()),
        attempts: Set(0),
        next_attempt_at: Set(p.due),
        last_error: Set(None),
        idempotency_key: Set(p.key.clone().unwrap_or_else(|| key_of(n, &p.channel))),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(p.sent.then_some(now)),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(deliveries::Column::IdempotencyKey)
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec(db)
    .await?;
    Ok(())
}

/// Deliveries to `recipient` by `channel` made since `since`: how busy that line is.
pub(crate) async fn made_since(
    db: &impl ConnectionTrait,
    recipient: &str,
    channel: &str,
    since: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    deliveries::Entity::find()
        .filter(deliveries::Column::Recipient.eq(recipient))
        .filter(deliveries::Column::Channel.eq(channel))
        .filter(deliveries::Column::CreatedAt.gte(since))
        .count(db)
        .await
}

/// Pending deliveries due by `now`, oldest first.
pub(crate) async fn due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<deliveries::Model>, sea_orm::DbErr> {
    deliveries::Entity::find()
        .filter(deliveries::Column::State.eq("pending"))
        .filter(deliveries::Column::NextAttemptAt.lte(now))
        .order_by_asc(deliveries::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Since when the longest-waiting work has waited: the earliest due time of a pending delivery
/// due by `now`, or the creation of a notification not yet fanned out, whichever is older.
/// Deliveries held for quiet hours or a backoff are not waiting yet, so they do not count.
pub(crate) async fn oldest_waiting(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    let due: Option<DateTime<Utc>> = deliveries::Entity::find()
        .select_only()
        .column(deliveries::Column::NextAttemptAt)
        .filter(deliveries::Column::State.eq("pending"))
        .filter(deliveries::Column::NextAttemptAt.lte(now))
        .order_by_asc(deliveries::Column::NextAttemptAt)
        .into_tuple()
        .one(db)
        .await?;
    let unfanned: Option<DateTime<Utc>> = notifications::Entity::find()
        .select_only()
        .column(notifications::Column::CreatedAt)
        .filter(notifications::Column::FannedOut.eq(false))
        .order_by_asc(notifications::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    Ok(due.into_iter().chain(unfanned).min())
}

/// Other pending deliveries due by `now` to the same recipient on the same channel: what a
/// digest gathers.
pub(crate) async fn siblings(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    now: DateTime<Utc>,
) -> Result<Vec<deliveries::Model>, sea_orm::DbErr> {
    deliveries::Entity::find()
        .filter(deliveries::Column::State.eq("pending"))
        .filter(deliveries::Column::Recipient.eq(d.recipient.as_str()))
        .filter(deliveries::Column::Channel.eq(d.channel.as_str()))
        .filter(deliveries::Column::NextAttemptAt.lte(now))
        .filter(deliveries::Column::Id.ne(d.id))
        .order_by_asc(deliveries::Column::Id)
        .limit(50)
        .all(db)
        .await
}

/// Claims the delivery (as read, `d`) until `lease`; true for the one caller whose update finds
/// it still pending and unchanged. A claimer that dies leaves it due again after the lease.
pub(crate) async fn claim(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    lease: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    Ok(deliveries::Entity::update_many()
        .col_expr(deliveries::Column::NextAttemptAt, Expr::val(lease))
        .filter(deliveries::Column::Id.eq(d.id))
        .filter(deliveries::Column::State.eq("pending"))
        .filter(deliveries::Column::NextAttemptAt.eq(d.next_attempt_at))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Books a success.
pub(crate) async fn mark_sent(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    deliveries::Entity::update_many()
        .col_expr(deliveries::Column::State, Expr::val("sent"))
        .col_expr(deliveries::Column::SentAt, Expr::val(now))
        .col_expr(deliveries::Column::UpdatedAt, Expr::val(now))
        .filter(deliveries::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Books a failure: tried again at `next`, or parked when `next` is none.
pub(crate) async fn mark_failed(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    error: &str,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let error: String = error.chars().take(500).collect();
    let mut q = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::Attempts, Expr::val(d.attempts + 1))
        .col_expr(deliveries::Column::LastError, Expr::val(error))
        .col_expr(deliveries::Column::UpdatedAt, Expr::val(now));
    q = match next {
        Some(t) => q.col_expr(deliveries::Column::NextAttemptAt, Expr::val(t)),
        None => q.col_expr(deliveries::Column::State, Expr::val("parked")),
    };
    q.filter(deliveries::Column::Id.eq(d.id)).exec(db).await?;
    Ok(())
}

/// The wait before attempt `attempts + 1`: `base` doubled per failure so far, at most `max`.
pub fn backoff(base_secs: u64, max_secs: u64, attempts: i32) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let secs = base_secs.saturating_mul(1u64 << doublings).min(max_secs);
    Duration::seconds(secs as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let waits: Vec<i64> = (1..=8).map(|a| backoff(30, 600, a).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 600, 600, 600]);
        assert_eq!(backoff(30, 600, 1000).num_seconds(), 600);
        assert_eq!(backoff(0, 600, 3).num_seconds(), 0);
    }
}
