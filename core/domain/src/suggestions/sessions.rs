//! The sessions of the congress (届次, 会次): data ops enter, so a new term needs no release.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::entity::sessions;
use crate::auth::Actor;
use crate::error::{Error, FieldKind};
use crate::policy::{self, Permission};

/// Whose congress a session is.
pub const LEVELS: [&str; 2] = ["district", "township"];

/// What ops send to enter a session.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    /// `district` or `township`.
    pub level: String,
    /// The term (届), 1–99.
    pub term: i32,
    /// The meeting of the term (次), 1–20.
    pub meeting: i32,
    /// The full name, e.g. 路桥区第十八届人民代表大会第三次会议 (1–100 characters).
    pub name: String,
    /// The day it opens, `YYYY-MM-DD`.
    pub opens_on: NaiveDate,
}

/// A session as lists show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionOut {
    /// Its id; filing names the session by it.
    pub id: i64,
    /// `district` or `township`.
    pub level: String,
    /// The term (届).
    pub term: i32,
    /// The meeting (次).
    pub meeting: i32,
    /// The full name.
    pub name: String,
    /// The day it opens.
    pub opens_on: NaiveDate,
}

impl From<sessions::Model> for SessionOut {
    fn from(s: sessions::Model) -> Self {
        SessionOut {
            id: s.id,
            level: s.level,
            term: s.term,
            meeting: s.meeting,
            name: s.name,
            opens_on: s.opens_on,
        }
    }
}

/// Ops enter a session; a second one with the same level, term and meeting is refused.
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: &SessionInput,
    now: DateTime<Utc>,
) -> Result<SessionOut, Error> {
    policy::require(actor, Permission::ManageSuggestions)?;
    let level = input.level.trim();
    if !LEVELS.contains(&level) {
        return Err(Error::not_one_of("level", &LEVELS));
    }
    if !(1..=99).contains(&input.term) {
        return Err(Error::out_of_range("term", 1, 99));
    }
    if !(1..=20).contains(&input.meeting) {
        return Err(Error::out_of_range("meeting", 1, 20));
    }
    let name = crate::required_text("name", &input.name, 100)?;
    if !(2000..=2100).contains(&chrono::Datelike::year(&input.opens_on)) {
        return Err(Error::out_of_range("opens_on", 2000, 2100));
    }
    let taken = sessions::Entity::find()
        .filter(sessions::Column::Level.eq(level))
        .filter(sessions::Column::Term.eq(input.term))
        .filter(sessions::Column::Meeting.eq(input.meeting))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(Error::invalid("meeting", FieldKind::Conflict));
    }
    let row = sessions::ActiveModel {
        level: Set(level.to_owned()),
        term: Set(input.term),
        meeting: Set(input.meeting),
        name: Set(name),
        opens_on: Set(input.opens_on),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.into())
}

/// Every session, newest first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<SessionOut>, Error> {
    Ok(sessions::Entity::find()
        .order_by_desc(sessions::Column::OpensOn)
        .order_by_desc(sessions::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The session with this id, if any.
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<SessionOut>, Error> {
    Ok(sessions::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Into::into))
}
