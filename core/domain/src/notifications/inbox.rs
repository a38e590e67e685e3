//! The in-app channel: each user's inbox behind the bell. Delivering writes a row keyed by the
//! delivery's idempotency key, so a repeated attempt adds nothing; reading is always the
//! signed-in user's own inbox.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::channel::{Address, Channel, Message, SendError, SendFuture};
use super::entity::inbox;
use crate::clock::Clock;
use crate::error::Error;

/// The in-app channel's name, as deliveries store it.
pub const NAME: &str = super::preferences::IN_APP;

/// One message in a user's bell.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = NotificationItem)]
pub struct Item {
    /// Its id, for marking it read.
    pub id: i64,
    /// What kind of message (a template key such as `case.assigned`).
    pub kind: String,
    /// One line.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The page it is about.
    pub link: Option<String>,
    /// About an urgent case.
    pub urgent: bool,
    /// When it arrived.
    pub created_at: DateTime<Utc>,
    /// When it was read; none while unread.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<inbox::Model> for Item {
    fn from(m: inbox::Model) -> Self {
        Item {
            id: m.id,
            kind: m.kind,
            subject: m.subject,
            body: m.body,
            link: m.link,
            urgent: m.urgent,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// A page of a user's inbox, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = NotificationPage)]
pub struct Page {
    /// The messages on this page.
    pub items: Vec<Item>,
    /// Messages in all (with the filter).
    pub total: u64,
    /// Unread messages in all.
    pub unread: u64,
    /// This page, from 1.
    pub page: u64,
    /// Messages per page.
    pub per_page: u64,
}

/// The in-app channel: delivers to [`Address::User`] by writing the inbox row.
pub struct InApp {
    db: DatabaseConnection,
    clock: Clock,
}

impl InApp {
    /// The channel on `db`, stamping arrivals with `clock`.
    pub fn new(db: DatabaseConnection, clock: Clock) -> Self {
        InApp { db, clock }
    }
}

impl Channel for InApp {
    fn name(&self) -> &str {
        NAME
    }

    fn accepts(&self, to: &Address) -> bool {
        matches!(to, Address::User(_))
    }

    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            if !self.accepts(&m.to) {
                return Err(SendError::Refused("in-app takes users only".into()));
            }
            write(&self.db, m, self.clock.now())
                .await
                .map_err(|e| SendError::Retry(e.to_string()))
        })
    }
}

/// Puts `m` in its user's inbox at `now`, once per idempotency key; on any connection, so that
/// fan-out can deliver the bell's message in its own transaction.
pub(crate) async fn write(
    db: &impl ConnectionTrait,
    m: &Message,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let Address::User(user_id) = m.to else {
        return Err(sea_orm::DbErr::Custom("in-app takes users only".into()));
    };
    inbox::Entity::insert(inbox::ActiveModel {
        user_id: Set(user_id),
        idempotency_key: Set(m.idempotency_key.clone()),
        kind: Set(m.kind.clone()),
        subject: Set(m.subject.clone()),
        body: Set(m.body.clone()),
        link: Set(m.link.clone()),
        urgent: Set(m.urgent),
        created_at: Set(now),
        read_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(inbox::Column::IdempotencyKey)
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec(db)
    .await
    .map(|_| ())
}

/// The user's unread messages.
pub async fn unread(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, Error> {
    Ok(inbox::Entity::find()
        .filter(inbox::Column::UserId.eq(user_id))
        .filter(inbox::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// A page of the user's own inbox, newest first; `unread_only` leaves out what was read. Page
/// and size follow the paging rule (20 a page unless asked).
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: i64,
    unread_only: bool,
    page: Option<u64>,
    per_page: Option<u64>,
) -> Result<Page, Error> {
    let (page, per_page) = crate::paging::checked(page, per_page, 20)?;
    let mut q = inbox::Entity::find().filter(inbox::Column::UserId.eq(user_id));
    if unread_only {
        q = q.filter(inbox::Column::ReadAt.is_null());
    }
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(inbox::Column::Id)
        .offset(crate::paging::offset(page, per_page))
        .limit(per_page)
        .all(db)
        .await?
        .into_iter()
        .map(Item::from)
        .collect();
    Ok(Page {
        items,
        total,
        unread: unread(db, user_id).await?,
        page,
        per_page,
    })
}

/// Marks one of the user's own messages read; a message of someone else's is not found.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let found = inbox::Entity::find_by_id(id)
        .filter(inbox::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no notification {id}")))?;
    if found.read_at.is_none() {
        inbox::Entity::update_many()
            .col_expr(inbox::Column::ReadAt, Expr::val(now))
            .filter(inbox::Column::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Marks all the user's messages read; how many were unread.
pub async fn mark_all_read(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    Ok(inbox::Entity::update_many()
        .col_expr(inbox::Column::ReadAt, Expr::val(now))
        .filter(inbox::Column::UserId.eq(user_id))
        .filter(inbox::Column::ReadAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// The newest inbox row id at or above `after`, with its user: what the bell's watcher reads.
pub(crate) async fn arrivals_since(
    db: &impl ConnectionTrait,
    after: i64,
) -> Result<Vec<(i64, i64)>, sea_orm::DbErr> {
    inbox::Entity::find()
        .select_only()
        .column(inbox::Column::Id)
        .column(inbox::Column::UserId)
        .filter(inbox::Column::Id.gt(after))
        .order_by_asc(inbox::Column::Id)
        .limit(5000)
        .into_tuple()
        .all(db)
        .await
}

/// The newest inbox row id (0 when empty).
pub(crate) async fn newest(db: &impl ConnectionTrait) -> Result<i64, sea_orm::DbErr> {
    Ok(inbox::Entity::find()
        .select_only()
        .column(inbox::Column::Id)
        .order_by_desc(inbox::Column::Id)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}
